"""Writing one message over an open SFTP session: check the folder, write, rename, await the receipt.

Each file goes to its ``.part`` name (opened with truncation, so whatever an interrupted attempt left
is overwritten), is fsynced where the server offers ``fsync@openssh.com``, closed, and renamed with
``posix-rename@openssh.com``, which replaces an existing file atomically. A server without that
extension gets a plain SFTP rename, which cannot replace: the final file an earlier attempt left is
removed first (the only moment a retried file is briefly absent; a first delivery is unaffected).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from posixpath import join

import asyncssh

from connectors.fachverfahren.filedrop.plan import DropFile, DropPlan
from connectors.fachverfahren.filedrop.receipt import (
    ReceiptIncomplete,
    ReceiptVerdict,
    delivered,
    read_verdict,
    receipt_path,
)
from connectors.fachverfahren.filedrop.settings import ReceiptSettings, SftpTarget
from hub.domain.message import Receipt
from hub.errors import PermanentError, TransientError

WAITING_FOR_RECEIPT = "waiting for the receipt"


class SftpSession:
    def __init__(self, sftp: asyncssh.SFTPClient, target: SftpTarget, receipt: ReceiptSettings | None) -> None:
        self.sftp = sftp
        self.target = target
        self.receipt = receipt
        self.step = "opening the SFTP session"
        """What the send is doing now, for the message of a send that ran out of time."""

    async def deliver(self, plan: DropPlan) -> Receipt:
        root = self.target.directory
        receipt_file = receipt_path(plan.message_id, self.receipt, root) if self.receipt else None
        if receipt_file is not None:
            self.step = "looking for an earlier receipt"
            earlier = await self._verdict(receipt_file)
            if earlier is not None:  # an earlier attempt got through; the receiver has it
                return delivered(self.target.url, plan, earlier, receipt_file, duplicate=True)
        self.step = "checking the target folder"
        if not await self.sftp.isdir(root):
            raise PermanentError(f"{self.target.url}: the target folder does not exist or is not accessible")
        for folder in plan.folders:
            await self.sftp.makedirs(join(root, folder), exist_ok=True)
        for number, file in enumerate(plan.files, 1):
            # Counted, not named: file names can carry personal data, and a step ends up in lastError.
            await self._write(root, file, f"file {number} of {len(plan.files)}")
        self.step = WAITING_FOR_RECEIPT
        verdict = await self._await_receipt(receipt_file) if receipt_file is not None else None
        return delivered(self.target.url, plan, verdict, receipt_file, duplicate=False)

    async def _write(self, root: str, file: DropFile, label: str) -> None:
        part = join(root, file.part_path)
        self.step = f"writing {label}"
        try:
            async with self.sftp.open(part, "wb") as out:
                await out.write(file.content)
                with contextlib.suppress(asyncssh.SFTPOpUnsupported):
                    await out.fsync()
        except asyncssh.SFTPError:
            # The session still works (the server refused this write): leave no .part behind.
            with contextlib.suppress(asyncssh.Error):
                await self.sftp.remove(part)
            raise
        self.step = f"renaming {label}"
        await self._replace(part, join(root, file.path))

    async def _replace(self, part: str, final: str) -> None:
        try:
            await self.sftp.posix_rename(part, final)
        except asyncssh.SFTPOpUnsupported:
            with contextlib.suppress(asyncssh.SFTPNoSuchFile):
                await self.sftp.remove(final)
            await self.sftp.rename(part, final)

    async def _verdict(self, path: str) -> ReceiptVerdict | None:
        try:
            async with self.sftp.open(path, "rb") as receipt:
                content = await receipt.read()
        except asyncssh.SFTPNoSuchFile:
            return None
        try:
            return read_verdict(content if isinstance(content, bytes) else content.encode(), path)
        except ReceiptIncomplete:
            return None

    async def _await_receipt(self, path: str) -> ReceiptVerdict:
        assert self.receipt is not None
        deadline = time.monotonic() + self.receipt.timeout_seconds
        while True:
            verdict = await self._verdict(path)
            if verdict is not None:
                return verdict
            if time.monotonic() >= deadline:
                raise TransientError(f"{self.target.url}: no receipt {path} within {self.receipt.timeout_seconds:g} s")
            await asyncio.sleep(min(self.receipt.poll_seconds, max(deadline - time.monotonic(), 0.0)))
