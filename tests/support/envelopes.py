"""Sample envelopes (from the region's samples) and attachments for tests."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from typing import Any

from tests.support.region import REAL_CONFIG


def sample(name: str = "hundesteuer-anmeldung", /, **changes: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = json.loads((REAL_CONFIG / "samples" / f"{name}.json").read_text(encoding="utf-8"))
    envelope = copy.deepcopy(envelope)
    envelope.update(changes)
    return envelope


def attachment(content: bytes = b"%PDF-1.7\n% test\n", name: str = "nachweis.pdf") -> dict[str, str]:
    return {
        "fileName": name,
        "mediaType": "application/pdf",
        "sha256": hashlib.sha256(content).hexdigest(),
        "content": base64.b64encode(content).decode(),
    }
