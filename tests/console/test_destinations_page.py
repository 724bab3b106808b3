"""The destinations page over real HTTP: what needs the operator first, groups, filters, its refresh fragment.

Runs on SQLite and PostgreSQL against a real hub and the back-office simulator. Gladbeck's back
office answers 503 until its circuit opens (two failures; it stays open for an hour), Herten's
refuses one message (a dead letter); every other destination is idle. Besides the three bodies'
Fachverfahren the region has a DMS per body (a second kind, never routed).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import httpx
import pytest

from hub.sim.kit.server import ServerThread
from tests.conftest import RunningHub
from tests.support.console import PASSWORD, hidden_token, login
from tests.support.destinations import add_dms_destinations
from tests.support.envelopes import sample
from tests.support.region import GLADBECK, HERTEN, KREIS, write_region
from tests.support.waiting import wait_for

OPEN = "gladbeck-fachverfahren"
DEAD = "herten-fachverfahren"
HEALTHY = ["gladbeck-dms", "herten-dms", "kreis-recklinghausen-dms", "kreis-recklinghausen-fachverfahren"]
_ROW = re.compile(r'<tr data-destination="([^"]+)"[^>]*>(.*?)</tr>', re.S)
_REASONS = re.compile(r'data-testid="reasons">(.*?)</td>', re.S)
_GROUP = re.compile(r'data-group="([^"]+)"')
_TAG = re.compile(r"<[^>]+>")


@pytest.fixture
def region_dir(tmp_path: Path, backoffice: ServerThread) -> Path:
    circuit = {"failureThreshold": 2, "openSeconds": 3600}
    return add_dms_destinations(write_region(tmp_path / "region", backoffice.url, circuit=circuit), backoffice.url)


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def rows(page: str) -> list[str]:
    return [m.group(1) for m in _ROW.finditer(page)]


def reasons(page: str) -> dict[str, str]:
    out = {}
    for destination, cells in _ROW.findall(page):
        found = _REASONS.search(cells)
        out[destination] = text_of(found.group(1)) if found else ""
    return out


def groups(page: str) -> list[str]:
    return [html.unescape(g) for g in _GROUP.findall(page)]


def summary(page: str) -> str:
    found = re.search(r'<p class="summary" data-testid="summary">(.*?)</p>', page, re.S)
    assert found, "no summary line"
    return text_of(found.group(1))


@pytest.fixture
def troubled(hub: RunningHub, sim: httpx.Client) -> RunningHub:
    """Gladbeck's circuit open, one dead letter of Herten, and kai, an operator of every body."""
    sim.post("/_sim/faults", json={"mode": "status", "status": 400, "count": 1, "system": "herten", "reason": "nein"})
    sim.post("/_sim/faults", json={"mode": "status", "status": 503, "system": "gladbeck"})
    for key, municipality in ((hub.herten_key, HERTEN), (hub.gladbeck_key, GLADBECK)):
        with hub.client(key) as portal:
            assert portal.post("/v1/submissions", json=sample(municipality=municipality)).status_code == 202
    wait_for(lambda: len(hub.ctx.services.queries.deliveries(state="dead")) == 1, what="Herten's dead letter")
    wait_for(
        lambda: (c := hub.ctx.destination_states.all().get(OPEN)) is not None and c.circuit_state == "open",
        timeout=30,
        what="Gladbeck's circuit stored open",
    )
    hub.ctx.operators.create("kai", PASSWORD, role="operator", municipalities=["*"])
    return hub


def test_an_open_circuit_and_dead_letters_lead_the_page_and_the_rest_is_grouped(troubled: RunningHub) -> None:
    # When kai opens the destinations page
    console = login(troubled, "kai")
    page = console.get("/console/").text

    # Then the open circuit comes first, then the dead letters, each saying why; then the healthy
    # ones, grouped by municipality and within it by kind (DMS before Fachverfahren REST)
    assert rows(page) == [OPEN, DEAD, *HEALTHY]
    assert groups(page) == ["Needs attention", "Gladbeck", "Herten", "Kreis Recklinghausen"]
    why = reasons(page)
    assert re.fullmatch(r"circuit open, next probe in (59|60) min", why[OPEN]), why[OPEN]
    assert why[DEAD] == "1 dead"
    assert all(why[d] == "" for d in HEALTHY)
    line = summary(page)
    assert "2 of 6 destinations need attention" in line
    assert "1 circuit not closed" in line
    assert "1 with dead letters (1 dead)" in line
    assert f"({OPEN})" in line  # the oldest waiting delivery is Gladbeck's, held by its circuit

    # When she groups by kind instead
    by_kind = console.get("/console/", params={"group": "kind"}).text

    # Then the flagged still lead, and the rest are grouped by the target system
    assert groups(by_kind) == ["Needs attention", "DMS (xdomea)", "Fachverfahren REST"]
    assert rows(by_kind) == [OPEN, DEAD, *HEALTHY[:3], "kreis-recklinghausen-fachverfahren"]


