"""The receiver's done-marker or receipt file: where it appears and what it says.

The receiver writes ``<messageId><suffix>`` (default ``<messageId>.done``) beside the message, or
in ``receipt.directory``, once it has taken the message. Its content is read as follows:

- a JSON object whose ``status`` is ``rejected``, ``error``, ``failed`` or ``abgelehnt``: a refusal
  (:class:`~hub.errors.PermanentError` with its ``reason``/``detail``/``message``);
  any other JSON object: an acceptance, with ``receiptId``/``reference``/``id`` as the reference;
- text whose first word is one of those (``REJECTED Aktenzeichen fehlt``): a refusal, the rest is
  the reason;
- anything else, including an empty file: an acceptance.

Content that starts like JSON but does not parse is taken as still being written: the connector
reads it again on its next poll.
"""

from __future__ import annotations

from dataclasses import dataclass
from posixpath import join
from typing import Any

import orjson

from connectors.fachverfahren.filedrop.plan import DropPlan
from connectors.fachverfahren.filedrop.settings import ReceiptSettings
from hub.domain.message import Receipt
from hub.errors import PermanentError

REFUSALS = frozenset({"rejected", "error", "failed", "abgelehnt"})
REASON_CHARS = 500


def receipt_path(message_id: str, settings: ReceiptSettings, target_directory: str) -> str:
    """The receipt's path: ``target_directory`` joined with the receipt folder (if any) and the name."""
    folder = join(target_directory, settings.directory) if settings.directory else target_directory
    return join(folder, message_id + settings.suffix)


class ReceiptIncomplete(ValueError):
    """The receipt file exists but is not completely written yet."""


@dataclass(frozen=True, slots=True)
class ReceiptVerdict:
    reference: str | None


def read_verdict(content: bytes, path: str) -> ReceiptVerdict:
    """What a receipt says; raises :class:`PermanentError` for a refusal, ReceiptIncomplete if cut short."""
    text = content.decode("utf-8", errors="replace").strip()
    if text.startswith("{"):
        try:
            answer: Any = orjson.loads(content)
        except orjson.JSONDecodeError as exc:
            raise ReceiptIncomplete(path) from exc
        if isinstance(answer, dict):
            return _json_verdict(answer, path)
    first, _, rest = text.partition(" ") if text else ("", "", "")
    if first.rstrip(":").casefold() in REFUSALS:
        raise PermanentError(f"the receiver rejected the message ({path}): {rest.strip()[:REASON_CHARS] or first}")
    return ReceiptVerdict(reference=None)


def _json_verdict(answer: dict[str, Any], path: str) -> ReceiptVerdict:
    status = str(answer.get("status", "")).casefold()
    if status in REFUSALS:
        reason = next((str(answer[k]) for k in ("reason", "detail", "message") if answer.get(k)), status)
        raise PermanentError(f"the receiver rejected the message ({path}): {reason[:REASON_CHARS]}")
    reference = next((str(answer[k]) for k in ("receiptId", "reference", "id") if answer.get(k)), None)
    return ReceiptVerdict(reference=reference)


def delivered(
    target_url: str, plan: DropPlan, verdict: ReceiptVerdict | None, receipt_file: str | None, *, duplicate: bool
) -> Receipt:
    """The hub's receipt of a delivered message: the receiver's reference, else the message file's path."""
    detail: dict[str, Any] = {"target": target_url, "path": plan.message_file.path, "files": len(plan.files)}
    if receipt_file is not None:
        detail["receiptFile"] = receipt_file
    if duplicate:
        detail["duplicate"] = True
    reference = verdict.reference if verdict is not None and verdict.reference else plan.message_file.path
    return Receipt(reference=reference, detail=detail)
