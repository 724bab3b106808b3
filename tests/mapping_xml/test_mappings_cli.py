"""``hub mappings check`` on a folder with one good and two broken XML-target specs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.ops.mappings_cli import mappings

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


def test_check_passes_on_json_specs(monkeypatch: pytest.MonkeyPatch) -> None:
    """JSON-target specs are only loaded structurally: no schema needed."""
    monkeypatch.setenv("HUB_SCHEMA_PATH", "")
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(Path(__file__).parents[2] / "mappings"))

    result = CliRunner().invoke(mappings, ["check"])

    assert result.exit_code == 0, result.output
