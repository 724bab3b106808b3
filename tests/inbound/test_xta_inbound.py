"""The XTA 2 message box source end to end: the real simulator on loopback, the real database.

The KoSIT XGewerbeanzeige 2.2 sample put into the Gladbeck Gewerbeamt's box is received once,
sealed at rest with its hashes, and closed at the box; the same message fetched again (close lost,
a resend with the same nachrichtenUUID) is closed without a second case; a transient error leaves
it waiting; an unreadable, unroutable or oversized message is quarantined with its reason and closed.
"""

from __future__ import annotations

import hashlib
import os

import httpx
import pytest
from sqlalchemy import select

from connectors.xoev.xta import XtaClient, XtaContent
from connectors.xoev.xta.reader import MessageTooLarge, XtaReader
from hub.bootstrap import HubContext
from hub.sim.kit.server import ServerThread
from hub.store.tables import inbound_attachment, inbound_message
from tests.inbound.inbound_support import (
    GEWERBEAMT,
    MAX_MESSAGE_BYTES,
    SOURCE_ID,
    closed,
    fresh_sample,
    put,
    sample,
)
from tests.xta.xta_support import WSDL, settings_for

ATTACHMENT = XtaContent(
    b"%PDF-1.7 Handwerkskarte " + os.urandom(2048), "application/pdf", filename="handwerkskarte.pdf"
)


def _one_report(ctx: HubContext) -> tuple[int, int, int, str | None]:
    report = ctx.inbound.poll()
    assert not report.busy
    [source] = report.sources
    assert source.source_id == SOURCE_ID
    return source.received, source.quarantined, source.duplicates, source.error


def test_the_kosit_sample_is_received_once_sealed_with_its_hashes_and_closed(
    inbound_hub: HubContext, portal: XtaClient, xta_sim: httpx.Client
) -> None:
    message = sample()
    xta_id = put(portal, message, (ATTACHMENT,))

    assert _one_report(inbound_hub) == (1, 0, 0, None)
    assert _one_report(inbound_hub) == (0, 0, 0, None)  # the box is empty: nothing twice

    assert closed(xta_sim, xta_id)
    [case] = inbound_hub.inbound.recent()
    assert (case.state, case.external_id, case.municipality) == ("received", xta_id, "05562014")
    assert (case.standard, case.message_type) == ("xgewerbeanzeige-2.2", "abh.gewerbemeldung.0500")
    assert case.closed_at is not None
    shown = inbound_hub.inbound.show(case.id)
    assert shown is not None
    assert shown.content == message
    assert shown.sha256 == hashlib.sha256(message).hexdigest()
    assert shown.message_uuid == "00000000-0000-0000-0000-000000000001"
    assert shown.destinations == ["gladbeck-gewerbe"]
    assert shown.submission_id is not None
    assert shown.header["author"] == "gwa:05000000"
    assert "subject" not in shown.header
    [part] = shown.attachments
    assert (part.data, part.file_name, part.media_type) == (ATTACHMENT.data, "handwerkskarte.pdf", "application/pdf")
    assert part.sha256 == hashlib.sha256(ATTACHMENT.data).hexdigest()
    # At rest the content and the attachment are sealed, not the plaintext.
    with inbound_hub.db.read() as conn:
        stored = conn.execute(select(inbound_message.c.content)).scalar_one()
        stored_part = conn.execute(select(inbound_attachment.c.content, inbound_attachment.c.file_name)).one()
    assert b"gewerbemeldung" not in stored
    assert stored != message
    assert stored_part.content != ATTACHMENT.data
    assert "handwerkskarte" not in stored_part.file_name


def test_a_resend_with_the_same_nachrichten_uuid_is_closed_without_a_second_case(
    inbound_hub: HubContext, portal: XtaClient, xta_sim: httpx.Client
) -> None:
    first = put(portal, sample())
    assert _one_report(inbound_hub) == (1, 0, 0, None)

    again = put(portal, sample())  # a new XTA message id, the same XÖV message

    assert _one_report(inbound_hub) == (0, 0, 1, None)
    assert closed(xta_sim, first)
    assert closed(xta_sim, again)
    assert len(inbound_hub.inbound.recent()) == 1


