"""The mailroom in a real browser (Debian's headless Chromium through Playwright).

Real servers on loopback: the XTA 2 simulator holding Gladbeck's Gewerbeamt box, filled as
Gewerbeserviceportal.NRW would, and a second one as the town's Gewerbe back office. A box
configured by mistake for XBau quarantines the KoSIT XGewerbeanzeige sample (``unroutable``) and a
malformed message (``unparseable``). With the config fixed, a Gladbeck operator sees both with their
reasons, releases the first (delivered to the back office, its case linked to its trace), fails to
release the malformed one and discards it with a reason; both are in the audit log. A Herten
operator sees neither, and a message's page is 404 for her.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, expect

from connectors.xoev.xta import XtaClient
from hub.bootstrap import build
from hub.sim.kit.server import ServerThread
from hub.sim.xta import create_xta_app
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.console.test_console_browser import browser, log_in, new_page, shot  # noqa: F401  (browser: a fixture)
from tests.inbound.inbound_support import PORTAL, SOURCE_ID, gewerbe_template, inbound_section, put, sample
from tests.support.console import PASSWORD
from tests.support.region import GLADBECK, HERTEN, write_region
from tests.support.waiting import wait_for
from tests.xta.xta_support import WSDL, settings_for

MALFORMED = b"<gewerbemeldung><unclosed></gewerbemeldung>"


@pytest.fixture(scope="module")
def box_server() -> Iterator[ServerThread]:
    """The XTA 2 simulator holding the Gewerbeamt's box."""
    with ServerThread(create_xta_app(WSDL)) as server:
        yield server


@pytest.fixture(scope="module")
def gewerbe_backoffice() -> Iterator[ServerThread]:
    """The Gewerbe back office's XTA server: it stores what the hub delivers to it."""
    with ServerThread(create_xta_app(WSDL)) as server:
        yield server


def _region(
    directory: Path, backoffice: ServerThread, box: ServerThread, gewerbe: ServerThread, accepts: list[str]
) -> Path:
    written = write_region(directory, backoffice.url)
    path = written / "region.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["destinationTemplates"].append(gewerbe_template(gewerbe.url))
    raw["inbound"] = inbound_section(box.url)
    raw["inbound"][0]["accepts"] = accepts
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return written


@pytest.fixture
def quarantined_hub(
    tmp_path: Path, backoffice: ServerThread, box_server: ServerThread, gewerbe_backoffice: ServerThread
) -> Iterator[RunningHub]:
    """Two messages quarantined under a box configured for XBau; then the hub served with the fixed config."""
    for server in (box_server, gewerbe_backoffice):
        with httpx.Client(base_url=server.url, timeout=10) as control:
            control.delete("/_sim/faults").raise_for_status()
            control.delete("/_sim/messages").raise_for_status()
    database = f"sqlite:///{tmp_path / 'hub.db'}"
    broken = _region(tmp_path / "broken", backoffice, box_server, gewerbe_backoffice, ["xbau"])
    ctx = build(make_settings(database, broken, inbound_poll_seconds=0), migrate=True, api=False)
    try:
        with XtaClient(settings_for(WSDL, box_server.url, PORTAL)) as portal:
            put(portal, sample())
            put(portal, MALFORMED)
        report = ctx.inbound.poll()
        assert [(s.received, s.quarantined, s.error) for s in report.sources] == [(0, 2, None)]
    finally:
        ctx.close()
    fixed = _region(tmp_path / "fixed", backoffice, box_server, gewerbe_backoffice, ["xgewerbeanzeige"])
    running = start_hub(make_settings(database, fixed, inbound_poll_seconds=0))
    running.ctx.operators.create("anna", PASSWORD, role="operator", municipalities=[GLADBECK])
    running.ctx.operators.create("hanna", PASSWORD, role="operator", municipalities=[HERTEN])
    running.ctx.operators.create("ida", PASSWORD, role="admin", municipalities=["*"])
    yield running
    stop_hub(running)


def _held(hub: RunningHub) -> dict[str, str]:
    """The quarantined messages' ids by their reason."""
    assert hub.ctx.services.mailroom is not None
    rows = hub.ctx.services.mailroom.messages(municipalities=None, state="quarantined")
    return {r.reason or "": r.id for r in rows}


