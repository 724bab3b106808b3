"""Declaring cross-field checks: what the region loader refuses, and what the checks find, on tmp files."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.errors import ConfigError
from hub.routing import load_region
from hub.routing.cross_check_file import load_cross_checks
from hub.routing.forms import FormSchema
from tests.support.region import REAL_CONFIG

BAUANTRAG_FORM = REAL_CONFIG / "forms" / "bauantrag.schema.json"
REFERENCE = {"check": "attachment-reference", "each": "/form/anlagen", "index": "attachment"}


@pytest.fixture(scope="module")
def form() -> FormSchema:
    return FormSchema.load(BAUANTRAG_FORM)


def checks_file(tmp_path: Path, *checks: Any) -> Path:
    path = tmp_path / "bauantrag.checks.yaml"
    path.write_text(yaml.safe_dump({"checks": list(checks)}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("declaration", "complaint"),
    [
        ({"check": "same-as"}, r"\(same-as\): 'check' must be one of attachment-reference, date-order"),
        ({**REFERENCE, "each": "/form/anhaenge"}, r"each '/form/anhaenge' names no field of .*bauantrag.schema.json"),
        ({**REFERENCE, "each": "anlagen"}, r"each must be a JSON pointer into the form \(/form/...\), got 'anlagen'"),
        ({**REFERENCE, "each": "/form/vorhaben"}, r"each '/form/vorhaben' is not a list of the form"),
        ({**REFERENCE, "index": "anlageart"}, r"index 'anlageart' must be an integer member of the items"),
        ({**REFERENCE, "index": "nummer"}, r"index 'nummer' is no member of the items of '/form/anlagen'"),
        ({**REFERENCE, "matches": {"dateiname": "fileName"}}, r"matches 'dateiname' is no member of the items"),
        ({**REFERENCE, "matches": {"fileName": "name"}}, r"'name' is no member of an attachment; known: fileName"),
        ({**REFERENCE, "distinct": "yes"}, r"distinct must be true or false, got 'yes'"),
        ({**REFERENCE, "unique": True}, r"unknown key\(s\) unique; allowed: distinct, each, everyAttachment"),
        ({"check": "attachment-reference", "each": "/form/anlagen"}, r"attachment-reference\): lacks index"),
        (
            {"check": "date-order", "earlier": "/form/anlagen", "later": "/form/vorhaben"},
            r"earlier '/form/anlagen' is not a date field \(format: date\)",
        ),
    ],
    ids=[
        "kind", "no-field", "not-a-pointer", "not-a-list", "index-type", "index-member", "item-member",
        "attachment-member", "flag", "unknown-key", "missing-key", "not-a-date",
    ],
)  # fmt: skip
def test_a_bad_declaration_is_refused_at_load_time(
    tmp_path: Path, form: FormSchema, declaration: dict[str, Any], complaint: str
) -> None:
    path = checks_file(tmp_path, REFERENCE, declaration)

    with pytest.raises(ConfigError, match=complaint) as caught:
        load_cross_checks(path, form)
    assert str(caught.value).startswith(f"{path}: checks[1]")


def test_checks_need_a_form_and_a_list(tmp_path: Path, form: FormSchema) -> None:
    with pytest.raises(ConfigError, match="need the service's form schema"):
        load_cross_checks(checks_file(tmp_path, REFERENCE), None)
    (tmp_path / "empty.yaml").write_text("checks: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="a non-empty list 'checks'"):
        load_cross_checks(tmp_path / "empty.yaml", form)
    with pytest.raises(ConfigError, match="cannot read cross-field checks"):
        load_cross_checks(tmp_path / "missing.yaml", form)


def test_the_region_does_not_load_with_a_broken_checks_file(tmp_path: Path) -> None:
    # Given the real region whose Bauantrag checks name a list the form does not have
    region = tmp_path / "emscher-lippe"
    shutil.copytree(REAL_CONFIG, region)
    checks = region / "forms" / "bauantrag.checks.yaml"
    checks.write_text(yaml.safe_dump({"checks": [{**REFERENCE, "each": "/form/dokumente"}]}), encoding="utf-8")

    # Then loading the region fails, naming the file and the pointer
    with pytest.raises(ConfigError, match=r"bauantrag.checks.yaml: checks\[0\] \(attachment-reference\): each "):
        load_region(region)


def test_the_real_region_declares_checks_for_the_forms_that_reference_attachments_or_periods() -> None:
    services = load_region(REAL_CONFIG).services

    declared = {sid: s.checks.source for sid, s in services.items() if s.checks is not None}
    assert declared == {
        "bauantrag": str(REAL_CONFIG / "forms" / "bauantrag.checks.yaml"),
        "sondernutzung": str(REAL_CONFIG / "forms" / "sondernutzung.checks.yaml"),
    }


def test_an_integral_float_index_names_its_attachment(form: FormSchema, tmp_path: Path) -> None:
    # The form schema takes 0.0 as an integer, and so does the XBau mapping's dokumentid
    checks = load_cross_checks(checks_file(tmp_path, {**REFERENCE, "everyAttachment": True}), form)
    anlage: dict[str, Any] = {"attachment": 0.0}
    envelope = {"form": {"anlagen": [anlage]}, "attachments": [{"fileName": "a.pdf"}]}

    assert checks.problems(envelope) == []
    anlage["attachment"] = 1.0
    assert [p.pointer for p in checks.problems(envelope)] == ["/form/anlagen/0/attachment", "/attachments/0"]
