"""Unpacking an xdomea ZIP container the way a careful DMS does: bounded, flat, and checked against the message.

Limits (a ZIP is untrusted input): at most :data:`MAX_ENTRIES` entries, no entry and no total above
the byte limits (counted while reading, never trusting the sizes the archive declares), no
compression ratio above :data:`MAX_RATIO` (zip bombs), and only flat, plain file names: no
directories, absolute paths, ``..``, backslashes or duplicates (zip-slip). Then the message is
found (``<ProzessID>_<message name>.xml``), parsed with the safe parser and validated against the
official xdomea XSD; every ``Primaerdokument/Dateiname`` must be in the container, no file may be
left unnamed, and when the Dokument carries the hub's check data (SHA-256 and size) the file must
match it.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from hub.schemas import SchemaCatalog
from hub.xml import XmlError, parse_xml

MAX_ENTRIES = 200
MAX_ENTRY_BYTES = 50 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
SCHEMA_SET = "xdomea-3.1.0"
XDOMEA = "urn:xoev-de:xdomea:schema:3.1.0"
CHECKS = "urn:x-emscher-lippe-hub:primaerdokument"
_MESSAGE_NAME = re.compile(r"^[0-9A-Fa-f-]{36}_[A-Za-z]+\.[A-Za-z]+\.\d{4}\.xml$")
_X = f"{{{XDOMEA}}}"


class Refused(ValueError):
    """The container or its message is not acceptable; ``errors`` say what, one line each."""

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


@dataclass
class UnpackedMessage:
    message_name: str
    xml: bytes
    root: Any
    files: dict[str, bytes] = field(default_factory=dict)


def _safe_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and name not in (".", "..") and "\x00" not in name


def unpack(data: bytes) -> dict[str, bytes]:
    """The container's files by name; raises :class:`Refused` for anything unsafe or oversized."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise Refused(f"the body is not a ZIP container: {exc}") from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise Refused(f"the container has {len(entries)} entries, at most {MAX_ENTRIES} are accepted")
        files: dict[str, bytes] = {}
        total = 0
        for info in entries:
            name = info.filename
            if info.is_dir() or not _safe_name(name):
                raise Refused(f"entry {name!r} is not a plain file name (no folders or paths in an xdomea container)")
            if name in files:
                raise Refused(f"entry {name!r} appears twice")
            if info.file_size > MAX_ENTRY_BYTES or info.file_size > max(info.compress_size, 1) * MAX_RATIO:
                raise Refused(f"entry {name!r} declares {info.file_size} bytes: too large or too compressed")
            with archive.open(info) as stream:
                content = stream.read(MAX_ENTRY_BYTES + 1)
            if len(content) > MAX_ENTRY_BYTES or len(content) > max(info.compress_size, 1) * MAX_RATIO:
                raise Refused(f"entry {name!r} expands beyond the limits")
            total += len(content)
            if total > MAX_TOTAL_BYTES:
                raise Refused(f"the container expands beyond {MAX_TOTAL_BYTES} bytes")
            files[name] = content
        return files


def _extension_fields(dokument: Any) -> dict[str, str]:
    for extension in dokument.findall(f"{_X}AnwendungsspezifischeErweiterung"):
        if extension.findtext(f"{_X}Kennung") == CHECKS:
            return {f.findtext(f"{_X}Name") or "": f.findtext(f"{_X}Wert") or "" for f in extension.iter(f"{_X}Feld")}
    return {}


def read_container(data: bytes, catalog: SchemaCatalog) -> UnpackedMessage:
    """Unpack, validate and cross-check one xdomea container (see the module docstring)."""
    files = unpack(data)
    names = [n for n in files if _MESSAGE_NAME.match(n)]
    if len(names) != 1:
        raise Refused(f"the container must hold exactly one message <ProzessID>_<Nachricht>.xml, found {names}")
    message_name = names[0]
    xml = files.pop(message_name)
    try:
        root = parse_xml(xml)
    except XmlError as exc:
        raise Refused(f"the message is not usable XML: {exc}") from exc
    problems = catalog.validator(SCHEMA_SET, "xdomea.xsd").validate(root)
    if problems:
        raise Refused("the message is not valid xdomea 3.1.0", [f"{p.path or ''}: {p.message}" for p in problems])
    errors: list[str] = []
    named: set[str] = set()
    for dokument in root.iter(f"{_X}Dokument"):
        for primary in dokument.iter(f"{_X}Primaerdokument"):
            file_name = primary.findtext(f"{_X}Dateiname") or ""
            named.add(file_name)
            content = files.get(file_name)
            if content is None:
                errors.append(f"{file_name}: named by the message, missing from the container")
                continue
            checks = _extension_fields(dokument)
            if "sha256" in checks and hashlib.sha256(content).hexdigest() != checks["sha256"].lower():
                errors.append(f"{file_name}: content does not match the message's SHA-256")
            if "size" in checks and str(len(content)) != checks["size"]:
                errors.append(f"{file_name}: {len(content)} bytes, the message says {checks['size']}")
    errors += [f"{name}: in the container, named by no Dokument" for name in sorted(set(files) - named)]
    if errors:
        raise Refused("the container does not match its message", errors)
    return UnpackedMessage(message_name, xml, root, files)
