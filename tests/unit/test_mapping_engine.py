from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.errors import ConfigError, MappingError
from hub.mapping.engine import apply_spec
from hub.mapping.spec import load_spec

SPEC = """
service: demo
standard: test-json
fields:
  - target: /art
    const: DEMO
  - target: /person/name
    source: [/applicant/givenName, /applicant/familyName]
    join: " "
  - target: /person/geboren
    source: /applicant/birthDate
    transform: date_de
  - target: /ref
    source: /portalReference
    optional: true
  - target: /zustellung
    source: /form/delivery
    codes: {post: POST, pickup: ABHOLUNG}
  - target: /hinweis
    source: /form/note
    when: /form/withNote
  - target: /hunde
    each: /form/dogs
    fields:
      - target: /name
        source: /name
      - target: /gefaehrlich
        source: /dangerous
        transform: bool_ja_nein
"""


def envelope(**form: Any) -> dict[str, Any]:
    return {
        "applicant": {"givenName": "Erika", "familyName": "Mustermann", "birthDate": "1980-04-12"},
        "form": {"delivery": "post", "dogs": [{"name": "Bello", "dangerous": False}], **form},
    }


@pytest.fixture
def spec(tmp_path: Path) -> Any:
    path = tmp_path / "demo.test-json.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return load_spec(path)


def test_maps_constants_joins_transforms_codes_and_groups(spec: Any) -> None:
    out = apply_spec(spec, envelope())
    assert out == {
        "art": "DEMO",
        "person": {"name": "Erika Mustermann", "geboren": "12.04.1980"},
        "zustellung": "POST",
        "hunde": [{"name": "Bello", "gefaehrlich": "N"}],
    }


def test_condition_includes_the_field_only_when_truthy(spec: Any) -> None:
    assert "hinweis" not in apply_spec(spec, envelope(note="x", withNote=False))
    assert apply_spec(spec, envelope(note="x", withNote=True))["hinweis"] == "x"


def test_problems_name_the_envelope_pointer(spec: Any) -> None:
    bad = envelope(delivery="drone")
    bad["form"]["dogs"].append({"name": "Rex", "dangerous": "maybe"})
    del bad["applicant"]["birthDate"]
    with pytest.raises(MappingError) as info:
        apply_spec(spec, bad)
    pointers = {p.pointer for p in info.value.problems}
    assert pointers == {"/applicant/birthDate", "/form/delivery", "/form/dogs/1/dangerous"}


def test_structural_mistakes_are_reported_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("service: s\nstandard: t\nfields:\n  - target: /a\n    source: /b\n    transfrom: upper\n")
    with pytest.raises(ConfigError, match=r"broken.yaml:4: unknown key"):
        load_spec(path)
    path.write_text("service: s\nstandard: t\nfields:\n  - target: /a\n    transform: nope\n    source: /b\n")
    with pytest.raises(ConfigError, match=r"broken.yaml:4: unknown transform"):
        load_spec(path)