def test_filters_narrow_the_rows_within_the_operators_municipalities(troubled: RunningHub) -> None:
    console = login(troubled, "kai")

    def shown(**params: str) -> list[str]:
        answer = console.get("/console/", params=params)
        assert answer.status_code == 200
        return rows(answer.text)

    # Each filter narrows the rows; the order stays what needs attention first
    assert shown(municipality=HERTEN) == [DEAD, "herten-dms"]
    assert shown(kind="fachverfahren-rest") == [OPEN, DEAD, "kreis-recklinghausen-fachverfahren"]
    assert shown(attention="1") == [OPEN, DEAD]
    assert shown(circuit="open") == [OPEN]
    assert shown(circuit="closed") == [DEAD, *HEALTHY]
    assert shown(q="KREIS") == ["kreis-recklinghausen-dms", "kreis-recklinghausen-fachverfahren"]
    assert shown(q="(E-AKTE) herten") == ["herten-dms"]  # the name, any case
    assert shown(municipality=GLADBECK, attention="1") == [OPEN]
    assert shown(circuit="no such state") == [OPEN, DEAD, *HEALTHY]  # ignored, not refused

    # And the summary still counts all of them, saying how many are shown
    page = console.get("/console/", params={"municipality": KREIS}).text
    assert "2 of 6 destinations need attention" in summary(page)
    assert "showing 2 of 6" in summary(page)
    assert "No destination matches the filters." in console.get("/console/", params={"q": "nothing"}).text

    # And an operator of Gladbeck cannot filter her way to Herten
    troubled.ctx.operators.create("anna", PASSWORD, role="operator", municipalities=[GLADBECK])
    anna = login(troubled, "anna")
    assert rows(anna.get("/console/").text) == [OPEN, "gladbeck-dms"]
    assert rows(anna.get("/console/", params={"municipality": HERTEN}).text) == []


def test_the_refresh_fragment_answers_the_same_rows_and_its_forms_keep_working(troubled: RunningHub) -> None:
    console = login(troubled, "kai")
    for params in ({}, {"group": "kind"}, {"municipality": HERTEN, "attention": "1"}, {"q": "dms"}):
        # When the page and its fragment are read with the same filters
        page = console.get("/console/", params=params).text
        fragment = console.get("/console/destinations/board", params=params)

        # Then both show the same rows in the same groups and order, the fragment without the layout
        assert fragment.status_code == 200
        assert fragment.headers["cache-control"] == "no-store"
        assert "<html" not in fragment.text
        assert rows(fragment.text) == rows(page), params
        assert groups(fragment.text) == groups(page)
        assert summary(fragment.text) == summary(page)
        # And the page fetches exactly that fragment to refresh itself (a meta refresh without JavaScript)
        refresh = re.search(r'data-refresh="([^"]+)"', page)
        assert refresh is not None
        assert httpx.URL(html.unescape(refresh.group(1))).params == httpx.QueryParams(params)
        assert '<noscript><meta http-equiv="refresh"' in page

    # When kai pauses Herten's DMS with the CSRF token of a refreshed fragment
    token = hidden_token(console.get("/console/destinations/board").text)
    refused = console.post("/console/destinations/herten-dms/pause", data={})
    paused = console.post("/console/destinations/herten-dms/pause", data={"csrf_token": token})

    # Then the form without the token is refused, the one with it pauses, and the paused DMS
    # joins what needs attention (after the circuit and the dead letter)
    assert refused.status_code == 403
    assert paused.status_code == 303
    assert paused.headers["location"] == "/console/?done=paused+herten-dms"
    assert troubled.ctx.destination_states.snapshot().paused == {"herten-dms"}
    flagged = console.get("/console/destinations/board", params={"attention": "1"}).text
    assert rows(flagged) == [OPEN, DEAD, "herten-dms"]
    assert reasons(flagged)["herten-dms"] == "paused by console:kai"


def test_the_fragment_without_a_session_sends_to_the_login(troubled: RunningHub) -> None:
    with httpx.Client(base_url=troubled.url, timeout=30) as stranger:
        answer = stranger.get("/console/destinations/board")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login"
    assert OPEN not in answer.text
