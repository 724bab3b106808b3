"""A real clamd for the tests: its own process, config and signature database (the EICAR hash).

``clamd`` is session-scoped: loading takes a moment and nothing a test does changes it. A test
that stops clamd starts its own with ``own_clamd``. Registered in the root conftest
(``pytest_plugins``), so any test can take ``clamd``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.scanning.local_clamd import EICAR, LocalClamd, start_clamd


@pytest.fixture(scope="session")
def clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalClamd]:
    running = start_clamd(tmp_path_factory.mktemp("clamd"))
    yield running
    running.stop()


@pytest.fixture
def own_clamd(tmp_path: Path) -> Iterator[LocalClamd]:
    """A clamd for this test alone, which it may stop."""
    running = start_clamd(tmp_path / "clamd")
    yield running
    running.stop()


def eicar_attachment(name: str = "eicar.txt") -> dict[str, str]:
    """The EICAR test file as an envelope attachment; it is plain ASCII, so honestly ``text/plain``."""
    return {
        "fileName": name,
        "mediaType": "text/plain",
        "sha256": hashlib.sha256(EICAR).hexdigest(),
        "content": base64.b64encode(EICAR).decode("ascii"),
    }
