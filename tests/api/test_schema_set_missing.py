"""A schema set a destination needs is not installed: reported at start-up and on every submission needing it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.bootstrap import report_missing_schema_sets
from hub.config import PROJECT_ROOT
from hub.mapping.catalog import MappingCatalog
from hub.routing.region import load_region
from hub.schemas import SchemaCatalog
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.rows import row_counts

REGION = PROJECT_ROOT / "config" / "emscher-lippe"
SAMPLES = REGION / "samples"


def test_start_up_names_the_sets_the_routed_destinations_need(tmp_path: Path) -> None:
    region, mappings = load_region(REGION), MappingCatalog.load(PROJECT_ROOT / "mappings")

    assert report_missing_schema_sets(region, mappings, SchemaCatalog([tmp_path])) == ["xbau-2.6", "xdomea-3.1.0"]
    assert report_missing_schema_sets(region, mappings, SchemaCatalog.from_env()) == []


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[RunningHub]:
    """The real region, with a schema catalog that holds nothing."""
    empty = tmp_path / "schemas"
    empty.mkdir()
    running = start_hub(make_settings(f"sqlite:///{tmp_path / 'hub.db'}", REGION, schema_path=str(empty)))
    yield running
    stop_hub(running)


def test_a_submission_needing_it_is_refused_with_503_and_nothing_stored(hub: RunningHub) -> None:
    # Given a hub whose catalog lacks XBau 2.6
    before = row_counts(hub)

    # When a Bauantrag is posted
    answer = hub.api.post("/v1/submissions", json=json.loads((SAMPLES / "bauantrag.json").read_text()))

    # Then it is refused as the hub's problem, naming the destination and the missing set, and nothing is stored
    assert answer.status_code == 503, answer.text
    problem = answer.json()
    assert problem["type"].endswith("/problems/destination-unavailable")
    assert "gladbeck-bauportal" in problem["detail"]
    assert "is not installed" in problem["detail"]
    assert row_counts(hub) == before

    # While a service that needs no schema set is still accepted
    other = hub.api.post("/v1/submissions", json=json.loads((SAMPLES / "hundesteuer-anmeldung.json").read_text()))
    assert other.status_code == 202, other.text
