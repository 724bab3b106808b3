"""Installing a schema set: a folder, a zip (as XRepository publishes them) or a zip URL.

The set lands in the first writable ``HUB_SCHEMA_PATH`` directory (or ``into``). Everything is
unpacked into a hidden staging folder first and moved into place in one rename, so a refused or
interrupted install leaves nothing a discovery would pick up. Zip entries with absolute paths,
``..`` or symlinks are refused outright (zip-slip): the archive is checked before anything is written.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import httpx

from hub.schemas.errors import SchemaInstallError

MAX_DOWNLOAD_BYTES = 200 * 1024 * 1024
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
MAX_MEMBERS = 50_000
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def install(
    source: str,
    directories: Sequence[Path],
    *,
    into: Path | None = None,
    name: str | None = None,
    timeout: float = 60.0,
) -> Path:
    """Install ``source`` (folder, zip file or http(s) URL of a zip); returns the new set folder."""
    target_dir = into if into is not None else first_writable(directories)
    target_dir.mkdir(parents=True, exist_ok=True)
    if name is not None and not _NAME.match(name):
        raise SchemaInstallError(f"invalid folder name {name!r}: use letters, digits, '.', '_' and '-'")
    staging = Path(tempfile.mkdtemp(prefix=".hub-install-", dir=target_dir))
    try:
        if urlparse(source).scheme in ("http", "https"):
            archive = staging / "download.zip"
            _download(source, archive, timeout)
            root, default_name = _unpack(archive, staging / "unpacked"), Path(urlparse(source).path).stem
        else:
            path = Path(source).expanduser()
            if path.is_dir():
                root, default_name = staging / "copy", path.resolve().name
                _copy_folder(path, root)
            elif path.is_file() and zipfile.is_zipfile(path):
                root, default_name = _unpack(path, staging / "unpacked"), path.stem
            else:
                raise SchemaInstallError(f"{source}: neither a folder, a zip file nor an http(s) URL")
        if root.name not in ("copy", "unpacked"):
            default_name = root.name  # the archive's single top-level folder
        final = target_dir / (name or default_name or "schema-set")
        if not _NAME.match(final.name):
            raise SchemaInstallError(f"cannot derive a folder name from {source!r}: give --name")
        if final.exists():
            raise SchemaInstallError(f"{final} already exists: remove it first to reinstall")
        os.replace(root, final)
        return final
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def first_writable(directories: Sequence[Path]) -> Path:
    for directory in directories:
        if directory.is_dir() and os.access(directory, os.W_OK | os.X_OK):
            return directory
    listed = ", ".join(str(d) for d in directories) or "(HUB_SCHEMA_PATH is empty)"
    raise SchemaInstallError(f"no writable directory in HUB_SCHEMA_PATH ({listed}); give --into DIR")


def _download(url: str, archive: Path, timeout: float) -> None:
    size = 0
    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=timeout) as response:
            response.raise_for_status()
            with archive.open("wb") as out:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_DOWNLOAD_BYTES:
                        raise SchemaInstallError(f"{url}: larger than {MAX_DOWNLOAD_BYTES} bytes")
                    out.write(chunk)
    except httpx.HTTPError as exc:
        raise SchemaInstallError(f"download of {url} failed: {exc}") from exc
    if not zipfile.is_zipfile(archive):
        raise SchemaInstallError(f"{url} did not return a zip archive")


def _unpack(archive: Path, destination: Path) -> Path:
    """Unpack after checking every member; returns the content root (a sole top-level folder, if any)."""
    with zipfile.ZipFile(archive) as zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            raise SchemaInstallError(f"{archive.name}: more than {MAX_MEMBERS} entries")
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise SchemaInstallError(f"{archive.name}: unpacks to more than {MAX_UNPACKED_BYTES} bytes")
        checked = [(member, _member_path(archive, member)) for member in members]
        destination.mkdir()
        for member, relative in checked:
            if not relative.parts:
                continue
            target = destination.joinpath(*relative.parts)
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(member) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out)
    children = [c for c in destination.iterdir() if c.name != "__MACOSX"]
    if len(children) == 1 and children[0].is_dir():
        return children[0]
    return destination


def _member_path(archive: Path, member: zipfile.ZipInfo) -> PurePosixPath:
    raw = member.filename.replace("\\", "/")
    if raw.startswith("/") or re.match(r"^[A-Za-z]:", raw):
        raise SchemaInstallError(f"{archive.name}: refused: entry {member.filename!r} has an absolute path")
    path = PurePosixPath(raw)
    if ".." in path.parts:
        raise SchemaInstallError(f"{archive.name}: refused: entry {member.filename!r} climbs out with '..'")
    if stat.S_ISLNK(member.external_attr >> 16):
        raise SchemaInstallError(f"{archive.name}: refused: entry {member.filename!r} is a symbolic link")
    return PurePosixPath(*(p for p in path.parts if p not in ("", ".")))


def _copy_folder(source: Path, destination: Path) -> None:
    """Copy file contents only: published sets are often read-only, the installed copy must not be."""
    for root, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        target = destination / Path(root).relative_to(source)
        target.mkdir(parents=True, exist_ok=True)
        for file in files:
            shutil.copyfile(Path(root) / file, target / file)
