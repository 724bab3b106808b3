"""Fixtures of the XML mapping tests: a test schema catalog, spec writing, the official standards."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hub.config import PROJECT_ROOT
from hub.schemas import SchemaCatalog

FIXTURES = Path(__file__).parent / "fixtures"
STANDARDS = PROJECT_ROOT.parent / "shared" / "standards"
HEADER = """\
service: testantrag
standard: test-antrag-1.0
schemaSet: test-antrag-1.0
root: "t:antrag"
namespaces: {t: "urn:test:antrag"}
"""


@pytest.fixture(scope="session")
def test_catalog() -> SchemaCatalog:
    return SchemaCatalog.from_path(str(FIXTURES / "schemas"))


@pytest.fixture(scope="session")
def standards_catalog() -> SchemaCatalog:
    assert STANDARDS.is_dir(), f"the official schema sets are expected in {STANDARDS}"
    return SchemaCatalog.from_path(str(STANDARDS))


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[[str], Path]:
    """Write a spec (test-schema header plus the given YAML) and return its path."""

    def write(body: str, header: str = HEADER) -> Path:
        path = tmp_path / "spec.yaml"
        path.write_text(header + body, encoding="utf-8")
        return path

    return write
