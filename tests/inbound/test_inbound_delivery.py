"""Received cases delivered to the back office, and the quarantine's release and discard, end to end.

Real servers on loopback: the XTA simulator holding Gladbeck's Gewerbeamt box (filled as
Gewerbeserviceportal.NRW would), a second XTA simulator as the town's Gewerbe back office
(``gladbeck-gewerbe``), the hub's worker delivering. The KoSIT XGewerbeanzeige 2.2 sample reaches
the back office once, byte for byte with its attachment; a message the config does not route is
quarantined, released by ``hub inbound release`` once the config routes it, and delivered; an
unreadable one stays in quarantine on release and is discarded, audited.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from lxml import etree
from prometheus_client import CollectorRegistry, generate_latest

from connectors.xoev.xta import XtaClient, XtaContent
from hub.api.inbound_metrics import InboundCollector
from hub.bootstrap import HubContext, build
from hub.service.inbound_cases import NotInQuarantine
from hub.store.inbound_cases import INBOUND_CLIENT_ID
from tests.conftest import make_settings
from tests.inbound.inbound_support import BACKOFFICE, DESTINATION, SAMPLE_UUID, SOURCE_ID, closed, put, sample
from tests.support.cli import HubCli, describe, hub_env
from tests.support.waiting import wait_for

ATTACHMENT = XtaContent(b"%PDF-1.7 Gewerbeanmeldung " + os.urandom(1024), "application/pdf", filename="anzeige.pdf")
XGA_22 = "http://www.xgewerbeanzeige.de/spezifikation/2.2"


def _set_accepts(region: Path, accepts: list[str]) -> None:
    path = region / "region.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["inbound"][0]["accepts"] = accepts
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def delivering_hub(database_url: str, inbound_region: Path, xta_sim: httpx.Client) -> Iterator[HubContext]:
    """The hub with its worker running (the schedule off: the tests poll by hand)."""
    settings = make_settings(database_url, inbound_region, inbound_lease_seconds=2.0, inbound_poll_seconds=0)
    ctx = build(settings, migrate=True, api=False)
    ctx.start_worker(threads=2)
    yield ctx
    ctx.close()


def _poll(ctx: HubContext) -> tuple[int, int, int, str | None]:
    report = ctx.inbound.poll()
    assert not report.busy
    [source] = report.sources
    return source.received, source.quarantined, source.duplicates, source.error


def _delivered(backoffice: httpx.Client, count: int = 1) -> list[dict[str, Any]]:
    def stored() -> list[dict[str, Any]] | None:
        answer = backoffice.get("/_sim/messages")
        answer.raise_for_status()
        found: list[dict[str, Any]] = answer.json()
        return found if len(found) >= count else None

    messages = wait_for(stored, timeout=20, what="the case at the Gewerbe back office")
    assert messages is not None
    return messages


def _status_delivered(ctx: HubContext, submission_id: str) -> Any:
    def delivered() -> Any:
        view = ctx.submissions.get(submission_id)
        return view if view is not None and view.status == "delivered" else None

    return wait_for(delivered, timeout=20, what="the case's submission delivered")


def _metrics(ctx: HubContext) -> str:
    registry = CollectorRegistry()
    registry.register(InboundCollector(ctx.services.inbound_counts, cache_seconds=0))
    return generate_latest(registry).decode()


def test_the_kosit_sample_reaches_the_gewerbe_back_office_once_byte_for_byte(
    delivering_hub: HubContext, portal: XtaClient, xta_sim: httpx.Client, backoffice_xta: httpx.Client
) -> None:
    # Given the KoSIT XGewerbeanzeige 2.2 sample with a PDF in Gladbeck's Gewerbeamt box
    message = sample()
    xta_id = put(portal, message, (ATTACHMENT,))

    # When the hub polls the box (twice: the second finds nothing)
    assert _poll(delivering_hub) == (1, 0, 0, None)
    assert _poll(delivering_hub) == (0, 0, 0, None)

    # Then the case is delivered once to the back office: the same bytes, the same nachrichtenUUID, the PDF
    assert closed(xta_sim, xta_id)
    [case] = delivering_hub.inbound.recent()
    shown = delivering_hub.inbound.show(case.id)
    assert shown is not None
    assert shown.submission_id is not None
    view = _status_delivered(delivering_hub, shown.submission_id)
    (delivery,) = view.deliveries
    assert (delivery.destination_id, delivery.attempts, delivery.state) == (DESTINATION, 1, "delivered")
    assert delivery.receipt["reportStatus"] == "GREEN"
    assert (view.service, view.municipality, view.client_id) == (f"inbound:{SOURCE_ID}", "05562014", INBOUND_CLIENT_ID)
    [stored] = _delivered(backoffice_xta)
    assert stored["reader"] == BACKOFFICE
    assert stored["service"] == XGA_22
    received = base64.b64decode(stored["message"]["data"])
    assert received == message
    root = etree.fromstring(received)
    uuid = root.findtext(f".//{{{XGA_22}}}nachrichtenUUID")
    assert uuid == SAMPLE_UUID
    [part] = stored["attachments"]
    assert base64.b64decode(part["data"]) == ATTACHMENT.data
    # And the events tell the story like any submission's; the metrics count the message
    kinds = [e.kind for e in delivering_hub.submissions.events(shown.submission_id)]
    assert kinds[:2] == ["received", "routed"]
    assert "delivered" in kinds
    text = _metrics(delivering_hub)
    assert f'hub_inbound_received_total{{source="{SOURCE_ID}"}} 1.0' in text
    assert f'hub_inbound_messages{{source="{SOURCE_ID}",state="received"}} 1.0' in text


def test_an_unrouted_message_is_quarantined_then_released_by_the_cli_after_the_fix_and_delivered(
    database_url: str,
    inbound_region: Path,
    xta_sim: httpx.Client,
    portal: XtaClient,
    backoffice_xta: httpx.Client,
) -> None:
    # Given a Gewerbeamt box configured (by mistake) to route XBau only
    _set_accepts(inbound_region, ["xbau"])
    settings = make_settings(database_url, inbound_region, inbound_lease_seconds=2.0, inbound_poll_seconds=0)
    ctx = build(settings, migrate=True, api=False)
    ctx.start_worker(threads=2)
    try:
        message = sample()
        put(portal, message)
        assert _poll(ctx) == (0, 1, 0, None)
        [held] = ctx.inbound.recent(state="quarantined")
        assert held.reason == "unroutable"
        assert f'hub_inbound_quarantined{{reason="unroutable",source="{SOURCE_ID}"}} 1.0' in _metrics(ctx)

        # When the config is fixed and an operator releases the message from the terminal
        _set_accepts(inbound_region, ["xgewerbeanzeige"])
        cli = HubCli(hub_env(database_url, inbound_region, HUB_INBOUND_POLL_SECONDS="0"))
        result = cli.run("inbound", "release", held.id, "--reason", "the box routes XGewerbeanzeige now")
        assert result.returncode == 0, describe(result)
        assert "released" in result.stdout

        # Then it is a case, delivered once by the worker, byte for byte; the release is audited
        shown = ctx.inbound.show(held.id)
        assert shown is not None
        assert shown.summary.state == "received"
        assert shown.submission_id is not None
        assert shown.message_uuid == SAMPLE_UUID
        view = _status_delivered(ctx, shown.submission_id)
        assert [d.destination_id for d in view.deliveries] == [DESTINATION]
        [stored] = _delivered(backoffice_xta)
        assert base64.b64decode(stored["message"]["data"]) == message
        [entry] = ctx.audit.list(action="inbound-release")
        assert entry.target == held.id
        assert entry.actor.startswith("cli:")
        assert entry.items == [shown.submission_id]
        assert entry.detail["released"] is True
        # A second release finds nothing in quarantine
        again = cli.run("inbound", "release", held.id)
        assert again.returncode == 1, describe(again)
        assert "not in quarantine" in again.stderr
    finally:
        ctx.close()


def test_an_unreadable_message_stays_quarantined_on_release_and_its_discard_is_audited(
    delivering_hub: HubContext, inbound_region: Path, portal: XtaClient, backoffice_xta: httpx.Client
) -> None:
    # Given a message that is not well-formed XML, quarantined
    put(portal, b"<gewerbemeldung><unclosed></gewerbemeldung>")
    assert _poll(delivering_hub) == (0, 1, 0, None)
    [held] = delivering_hub.inbound.recent(state="quarantined")
    assert held.reason == "unparseable"

    # When an operator tries to release it, it stays (nothing changed); the try is audited
    released = delivering_hub.inbound_quarantine.release(held.id, "operator:test")
    assert (released.released, released.reason) == (False, "unparseable")
    assert delivering_hub.audit.list(action="inbound-release")[0].detail["released"] is False

    # When it is discarded from the terminal
    cli = HubCli(hub_env(delivering_hub.settings.database_url, inbound_region, HUB_INBOUND_POLL_SECONDS="0"))
    missing = cli.run("inbound", "discard", held.id)
    assert missing.returncode == 2, describe(missing)  # --reason is required
    cli.ok("inbound", "discard", held.id, "--reason", "sender asked; resent fixed")

    # Then it is out of the quarantine, audited with the reason, never delivered
    [gone] = delivering_hub.inbound.recent()
    assert gone.state == "discarded"
    [entry] = delivering_hub.audit.list(action="inbound-discard")
    assert (entry.target, entry.detail["reason"], entry.detail["quarantine"]) == (
        held.id,
        "sender asked; resent fixed",
        "unparseable",
    )
    with pytest.raises(NotInQuarantine):
        delivering_hub.inbound_quarantine.release(held.id, "operator:test")
    text = _metrics(delivering_hub)
    assert "hub_inbound_quarantined{" not in text
    assert f'hub_inbound_messages{{source="{SOURCE_ID}",state="discarded"}} 1.0' in text
    assert backoffice_xta.get("/_sim/messages").json() == []


def test_a_destination_that_cannot_take_the_message_as_it_is_quarantines_it(
    database_url: str, inbound_region: Path, xta_sim: httpx.Client, portal: XtaClient
) -> None:
    # Given a source whose destination is a JSON Fachverfahren (it takes no XÖV message as it is)
    path = inbound_region / "region.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["inbound"][0]["destinations"] = ["gladbeck-fachverfahren"]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    ctx = build(make_settings(database_url, inbound_region, inbound_lease_seconds=2.0), migrate=True, api=False)
    try:
        put(portal, sample())
        # Then the message is quarantined as unroutable, naming the destination; no submission is made
        assert _poll(ctx) == (0, 1, 0, None)
        [held] = ctx.inbound.recent()
        shown = ctx.inbound.show(held.id)
        assert shown is not None
        assert shown.summary.reason == "unroutable"
        assert "gladbeck-fachverfahren" in (shown.detail or "")
        assert shown.submission_id is None
        assert shown.message_uuid is None
    finally:
        ctx.close()
