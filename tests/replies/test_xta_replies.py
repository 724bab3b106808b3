"""Replies to cases received from an XTA 2 box, end to end: the KoSIT XGewerbeanzeige sample sent
by Gewerbeserviceportal.NRW into Gladbeck's Gewerbeamt box (XTA simulator), received by the hub,
answered by the Gewerbe back office through the API; the hub sends an xdomea 3.1.0 answer from the
Gewerbeamt's account to the portal's box at the same XTA server, where the portal fetches it as a
real reader does (getStatusList, getMessage), valid against the official xdomea XSD."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from connectors.xoev.xta import XtaClient
from hub.schemas import SchemaCatalog
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.inbound.inbound_support import GEWERBEAMT, PORTAL, SAMPLE_UUID, SOURCE_ID, put, sample
from tests.replies.reply_support import BESCHEID, document, reply_body
from tests.support.region import GLADBECK
from tests.support.waiting import wait_for

XDOMEA = "urn:xoev-de:xdomea:schema:3.1.0"
X = f"{{{XDOMEA}}}"
TEXT = "Die Gewerbeanmeldung ist eingetragen; der Gewerbeschein liegt bei."


@pytest.fixture
def mailroom_hub(database_url: str, inbound_region: Path, xta_sim: httpx.Client) -> Iterator[RunningHub]:
    """The hub over HTTP with its worker, reading Gladbeck's Gewerbeamt box (polled by hand)."""
    running = start_hub(make_settings(database_url, inbound_region, inbound_lease_seconds=2.0, inbound_poll_seconds=0))
    yield running
    stop_hub(running)


@pytest.fixture
def back_office(mailroom_hub: RunningHub) -> Iterator[httpx.Client]:
    _, key = mailroom_hub.ctx.clients.create("gewerbe-fachverfahren-gladbeck", [GLADBECK], roles=["back-office"])
    with mailroom_hub.client(key) as client:
        yield client


def _received_case(hub: RunningHub, portal: XtaClient) -> str:
    put(portal, sample())
    report = hub.ctx.inbound.poll()
    assert [s.received for s in report.sources] == [1]
    [case] = hub.ctx.inbound.recent()
    shown = hub.ctx.inbound.show(case.id)
    assert shown is not None
    assert shown.submission_id is not None
    return shown.submission_id


def _portal_box(portal: XtaClient) -> list[Any]:
    return list(portal.get_status_list().messages)


def test_a_reply_to_an_xta_case_reaches_the_sending_authoritys_box_as_valid_xdomea(
    mailroom_hub: RunningHub, back_office: httpx.Client, portal: XtaClient
) -> None:
    # Given the KoSIT sample received from the portal into Gladbeck's Gewerbeamt box
    submission_id = _received_case(mailroom_hub, portal)
    assert _portal_box(portal) == []

    # When the Gewerbe back office posts its answer with the Gewerbeschein
    answer = back_office.post(
        f"/v1/submissions/{submission_id}/replies",
        json=reply_body(text=TEXT, documents=[document(name="Gewerbeschein 2026.pdf")]),
    )
    assert answer.status_code == 202, answer.text
    posted = answer.json()
    assert posted["channel"] == "xta"
    assert posted["delivery"]["destination"] == f"reply-xta:{SOURCE_ID}"

    # Then the portal's own box at the same XTA server holds it, from the Gewerbeamt's account
    [waiting] = wait_for(lambda: _portal_box(portal), timeout=30, what="the reply in the portal's box")
    assert waiting.author.identifier == GEWERBEAMT.identifier
    assert waiting.reader.identifier == PORTAL.identifier
    assert waiting.service == XDOMEA
    assert waiting.message_type.code == "0101"
    fetched = portal.get_message(waiting.message_id)
    root = etree.fromstring(fetched.message.data)

    # And it is an xdomea 3.1.0 Information.Information.0101, valid against the official XSD
    catalog = SchemaCatalog.from_env()
    assert catalog.validator("xdomea-3.1.0", "xdomea.xsd").validate(root) == []
    assert root.tag == f"{X}Information.Information.0101"
    case = root.find(f"{X}Schriftgutobjekt/{X}Vorgang")
    assert case is not None
    assert case.findtext(f"{X}Identifikation/{X}ID") == posted["id"]
    assert case.findtext(f"{X}AllgemeineMetadaten/{X}Kennzeichen") == SAMPLE_UUID  # the answered message
    assert case.findtext(f"{X}AllgemeineMetadaten/{X}Bemerkung") == TEXT
    assert root.findtext(f"{X}Kopf/{X}Empfaenger/{X}Behoerdenkennung/{X}Praefix/code") == "gwa"
    assert root.findtext(f"{X}Kopf/{X}Empfaenger/{X}Behoerdenkennung/{X}Behoerdenschluessel/code") == "05000000"
    fields = {
        f.findtext(f"{X}Name"): f.findtext(f"{X}Wert")
        for f in case.iterfind(f"{X}AnwendungsspezifischeErweiterung/{X}Feld")
    }
    assert fields == {"status": "approved", "bezugNachrichtenUUID": SAMPLE_UUID, "antwortID": posted["id"]}
    # And the document travels as the attachment the message names
    named = case.findtext(f"{X}Dokument/{X}Version/{X}Format/{X}Primaerdokument/{X}Dateiname")
    assert case.findtext(f"{X}Dokument/{X}Version/{X}Format/{X}Primaerdokument/{X}DateinameOriginal") == (
        "Gewerbeschein 2026.pdf"
    )
    [attached] = fetched.attachments
    assert attached.filename == named
    assert attached.data == BESCHEID
    portal.close_box(fetched.request_id, [waiting.message_id])

    # And the API shows the reply delivered with the XTA transport report
    def delivered() -> dict[str, Any] | None:
        [one] = back_office.get(f"/v1/submissions/{submission_id}/replies").json()["replies"]
        return one if one["delivery"]["state"] == "delivered" else None

    shown = wait_for(delivered, timeout=20, what="the reply's delivery settled")
    assert shown["delivery"]["attempts"] == 1
    assert base64.b64encode(BESCHEID).decode() not in str(shown)  # the content is not shown back


