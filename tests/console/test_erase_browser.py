"""Erasure in a real browser (Debian's headless Chromium through Playwright).

An admin erases a submission's content from its trace page, giving a reason; the page then says
the content was purged and the mapped message is gone; an operator is offered no erase form.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from hub.sim.kit.server import ServerThread
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.console.test_console_browser import browser, log_in, new_page, shot, submit  # noqa: F401  (browser: a fixture)
from tests.support.console import PASSWORD
from tests.support.region import GLADBECK, write_region
from tests.support.waiting import wait_for


@pytest.fixture
def region_dir(tmp_path: Path, backoffice: ServerThread) -> Path:
    return write_region(tmp_path / "region", backoffice.url)


@pytest.fixture
def hub(tmp_path: Path, region_dir: Path, sim: httpx.Client) -> Iterator[RunningHub]:
    running = start_hub(make_settings(f"sqlite:///{tmp_path / 'hub.db'}", region_dir, purge_interval_seconds=0))
    running.ctx.operators.create("ida", PASSWORD, role="admin", municipalities=["*"])
    running.ctx.operators.create("anna", PASSWORD, role="operator", municipalities=[GLADBECK])
    yield running
    stop_hub(running)


def test_an_admin_erases_a_submission_from_its_trace_and_the_page_says_so(
    browser: Browser,  # noqa: F811
    hub: RunningHub,
) -> None:
    # Given a delivered submission
    submission_id = submit(hub)
    wait_for(lambda: hub.ctx.submissions.get(submission_id).status == "delivered", what="delivered")

    # An operator sees no erase form
    anna = new_page(browser, hub)
    log_in(anna, "anna")
    anna.goto(f"/console/submissions/{submission_id}")
    expect(anna.get_by_test_id("recorded")).to_be_visible()
    expect(anna.get_by_test_id("erase")).to_have_count(0)

    # When ida, an admin, erases it with a reason and confirms the dialog
    ida = new_page(browser, hub)
    log_in(ida, "ida")
    ida.goto(f"/console/submissions/{submission_id}")
    ida.get_by_placeholder("Löschantrag, Ticket …").fill("Löschantrag vom 1.12., Ticket 4711")
    ida.once("dialog", lambda dialog: dialog.accept())
    ida.get_by_role("button", name="Erase content").click()

    # Then the trace says the content was removed, and the mapped message is gone
    expect(ida.get_by_test_id("purged")).to_contain_text("erasure")
    ida.get_by_text("Mapped message").first.click()
    expect(ida.get_by_test_id("message").first).to_contain_text("content purged")
    expect(ida.get_by_test_id("message").first).not_to_contain_text("Mustermann")
    shot(ida, "erased-submission")
    # And the erasure is in the audit log with who and why
    (entry,) = hub.ctx.services.queries.audit_entries(action="erase", limit=5)
    assert entry.actor == "console:ida"
    assert entry.target == submission_id
    assert entry.detail["reason"] == "Löschantrag vom 1.12., Ticket 4711"
