"""What one message becomes in the target folder, and the order in which it is written.

Layout (relative to the target folder)::

    <messageId>.json              the mapped application; written last
    <messageId>/<fileName>        each attachment, named as the body lists it in ``anlagen[].pfad``

Each file is first written as ``.<name>.part`` in its final folder and renamed when complete, so a
reader that ignores dot-files never sees a partial file, and one that watches for ``*.json`` finds
every attachment already in place. Attachment names are the portal's file names made safe: the last
path component only, no control or reserved characters, no leading dot (which would hide the file or
collide with a temporary name), at most :data:`MAX_NAME` characters; two that would collide
(case-insensitively) get their 1-based position as prefix (``2_scan.pdf``).

The body, built at intake, is the single source of truth: a send writes exactly the files it lists,
at the paths it names, and checks each file's SHA-256 against it first.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from posixpath import basename, dirname, join

import orjson

from hub.domain.message import MessageAttachment, OutboundMessage
from hub.errors import PermanentError

MESSAGE_SUFFIX = ".json"
PART_SUFFIX = ".part"
MAX_NAME = 180
FALLBACK_NAME = "anlage"

_RESERVED = re.compile(r'[\\/:*?"<>|]')
_MESSAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def safe_file_name(name: str) -> str:
    """A portal's file name as a single, harmless path component."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = _RESERVED.sub("_", name).strip().lstrip(".").strip()
    if len(name) > MAX_NAME:
        _, dot, ext = name.rpartition(".")
        keep = ext if dot and 0 < len(ext) <= 16 else ""
        name = name[: MAX_NAME - len(keep) - 1].rstrip() + "." + keep if keep else name[:MAX_NAME]
    return name or FALLBACK_NAME


def attachment_paths(message_id: str, file_names: Sequence[str]) -> list[str]:
    """Where each attachment of a message goes, in the order given; deterministic and collision-free."""
    names = [safe_file_name(n) for n in file_names]
    seen: set[str] = set()
    paths = []
    for position, name in enumerate(names, start=1):
        if name.casefold() in seen:
            name = f"{position}_{name}"
        seen.add(name.casefold())
        paths.append(f"{message_id}/{name}")
    return paths


def message_path(message_id: str) -> str:
    if not _MESSAGE_ID.fullmatch(message_id):
        raise PermanentError(f"message id {message_id!r} cannot be used as a file name")
    return message_id + MESSAGE_SUFFIX


def part_path(path: str) -> str:
    """The temporary name a file is written under: hidden, in the same folder, so the rename is atomic."""
    return join(dirname(path), f".{basename(path)}{PART_SUFFIX}")


@dataclass(frozen=True, slots=True)
class DropFile:
    path: str
    """Relative to the target folder, ``/``-separated."""
    content: bytes

    @property
    def part_path(self) -> str:
        return part_path(self.path)


@dataclass(frozen=True, slots=True)
class DropPlan:
    """The files of one message in writing order: the attachments first, the message file last."""

    message_id: str
    folders: tuple[str, ...]
    files: tuple[DropFile, ...]

    @property
    def message_file(self) -> DropFile:
        return self.files[-1]

    @classmethod
    def of(cls, message: OutboundMessage) -> DropPlan:
        main = DropFile(message_path(message.message_id), message.body)
        attachments = _attachment_files(message)
        folders = tuple(dict.fromkeys(dirname(f.path) for f in attachments))
        return cls(message.message_id, folders, (*attachments, main))


def _attachment_files(message: OutboundMessage) -> tuple[DropFile, ...]:
    try:
        body = orjson.loads(message.body)
    except orjson.JSONDecodeError as exc:
        raise PermanentError(f"the stored message is not JSON: {exc}") from exc
    listed = body.get("anlagen") if isinstance(body, dict) else None
    if not listed:
        return ()
    available = list(message.attachments)
    files = []
    allowed = set(attachment_paths(message.message_id, [str(a.get("dateiname", "")) for a in listed]))
    for entry in listed:
        path, sha256 = entry.get("pfad"), entry.get("sha256")
        if not isinstance(path, str) or path not in allowed or not isinstance(sha256, str):
            raise PermanentError(f"the stored message lists an attachment at an unexpected path: {path!r}")
        found = _take(available, sha256)
        if found is None:
            raise PermanentError(f"attachment {path} (sha256 {sha256}) is not among the submission's files")
        files.append(DropFile(path, found.content))
    return tuple(files)


def _take(available: list[MessageAttachment], sha256: str) -> MessageAttachment | None:
    for i, candidate in enumerate(available):
        if candidate.sha256 == sha256 and hashlib.sha256(candidate.content).hexdigest() == sha256:
            return available.pop(i)
    return None
