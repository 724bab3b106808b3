"""The shared standards (read in place, never copied into the project) and a static file server."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.config import PROJECT_ROOT
from hub.schemas import SchemaCatalog

STANDARDS = PROJECT_ROOT.parent / "shared" / "standards"


@pytest.fixture(scope="session")
def standards_catalog() -> SchemaCatalog:
    """One catalog for the session: each big set is compiled once and its validator reused."""
    assert STANDARDS.is_dir(), f"the official schema sets are expected in {STANDARDS}"
    return SchemaCatalog.from_path(str(STANDARDS))


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, folder): an HTTP server serving the files of a fresh folder."""
    root = tmp_path / "served"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
