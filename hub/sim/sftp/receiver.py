"""The back office behind the file drop: it takes each message renamed into place and writes its receipt.

For a final ``*.json`` it checks the attachments the message lists (``anlagen[].pfad``,
``sha256``) and writes ``<messageId><suffix>`` beside it, ``{"status": "accepted", "receiptId"}``
or ``{"status": "rejected", "reason"}``, atomically (a temporary name, then a rename), so the
sender never reads half a receipt.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import Any

import orjson

from hub.sim.sftp.state import SftpState

MESSAGE_SUFFIX = b".json"


def receive(message: Path, state: SftpState, root: Path, receipt_suffix: str) -> None:
    """Check the message and its attachments, then write the receipt beside it, atomically."""
    rejection = state.take_rejection() or check_message(message)
    stem = message.name[: -len(MESSAGE_SUFFIX)]
    receipt: dict[str, Any]
    if rejection is None:
        receipt = {"status": "accepted", "receiptId": f"sim-{uuid.uuid4()}", "messageId": stem}
        state.count("received")
    else:
        receipt = {"status": "rejected", "reason": rejection, "messageId": stem}
        state.count("rejected")
    with state.lock:
        state.received.append(message.relative_to(root).as_posix())
    final = message.with_name(stem + receipt_suffix)
    temporary = message.with_name(f".{final.name}.tmp")
    temporary.write_bytes(orjson.dumps(receipt))
    os.replace(temporary, final)


def check_message(message: Path) -> str | None:
    """What a careful back office would refuse: unreadable JSON, a listed attachment missing or altered."""
    try:
        body = orjson.loads(message.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        return f"message unreadable: {exc}"
    for entry in body.get("anlagen") or [] if isinstance(body, dict) else []:
        path = message.parent / str(entry.get("pfad", ""))
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return f"Anlage fehlt: {entry.get('pfad')}"
        if digest != entry.get("sha256"):
            return f"Anlage beschädigt: {entry.get('pfad')}"
    return None