def test_an_xta_reply_waits_out_a_server_fault_and_is_sent_once(
    mailroom_hub: RunningHub, back_office: httpx.Client, portal: XtaClient, xta_sim: httpx.Client
) -> None:
    submission_id = _received_case(mailroom_hub, portal)
    # The XTA server refuses the next sendMessage with a TechnicalProblem: a transient failure
    fault = {"operation": "sendMessage", "fault": "TechnicalProblem", "reason": "Wartung", "count": 1}
    xta_sim.post("/_sim/faults", json=fault).raise_for_status()
    answer = back_office.post(f"/v1/submissions/{submission_id}/replies", json=reply_body(text=TEXT, documents=[]))
    assert answer.status_code == 202, answer.text

    [waiting] = wait_for(lambda: _portal_box(portal), timeout=60, what="the reply after the fault")
    assert waiting.author.identifier == GEWERBEAMT.identifier
    [listed] = wait_for(
        lambda: [r for r in back_office.get(f"/v1/submissions/{submission_id}/replies").json()["replies"]
                 if r["delivery"]["state"] == "delivered"],
        timeout=60, what="the reply delivered on a later attempt",
    )  # fmt: skip
    assert listed["delivery"]["attempts"] >= 2
    assert len(_portal_box(portal)) == 1


def test_a_refused_xta_reply_is_a_dead_letter_and_an_operator_replays_it(
    mailroom_hub: RunningHub, back_office: httpx.Client, portal: XtaClient, xta_sim: httpx.Client
) -> None:
    submission_id = _received_case(mailroom_hub, portal)
    refused = {"operation": "sendMessage", "fault": "PermissionDenied", "reason": "Konto gesperrt", "count": 1}
    xta_sim.post("/_sim/faults", json=refused).raise_for_status()
    posted = back_office.post(f"/v1/submissions/{submission_id}/replies", json=reply_body(text=TEXT, documents=[]))
    assert posted.status_code == 202, posted.text

    def state(wanted: str) -> dict[str, Any] | None:
        [one] = back_office.get(f"/v1/submissions/{submission_id}/replies").json()["replies"]
        return one if one["delivery"]["state"] == wanted else None

    dead = wait_for(lambda: state("dead"), timeout=20, what="the refused reply dead")
    assert "Konto gesperrt" in dead["delivery"]["lastError"]
    assert _portal_box(portal) == []

    # When an operator replays it (the account is unlocked), it is sent
    replayed = mailroom_hub.ctx.services.operations.replay(ids=[dead["delivery"]["id"]], actor="cli:test")
    assert replayed == [dead["delivery"]["id"]]
    wait_for(lambda: state("delivered"), timeout=20, what="the replayed reply delivered")
    [waiting] = _portal_box(portal)
    assert waiting.author.identifier == GEWERBEAMT.identifier
