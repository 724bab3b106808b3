"""``hub schemas list|check|install`` through click's runner, with HUB_SCHEMA_PATH from the environment."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from hub.cli.schemas import schemas
from tests.schemas.conftest import STANDARDS


def _run(args: list[str], schema_path: str | None) -> tuple[int, str]:
    env = {"HUB_SCHEMA_PATH": schema_path}
    result = CliRunner().invoke(schemas, args, env=env)
    return result.exit_code, result.output


def test_list_shows_the_shared_sets() -> None:
    code, out = _run(["list"], str(STANDARDS))
    assert code == 0, out
    for set_id in ("xbau-2.6", "xta2-2.1.1", "xdomea-2.3.0", "xdomea-3.1.0", "fit-connect-metadata-2.1.0"):
        assert set_id in out
    assert "urn:xoev-de:xdomea:schema:3.1.0" in out


def test_check_passes_on_the_shared_standards() -> None:
    code, out = _run(["check"], str(STANDARDS))
    assert code == 0, out
    assert "ok     xbau-2.6" in out
    assert "failed" not in out


def test_check_fails_loudly_without_schema_path() -> None:
    for value in (None, "", os.pathsep):
        code, out = _run(["check"], value)
        assert code == 1
        assert "HUB_SCHEMA_PATH is not set or empty" in out


def test_check_fails_on_an_empty_directory_and_on_a_broken_set(tmp_path: Path) -> None:
    code, out = _run(["check"], str(tmp_path))
    assert code == 1
    assert "no schema set found" in out
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "x.xsd").write_text("<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'><xs:nope/>")
    (tmp_path / "broken" / "hub-schema-set.yaml").write_text("id: broken\nstandard: X\nversion: '1'\nentries: [x.xsd]")
    code, out = _run(["check"], os.pathsep.join([str(tmp_path), str(STANDARDS)]))
    assert code == 1
    assert "failed broken" in out
    assert "ok     xdomea-3.1.0" in out
    assert "1 of" in out


def test_install_into_first_writable_directory(tmp_path: Path) -> None:
    schemas_dir = tmp_path / "schemas"
    schemas_dir.mkdir()
    code, out = _run(["install", str(STANDARDS / "fit-connect")], os.pathsep.join([str(schemas_dir), str(STANDARDS)]))
    assert code == 0, out
    assert f"installed into {schemas_dir / 'fit-connect'}" in out
    assert "fit-connect-metadata-2.1.0" in out


def test_install_refusal_is_a_clean_error(tmp_path: Path) -> None:
    code, out = _run(["install", str(STANDARDS / "fit-connect")], str(tmp_path / "missing"))
    assert code == 1
    assert "no writable directory" in out
    assert "Traceback" not in out
    code, out = _run(["install", str(STANDARDS / "fit-connect"), "--into", str(tmp_path / "elsewhere")], "")
    assert code == 0, out
    assert (tmp_path / "elsewhere" / "fit-connect" / "metadata-2.1.0.schema.json").is_file()
