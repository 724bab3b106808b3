"""The sealing contexts of a reply's personal columns (the decision text, the documents' names).

Apart from :mod:`hub.store.replies` so that :mod:`hub.store.sealed_columns` (rotation) can name them
without importing the store that itself uses the delivery contexts.
"""

from __future__ import annotations


def text_context(reply_id: str) -> str:
    return f"reply.text/{reply_id}"


def documents_context(reply_id: str) -> str:
    return f"reply.documents/{reply_id}"
