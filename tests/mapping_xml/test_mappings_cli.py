"""``hub mappings check`` on a folder with one good and two broken XML-target specs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.mappings import mappings
from tests.mapping_xml.conftest import STANDARDS

FIXTURES = Path(__file__).parent / "fixtures"
SPECS = FIXTURES / "specs"


def test_check_reports_each_problem_with_file_and_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_SCHEMA_PATH", str(FIXTURES / "schemas"))

    result = CliRunner().invoke(mappings, ["check", "--dir", str(SPECS)])

    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines == [
        f"{SPECS / 'bad-required.test-antrag.yaml'}:13: "
        "required element t:antrag/t:antragsteller/t:volljaehrig is not covered by any rule",
        f"{SPECS / 'bad-target.test-antrag.yaml'}:17: t:antragsteller/t:spitzname: "
        "t:antrag/t:antragsteller has no child element t:spitzname; allowed: t:vorname, t:nachname, "
        "t:geburtsdatum, t:volljaehrig",
    ]


def test_check_passes_on_json_specs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """JSON-target specs are only loaded structurally: no schema needed."""
    for spec in (Path(__file__).parents[2] / "mappings").glob("*-json.yaml"):
        shutil.copy(spec, tmp_path / spec.name)
    monkeypatch.setenv("HUB_SCHEMA_PATH", "")
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(tmp_path))

    result = CliRunner().invoke(mappings, ["check"])

    assert result.exit_code == 0, result.output


def test_check_passes_on_the_projects_specs_with_the_official_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every spec in mappings/, the XBau one included, is sound against the official schema sets."""
    monkeypatch.setenv("HUB_SCHEMA_PATH", str(STANDARDS))
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(Path(__file__).parents[2] / "mappings"))

    result = CliRunner().invoke(mappings, ["check"])

    assert result.exit_code == 0, result.output
    assert "0 problem(s)" in result.output
