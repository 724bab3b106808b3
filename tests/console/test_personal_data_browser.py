"""The personal-data access audit in a real browser (Debian's headless Chromium through Playwright).

An admin opens a submission's trace, finds her read in the audit log filtered to personal-data reads,
and sees an operator's (masked) read of the same submission appear; the operator has no audit log.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from hub.domain.personal_data import READ_PERSONAL_DATA
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
    running = start_hub(make_settings(f"sqlite:///{tmp_path / 'hub.db'}", region_dir))
    running.ctx.operators.create("ida", PASSWORD, role="admin", municipalities=["*"])
    running.ctx.operators.create("anna", PASSWORD, role="operator", municipalities=[GLADBECK])
    yield running
    stop_hub(running)


def test_viewing_a_submission_writes_the_entry_an_admin_sees_it_and_an_operator_cannot_list(
    browser: Browser,  # noqa: F811
    hub: RunningHub,
) -> None:
    # Given a delivered submission
    submission_id = submit(hub)
    wait_for(lambda: hub.ctx.submissions.get(submission_id).status == "delivered", what="delivered")
    [delivery] = hub.ctx.submissions.get(submission_id).deliveries

    # When ida, an admin, opens its trace and reads the mapped message
    ida = new_page(browser, hub)
    log_in(ida, "ida")
    ida.goto(f"/console/submissions/{submission_id}")
    expect(ida.get_by_test_id("recorded")).to_contain_text("recorded in the audit log")
    ida.get_by_text("Mapped message").click()
    expect(ida.get_by_test_id("message")).to_contain_text("Mustermann")

    # Then the audit log, filtered to personal-data reads, shows her read: who, which submission, what
    ida.get_by_role("link", name="Audit log").click()
    ida.get_by_label("Action").select_option(READ_PERSONAL_DATA)
    ida.get_by_role("button", name="Filter").click()
    expect(ida).to_have_url(re.compile(rf"action={READ_PERSONAL_DATA}"))
    rows = ida.locator(f'#audit tr[data-action="{READ_PERSONAL_DATA}"]')
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("console:ida")
    expect(rows.first.get_by_role("link", name=submission_id)).to_be_visible()
    expect(rows.first).to_contain_text(f"payload of delivery {delivery.id}")
    shot(ida, "audit-personal-data-reads")

    # When anna, an operator, opens the same submission: its message masked for her
    anna = new_page(browser, hub)
    log_in(anna, "anna")
    anna.goto(f"/console/submissions/{submission_id}")
    anna.get_by_text("Mapped message").click()
    expect(anna.get_by_test_id("message")).not_to_contain_text("Mustermann")

    # Then she has no audit log: no link, and the page refuses her
    expect(anna.get_by_role("link", name="Audit log")).to_have_count(0)
    refused = anna.goto(f"/console/audit?action={READ_PERSONAL_DATA}")
    assert refused is not None
    assert refused.status == 403

    # And ida sees anna's read appear on top, named as masked
    ida.reload()
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("console:anna")
    expect(rows.first).to_contain_text(f"payload of delivery {delivery.id} (masked)")
    shot(ida, "audit-personal-data-reads-two")
