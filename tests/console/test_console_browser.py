"""The operator console in a real browser: Debian's headless Chromium driven by Playwright.

Against a running hub and the back-office simulator: log in, watch dead letters appear and
replay them, pause and resume a destination, see the destinations page bring a failing one to the
top by itself, and be refused a foreign municipality's submission.
Screenshots of each page go to ``var/screenshots`` (or ``HUB_TEST_ARTIFACTS``). A missing
browser fails these tests: CI installs ``chromium`` (see ``.ci/run``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from hub.config import PROJECT_ROOT
from hub.sim.kit.server import ServerThread
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.console import PASSWORD
from tests.support.destinations import add_dms_destinations
from tests.support.envelopes import sample
from tests.support.region import GLADBECK, HERTEN, write_region
from tests.support.waiting import wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESTINATION = "gladbeck-fachverfahren"
ARTIFACTS = Path(os.environ.get("HUB_TEST_ARTIFACTS", PROJECT_ROOT / "var" / "screenshots"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is required at {CHROMIUM}: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def region_dir(tmp_path: Path, backoffice: ServerThread) -> Path:
    """The test region with a DMS per body besides the Fachverfahren (a second kind, never routed)."""
    return add_dms_destinations(write_region(tmp_path / "region", backoffice.url), backoffice.url)


@pytest.fixture
def hub(tmp_path: Path, region_dir: Path, sim: httpx.Client) -> Iterator[RunningHub]:
    running = start_hub(make_settings(f"sqlite:///{tmp_path / 'hub.db'}", region_dir))
    running.ctx.operators.create("anna", PASSWORD, role="operator", municipalities=[GLADBECK])
    running.ctx.operators.create("kai", PASSWORD, role="operator", municipalities=["*"])
    yield running
    stop_hub(running)


def new_page(browser: Browser, hub: RunningHub) -> Page:
    """A page in a context of its own (its own cookies: one operator's session) on the hub."""
    context = browser.new_context(base_url=hub.url)
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def page(browser: Browser, hub: RunningHub) -> Iterator[Page]:
    page = new_page(browser, hub)
    yield page
    page.context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page: Page, name: str = "anna") -> None:
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/console/login$"))
    shot(page, "login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("who")).to_contain_text(name)


def submit(hub: RunningHub, key: str | None = None, **changes: object) -> str:
    with hub.client(key or hub.gladbeck_key) as portal:
        answer = portal.post("/v1/submissions", json=sample(**changes))
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def test_dead_letters_of_a_failing_destination_are_replayed_after_it_recovers(
    page: Page, hub: RunningHub, sim: httpx.Client
) -> None:
    # Given a back office that refuses the next two messages
    sim.post("/_sim/faults", json={"mode": "status", "status": 422, "count": 2, "reason": "Aktenzeichen fehlt"})
    ids = [submit(hub), submit(hub)]
    wait_for(lambda: len(hub.ctx.services.queries.deliveries(state="dead")) == 2, what="two dead letters")

    # When anna logs in
    log_in(page)
    destination = page.locator(f'tr[data-destination="{DESTINATION}"]')
    expect(destination.get_by_test_id("dead")).to_have_text("2")
    shot(page, "overview-failing")

    # Then she sees the dead letters with the receiver's reason
    destination.get_by_test_id("dead").get_by_role("link").click()
    expect(page.locator("#dead-letters tbody tr")).to_have_count(2)
    expect(page.locator("#dead-letters")).to_contain_text("Aktenzeichen fehlt")
    shot(page, "dead-letters")

    # When the back office has recovered and she replays all of them
    page.get_by_role("button", name=f"Replay all of {DESTINATION}").click()
    expect(page.get_by_role("status")).to_have_text("replayed 2")

    # Then they are delivered, and the overview's counts show it
    wait_for(lambda: all(hub.ctx.submissions.get(i).status == "delivered" for i in ids), what="delivered")
    page.goto("/console/")
    expect(destination.get_by_test_id("dead")).to_have_text("0")
    expect(destination.get_by_test_id("delivered")).to_have_text("2")
    shot(page, "overview-recovered")

    # And a submission's trace shows its attempts, the refusal and the masked message
    page.goto(f"/console/submissions/{ids[0]}")
    expect(page.locator(".attempts")).to_contain_text("422")
    expect(page.get_by_test_id("status")).to_have_text("delivered")
    page.get_by_text("Mapped message").click()
    expect(page.get_by_test_id("message")).not_to_contain_text("Mustermann")
    shot(page, "trace")


def test_a_paused_destination_builds_a_backlog_that_drains_on_resume(
    page: Page, hub: RunningHub, sim: httpx.Client
) -> None:
    # Given anna paused Gladbeck's back office
    log_in(page)
    destination = page.locator(f'tr[data-destination="{DESTINATION}"]')
    destination.get_by_role("button", name="Pause").click()
    expect(destination.get_by_test_id("paused")).to_contain_text("paused by console:anna")

    # When two submissions arrive
    ids = [submit(hub), submit(hub)]

    # Then the backlog grows and nothing reaches the back office
    page.reload()
    expect(destination.get_by_test_id("backlog")).to_have_text("2")
    shot(page, "overview-paused")
    assert sim.get("/_sim/messages").json() == []

    # When she resumes it
    destination.get_by_role("button", name="Resume").click()
    expect(page.get_by_role("status")).to_contain_text("2 waiting")

    # Then the backlog drains
    wait_for(lambda: all(hub.ctx.submissions.get(i).status == "delivered" for i in ids), what="drained")
    page.reload()
    expect(destination.get_by_test_id("backlog")).to_have_text("0")
    expect(destination.get_by_test_id("delivered")).to_have_text("2")
    shot(page, "overview-resumed")
    assert len(sim.get("/_sim/messages").json()) == 2


def test_the_destinations_page_brings_a_failing_destination_to_the_top_by_itself(
    page: Page, hub: RunningHub, sim: httpx.Client
) -> None:
    # Given kai, an operator of every body, on the destinations page while all is well
    log_in(page, "kai")
    board = page.locator("#destinations")
    expect(page.get_by_test_id("summary")).to_contain_text("All 6 destinations are fine")
    expect(board.locator("tbody").first).to_have_attribute("data-group", "Gladbeck")
    page.evaluate("window.notReloaded = true")

    # When Herten's back office refuses a message (a dead letter) and Gladbeck's is paused
    sim.post("/_sim/faults", json={"mode": "status", "status": 422, "count": 1, "system": "herten", "reason": "nein"})
    submit(hub, hub.herten_key, municipality=HERTEN)
    wait_for(lambda: hub.ctx.services.queries.deliveries(state="dead"), what="Herten's dead letter")
    hub.ctx.destination_states.pause("gladbeck-dms", by="cli:root")

    # Then, without a reload (the page refreshes its board every 5 s; allow 30 s on a loaded
    # machine), the dead letters lead, then the pause, each saying why; the rest stay grouped
    first = board.locator("tbody tr[data-destination]").first
    expect(first).to_have_attribute("data-destination", "herten-fachverfahren", timeout=30_000)
    expect(first.get_by_test_id("reasons")).to_have_text("1 dead")
    attention = board.locator('tbody[data-group="Needs attention"] tr[data-destination]')
    expect(attention).to_have_count(2)
    expect(attention.nth(1)).to_have_attribute("data-destination", "gladbeck-dms")
    expect(attention.nth(1).get_by_test_id("reasons")).to_have_text("paused by cli:root")
    expect(page.get_by_test_id("summary")).to_contain_text("2 of 6 destinations need attention")
    assert page.evaluate("window.notReloaded === true"), "the page was reloaded instead of refreshed"
    shot(page, "destinations-attention")

    # When she narrows the page to what needs attention in Herten and pauses it from the refreshed board
    page.locator("#destination-filters select[name=municipality]").select_option(label="Herten")
    page.get_by_label("needs attention only").check()
    page.get_by_role("button", name="Filter").click()
    expect(board.locator("tr[data-destination]")).to_have_count(1)
    shot(page, "destinations-filtered")
    expect(page.locator("#board")).to_have_attribute("data-refreshed-at", re.compile("."), timeout=30_000)
    board.locator('tr[data-destination="herten-fachverfahren"]').get_by_role("button", name="Pause").click()

    # Then the pause is done (the refreshed form carried the session's CSRF token)
    expect(page.get_by_role("status")).to_have_text("paused herten-fachverfahren")
    assert "herten-fachverfahren" in hub.ctx.destination_states.snapshot().paused


def test_an_operator_of_gladbeck_cannot_open_a_herten_submission(page: Page, hub: RunningHub) -> None:
    # Given a submission of Herten
    herten = submit(hub, hub.herten_key, municipality=HERTEN)

    # When anna (Gladbeck) opens it by URL
    log_in(page)
    answer = page.goto(f"/console/submissions/{herten}")

    # Then the hub answers 404 and shows nothing of it; Herten's destination is not listed either
    assert answer is not None
    assert answer.status == 404
    expect(page.locator("body")).not_to_contain_text("Mustermann")
    shot(page, "foreign-submission")
    page.goto("/console/")
    expect(page.locator('tr[data-destination="herten-fachverfahren"]')).to_have_count(0)
