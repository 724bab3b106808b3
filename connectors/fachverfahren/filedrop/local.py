"""Dropping a message into a folder of this machine (a mounted share, a spool folder).

Each file is written to its ``.part`` name, flushed and fsynced, then renamed over the final name
with :func:`os.replace` (atomic within one file system, and replacing what an earlier, interrupted
attempt left). The folders are fsynced after the renames, the attachments' before the message file
is renamed, so after a power loss the message never survives without its attachments.

Errors: a missing target folder and permission errors are permanent (the folder is misconfigured);
any other ``OSError`` (disk full, I/O error, a share that went away) is transient.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from pathlib import Path

from connectors.fachverfahren.filedrop.plan import DropFile, DropPlan
from connectors.fachverfahren.filedrop.receipt import (
    ReceiptIncomplete,
    ReceiptVerdict,
    delivered,
    read_verdict,
    receipt_path,
)
from connectors.fachverfahren.filedrop.settings import LocalTarget, ReceiptSettings
from hub.domain.message import Receipt
from hub.errors import PermanentError, TransientError

_PERMANENT_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR})


class LocalDrop:
    def __init__(self, target: LocalTarget, receipt: ReceiptSettings | None) -> None:
        self.target = target
        self.receipt = receipt

    def deliver(self, plan: DropPlan) -> Receipt:
        root = self.target.directory
        receipt_file = receipt_path(plan.message_id, self.receipt, str(root)) if self.receipt else None
        if receipt_file is not None:
            earlier = self._verdict(Path(receipt_file))
            if earlier is not None:  # an earlier attempt got through; the receiver has it
                return delivered(self.target.url, plan, earlier, receipt_file, duplicate=True)
        if not root.is_dir():
            raise PermanentError(f"the target folder {root} does not exist or is not a folder")
        try:
            for folder in plan.folders:
                (root / folder).mkdir(exist_ok=True)
            for file in plan.files:
                if file is plan.message_file:
                    for folder in plan.folders:
                        _fsync_folder(root / folder)
                _write_atomically(root, file)
            _fsync_folder(root)
        except OSError as exc:
            raise _classify(exc) from exc
        verdict = self._await_receipt(Path(receipt_file)) if receipt_file is not None else None
        return delivered(self.target.url, plan, verdict, receipt_file, duplicate=False)

    def _verdict(self, path: Path) -> ReceiptVerdict | None:
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _classify(exc) from exc
        try:
            return read_verdict(content, str(path))
        except ReceiptIncomplete:
            return None

    def _await_receipt(self, path: Path) -> ReceiptVerdict:
        assert self.receipt is not None
        deadline = time.monotonic() + self.receipt.timeout_seconds
        while True:
            verdict = self._verdict(path)
            if verdict is not None:
                return verdict
            if time.monotonic() >= deadline:
                raise TransientError(f"no receipt {path} within {self.receipt.timeout_seconds:g} s")
            time.sleep(min(self.receipt.poll_seconds, max(deadline - time.monotonic(), 0.0)))

    def close(self) -> None:
        """Nothing to release."""


def _write_atomically(root: Path, file: DropFile) -> None:
    part = root / file.part_path
    try:
        with part.open("wb") as out:
            out.write(file.content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, root / file.path)
    except OSError:
        with contextlib.suppress(OSError):
            part.unlink()
        raise


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _classify(exc: OSError) -> PermanentError | TransientError:
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno in _PERMANENT_ERRNOS:
        return PermanentError(f"cannot write to the target folder{where}: {exc.strerror or exc}")
    return TransientError(f"writing to the target folder failed{where}: {exc.strerror or exc}")
