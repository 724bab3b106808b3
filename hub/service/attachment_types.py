"""Attachments are what they claim: the declared media type against the content's magic bytes and
against the types the service takes.

Detection is ``filetype`` (signatures in the first bytes; no libmagic). Three cases:

- a type with a signature (PDF, JPEG, PNG, TIFF, ...): the content must carry that signature;
- a text type (``text/*``, XML, JSON) has none: the content must not carry any binary signature,
  so an executable, archive or image posted as ``text/plain`` is refused, while text that merely
  is not valid UTF-8 (old Latin-1 exports) passes;
- a type the library does not know (an operator's addition): refused only when the content is
  recognisably something else.

The allowed types come from ``attachments: {allowedTypes: [...]}`` of the service in region.yaml,
else of the region, else ``DEFAULT_ALLOWED_TYPES``.
"""

from __future__ import annotations

from collections.abc import Collection

import filetype

from hub.errors import FieldProblem

DEFAULT_ALLOWED_TYPES: tuple[str, ...] = (
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/tiff",
    "text/plain",
    "text/xml",
    "application/xml",
)

_SIGNED_TYPES = frozenset(kind.mime for kind in filetype.types)
_SAME = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/apng": "image/png", "image/x-png": "image/png"}
_HEAD_BYTES = 8192  # what filetype reads: the rest of a file never changes its verdict


def canonical(media_type: str) -> str:
    lowered = media_type.strip().lower()
    return _SAME.get(lowered, lowered)


def is_text(media_type: str) -> bool:
    return (
        media_type.startswith("text/")
        or media_type in ("application/xml", "application/json")
        or media_type.endswith(("+xml", "+json"))
    )


def detect(content: bytes) -> str | None:
    """The media type the content's signature says, or ``None`` when it has no known signature."""
    kind = filetype.guess(content[:_HEAD_BYTES])
    return canonical(kind.mime) if kind is not None else None


def type_problem(index: int, media_type: str, content: bytes, allowed: Collection[str] | None) -> FieldProblem | None:
    """Why attachment ``index`` is not what it claims or not taken by the service, or ``None``."""
    declared = canonical(media_type)
    accepted = {canonical(t) for t in (allowed if allowed is not None else DEFAULT_ALLOWED_TYPES)}
    if declared not in accepted:
        return FieldProblem(
            f"/attachments/{index}/mediaType",
            f"{media_type!r} is not accepted for this service; accepted: {', '.join(sorted(accepted))}",
            "attachment-type",
        )
    found = detect(content)
    if found == declared or (found is None and declared not in _SIGNED_TYPES):
        return None
    if found is None:
        message = f"the content is not {declared}: it lacks that type's signature"
    elif is_text(declared):
        message = f"the content is not text ({declared}): its signature is that of {found}"
    else:
        message = f"the content is not {declared}: its signature is that of {found}"
    return FieldProblem(f"/attachments/{index}/content", message, "attachment-type")
