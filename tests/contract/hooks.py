"""What a real portal's client does and no JSON Schema can say: an attachment's ``sha256`` is the hash
of its content, the content is a file of the declared type, and the dates of a ``date-order``
cross-check (declared on the service's branch as ``x-cross-checks``) come in order.

Registered with schemathesis for the contract run (and for a longer one from the command line:
``SCHEMATHESIS_HOOKS=tests.contract.hooks st run ...``). It rewrites every attachment's content to
a minimal file of its ``mediaType``, sets the hash to match and orders the dates; schemathesis then re-validates the
case against the document, so a case stays negative only for what the document forbids.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import schemathesis

FILES: dict[str, bytes] = {
    "application/pdf": b"%PDF-1.7\n% contract test\n",
    "image/png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 16,
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16,
    "image/tiff": b"II*\x00\x08\x00\x00\x00" + b"\x00" * 16,
    "text/plain": b"Nachweis\n",
    "text/xml": b"<nachweis/>\n",
    "application/xml": b"<nachweis/>\n",
}


def consistent(attachment: Any) -> None:
    """Make one attachment's content a file of its declared type and its hash the content's."""
    if not isinstance(attachment, dict):
        return
    content = FILES.get(str(attachment.get("mediaType")))
    if content is None or not isinstance(attachment.get("content"), str):
        return
    attachment["content"] = base64.b64encode(content).decode()
    if isinstance(attachment.get("sha256"), str):
        attachment["sha256"] = hashlib.sha256(content).hexdigest()


def hashed(document: Any) -> None:
    """Make a reply document's ``sha256`` its (base64) content's, as a back office computes it."""
    if not isinstance(document, dict) or not isinstance(document.get("sha256"), str):
        return
    try:
        content = base64.b64decode(str(document.get("content")), validate=True)
    except ValueError:
        return
    document["sha256"] = hashlib.sha256(content).hexdigest()


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case[Any], kwargs: dict[str, Any]) -> None:
    body: Any = case.body
    if not isinstance(body, dict):
        return
    attachments = body.get("attachments")
    if isinstance(attachments, list):
        for attachment in attachments:
            consistent(attachment)
    documents = body.get("documents")  # a reply's (POST /v1/submissions/{id}/replies)
    if isinstance(documents, list):
        for document in documents:
            hashed(document)
    branch = (
        case.operation.schema.raw_schema.get("components", {})
        .get("schemas", {})
        .get(f"Submission-{body.get('service')}")
    )
    if isinstance(branch, dict):
        ordered_dates(body, branch.get("x-cross-checks", []))


def ordered_dates(body: dict[str, Any], checks: list[Any]) -> None:
    """Swap the two dates of every ``date-order`` check the branch declares that the body has backwards."""
    for check in checks:
        if not isinstance(check, dict) or check.get("check") != "date-order":
            continue
        earlier, later = _parent_and_key(body, check["earlier"]), _parent_and_key(body, check["later"])
        if earlier is None or later is None:
            continue
        start, end = earlier[0][earlier[1]], later[0][later[1]]
        if isinstance(start, str) and isinstance(end, str) and end < start:
            earlier[0][earlier[1]], later[0][later[1]] = end, start


def _parent_and_key(body: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str] | None:
    *path, last = pointer.lstrip("/").split("/")
    node: Any = body
    for token in path:
        node = node.get(token) if isinstance(node, dict) else None
    return (node, last) if isinstance(node, dict) and last in node else None