def test_a_lost_close_gives_one_case_and_the_next_poll_closes_it(
    inbound_hub: HubContext, portal: XtaClient, xta_sim: httpx.Client
) -> None:
    xta_id = put(portal, fresh_sample())
    xta_sim.post("/_sim/faults", json={"operation": "close", "fault": "TechnicalProblem", "count": 1})

    received, _, _, error = _one_report(inbound_hub)

    assert received == 1
    assert error is not None
    assert "TechnicalProblem" in error
    assert not closed(xta_sim, xta_id)
    [case] = inbound_hub.inbound.recent()
    assert case.closed_at is None

    assert _one_report(inbound_hub) == (0, 0, 1, None)
    assert closed(xta_sim, xta_id)
    [again] = inbound_hub.inbound.recent()
    assert again.id == case.id
    assert again.closed_at is not None


def test_a_transient_error_leaves_the_message_in_the_box_for_the_next_poll(
    inbound_hub: HubContext, portal: XtaClient, xta_sim: httpx.Client
) -> None:
    xta_id = put(portal, fresh_sample())
    xta_sim.post("/_sim/faults", json={"operation": "getMessage", "fault": "TechnicalProblem", "count": 1})

    received, _, _, error = _one_report(inbound_hub)

    assert received == 0
    assert error is not None
    assert inbound_hub.inbound.recent() == []
    assert not closed(xta_sim, xta_id)
    assert _one_report(inbound_hub) == (1, 0, 0, None)
    assert closed(xta_sim, xta_id)


def test_unreadable_unroutable_and_oversized_messages_are_quarantined_with_their_reason_and_closed(
    inbound_hub: HubContext, portal: XtaClient, xta_sim: httpx.Client
) -> None:
    broken = put(portal, sample()[:-200])  # cut short: not well-formed
    foreign = put(
        portal,
        b"<x:antrag xmlns:x='urn:example:xfremd:1.0'><x:nachrichtenkopf><x:identifikation.nachricht>"
        b"<x:nachrichtenUUID>5b0b2a4c-7f7e-4a44-9d57-2f3f4e5d6c7b</x:nachrichtenUUID>"
        b"</x:identifikation.nachricht></x:nachrichtenkopf></x:antrag>",
    )
    big = put(portal, fresh_sample(), (XtaContent(os.urandom(MAX_MESSAGE_BYTES), "application/pdf"),))

    assert _one_report(inbound_hub) == (0, 3, 0, None)

    assert all(closed(xta_sim, xta_id) for xta_id in (broken, foreign, big))
    by_id = {m.external_id: m for m in inbound_hub.inbound.recent(state="quarantined")}
    assert {by_id[broken].reason, by_id[foreign].reason, by_id[big].reason} == {
        "unparseable",
        "unroutable",
        "too-large",
    }
    assert by_id[broken].reason == "unparseable"
    assert by_id[foreign].reason == "unroutable"
    shown = inbound_hub.inbound.show(by_id[broken].id)
    assert shown is not None
    assert shown.detail is not None
    assert "not well-formed" in shown.detail
    assert shown.content == sample()[:-200]  # kept for the operator, sealed like a case
    oversized = inbound_hub.inbound.show(by_id[big].id)
    assert oversized is not None
    assert oversized.content is None
    assert oversized.attachments == []
    assert oversized.summary.size > MAX_MESSAGE_BYTES


def test_a_message_whose_answer_grows_past_the_cap_is_not_read(
    xta_server: ServerThread, portal: XtaClient, xta_sim: httpx.Client
) -> None:
    # The announced size can be missing or wrong: the answer itself is counted as it streams in.
    xta_id = put(portal, fresh_sample(), (XtaContent(os.urandom(300_000), "application/pdf"),))
    with XtaReader(settings_for(WSDL, xta_server.url, GEWERBEAMT)) as reader:
        with pytest.raises(MessageTooLarge):
            reader.fetch(xta_id, 100_000, seconds=10)
        assert len(reader.fetch(xta_id, 400_000, seconds=10).attachments[0].data) == 300_000
    assert not closed(xta_sim, xta_id)


def test_a_message_that_cannot_be_fetched_stays_in_the_box_and_the_next_ones_are_read(
    inbound_hub: HubContext, portal: XtaClient, xta_sim: httpx.Client
) -> None:
    stuck, after = put(portal, fresh_sample()), put(portal, fresh_sample())
    xta_sim.post("/_sim/faults", json={"operation": "getMessage", "fault": "PermissionDenied", "count": 1})

    assert _one_report(inbound_hub) == (1, 0, 0, None)

    assert not closed(xta_sim, stuck)
    assert closed(xta_sim, after)
    assert _one_report(inbound_hub) == (1, 0, 0, None)
    assert closed(xta_sim, stuck)