def test_quarantine_is_released_after_the_fix_and_discarded_with_a_reason_from_the_console(
    browser: Browser,  # noqa: F811
    quarantined_hub: RunningHub,
    gewerbe_backoffice: ServerThread,
) -> None:
    hub = quarantined_hub
    held = _held(hub)
    assert set(held) == {"unroutable", "unparseable"}

    # When anna, Gladbeck's operator, opens the mailroom from the nav, filtered to the quarantine
    anna = new_page(browser, hub)
    log_in(anna, "anna")
    anna.get_by_role("link", name="Mailroom").click()
    expect(anna.locator("#mailroom tbody tr")).to_have_count(2)
    anna.get_by_label("State").select_option("quarantined")
    anna.get_by_role("button", name="Filter").click()
    expect(anna).to_have_url(re.compile(r"state=quarantined"))
    # Then she sees both with their reasons, newest first
    rows = anna.locator("#mailroom tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).get_by_test_id("reason")).to_have_text("unparseable")
    expect(rows.nth(1).get_by_test_id("reason")).to_have_text("unroutable")
    expect(rows.nth(1)).to_contain_text(SOURCE_ID)
    expect(rows.nth(1)).to_contain_text("Gladbeck")
    shot(anna, "mailroom-quarantine")

    # When she opens the unrouted one (its reason names the standard) and releases it: the config routes it now
    anna.locator(f'tr[data-message="{held["unroutable"]}"]').get_by_role("link", name="details").click()
    expect(anna.get_by_test_id("reason")).to_contain_text("unroutable")
    expect(anna.get_by_test_id("reason")).to_contain_text("xgewerbeanzeige")
    expect(anna.locator("main")).not_to_contain_text("Gewerbeanmeldung")  # no content in the console
    shot(anna, "mailroom-message-quarantined")
    release = anna.get_by_test_id("release")
    release.get_by_label(re.compile("Release after a fix")).fill("box routes XGewerbeanzeige now")
    release.get_by_role("button", name="Release").click()

    # Then it is a case, linked to its submission's trace, and delivered to the Gewerbe back office
    expect(anna.get_by_role("status")).to_have_text("released")
    expect(anna.get_by_test_id("state")).to_have_text("case")
    expect(anna.get_by_test_id("release")).to_have_count(0)
    with httpx.Client(base_url=gewerbe_backoffice.url, timeout=10) as control:
        wait_for(lambda: len(control.get("/_sim/messages").json()) == 1, timeout=20, what="the case delivered")
    anna.get_by_test_id("case").get_by_role("link").click()
    expect(anna).to_have_url(re.compile(r"/console/submissions/"))
    expect(anna.get_by_test_id("status")).to_have_text("delivered")

    # When she tries to release the malformed one, it stays; then she discards it with a reason
    anna.goto(f"/console/mailroom/{held['unparseable']}")
    anna.get_by_test_id("release").get_by_role("button", name="Release").click()
    expect(anna.get_by_role("status")).to_have_text("stays in quarantine: unparseable")
    discard = anna.get_by_test_id("discard")
    discard.get_by_label(re.compile("Discard for good")).fill("sender resends it fixed")
    anna.once("dialog", lambda dialog: dialog.accept())
    discard.get_by_role("button", name="Discard").click()
    expect(anna.get_by_role("status")).to_have_text("discarded")
    expect(anna.get_by_test_id("state")).to_have_text("discarded")
    shot(anna, "mailroom-message-discarded")

    # Then the audit log has both, by her, as the CLI writes them
    released = hub.ctx.audit.list(action="inbound-release", target=held["unroutable"])
    assert [(e.actor, e.detail["released"], e.detail["reason"]) for e in released] == [
        ("console:anna", True, "box routes XGewerbeanzeige now")
    ]
    assert released[0].items == [hub.ctx.inbound.show(held["unroutable"]).submission_id]  # type: ignore[union-attr]
    [discarded] = hub.ctx.audit.list(action="inbound-discard")
    assert (discarded.actor, discarded.target, discarded.detail["reason"], discarded.detail["quarantine"]) == (
        "console:anna", held["unparseable"], "sender resends it fixed", "unparseable"
    )  # fmt: skip
    ida = new_page(browser, hub)
    log_in(ida, "ida")
    ida.goto("/console/audit?action=inbound-discard")
    expect(ida.locator('#audit tr[data-action="inbound-discard"]')).to_contain_text("console:anna")

    # And hanna, Herten's operator, sees none of Gladbeck's messages, not even by their ids
    hanna = new_page(browser, hub)
    log_in(hanna, "hanna")
    hanna.get_by_role("link", name="Mailroom").click()
    expect(hanna.locator("#mailroom tbody tr")).to_have_text("No messages.")
    for message_id in held.values():
        answer = hanna.goto(f"/console/mailroom/{message_id}")
        assert answer is not None
        assert answer.status == 404
    shot(hanna, "mailroom-other-municipality")
    # nor may she act on them with her own valid CSRF token; and without the token nobody may
    hanna.goto("/console/mailroom")
    token = hanna.locator('form[action="/console/logout"] input[name="csrf_token"]').input_value()
    foreign = hanna.request.post(
        f"/console/mailroom/{held['unroutable']}/discard", form={"csrf_token": token, "reason": "not mine"}
    )
    assert foreign.status == 404
    forged = anna.request.post(f"/console/mailroom/{held['unroutable']}/discard", form={"reason": "no token"})
    assert forged.status == 403
    assert [e.actor for e in hub.ctx.audit.list(action="inbound-discard")] == ["console:anna"]
