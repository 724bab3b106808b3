"""The xdomea transfer container: one ZIP holding the message XML and the primary documents it names.

xdomea exchanges a message together with its files as a ZIP: the message as
``<ProzessID>_<message name>.xml`` and each file under the ``Primaerdokument/Dateiname`` the message
gives it. The container is built from the stored parts at every attempt, so it must come out the
same each time: entries in a fixed order, a fixed timestamp (the submission's receipt time), fixed
permissions, and no compression (deflate output may change with the zlib version; the documents,
mostly PDFs and images, are compressed already). A retry therefore sends identical bytes.

What the container must hold is fixed at intake as a :class:`Manifest` (stored in the message's
headers): the message's file name and, in posted order, each file's name and SHA-256. At send time
:func:`build_container` refuses files that do not match it, so the DMS never gets a container whose
content contradicts the message.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from hub.domain.message import MessageAttachment

MEDIA_TYPE = "application/zip"
UNIX = 3  # ZipInfo.create_system: fixed, or the host's platform would leak into the bytes
_FILE_MODE = 0o100644 << 16


class ContainerMismatch(ValueError):
    """The stored files are not the ones the message names (a storage fault, never worth a retry)."""


@dataclass(frozen=True, slots=True)
class ContainerFile:
    name: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """What the container holds: the message's file name, its timestamp and the files in order."""

    message: str
    created: str
    files: tuple[ContainerFile, ...]

    @property
    def archive_name(self) -> str:
        return self.message.removesuffix(".xml") + ".zip"

    def encode(self) -> str:
        return orjson.dumps(
            {"message": self.message, "created": self.created, "files": [[f.name, f.sha256] for f in self.files]}
        ).decode()

    @classmethod
    def decode(cls, text: str) -> Manifest:
        raw = orjson.loads(text)
        files = tuple(ContainerFile(str(name), str(sha)) for name, sha in raw["files"])
        return cls(str(raw["message"]), str(raw["created"]), files)


def message_file_name(process_id: str, message_name: str) -> str:
    """``<ProzessID>_<message name>.xml``, the xdomea convention for the message inside a container."""
    return f"{process_id}_{message_name}.xml"


def _zip_time(created: str) -> tuple[int, int, int, int, int, int]:
    moment = datetime.fromisoformat(created).astimezone(UTC)
    if moment.year < 1980:  # the earliest time a ZIP entry can carry
        return (1980, 1, 1, 0, 0, 0)
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def _entry(name: str, when: tuple[int, int, int, int, int, int]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = UNIX
    info.external_attr = _FILE_MODE
    return info


def check_files(manifest: Manifest, files: Sequence[MessageAttachment]) -> None:
    """Raise :class:`ContainerMismatch` unless ``files`` are, in order, the ones the manifest names."""
    if len(files) != len(manifest.files):
        raise ContainerMismatch(f"the message names {len(manifest.files)} file(s), {len(files)} are stored")
    for expected, stored in zip(manifest.files, files, strict=True):
        if hashlib.sha256(stored.content).hexdigest() != expected.sha256.lower():
            raise ContainerMismatch(
                f"the stored file for {expected.name!r} does not have the SHA-256 the message names"
            )


def build_container(manifest: Manifest, message: bytes, files: Sequence[MessageAttachment]) -> bytes:
    """The ZIP of the message and ``files`` (the submission's attachments in posted order)."""
    check_files(manifest, files)
    when = _zip_time(manifest.created)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(_entry(manifest.message, when), message)
        for expected, stored in zip(manifest.files, files, strict=True):
            archive.writestr(_entry(expected.name, when), stored.content)
    return buffer.getvalue()
