"""A received case's content goes with the case: the retention purge and erasure remove the stored
XÖV message and its attachments with the submission made from it, the record's deletion the row.

Real XTA simulator on loopback and the real store (SQLite and PostgreSQL); the purge is the
product's own (``hub.store.purge``), run as ``hub purge`` and ``hub erase`` run it.
"""

from __future__ import annotations

import os

import httpx
from sqlalchemy import func, select

from connectors.xoev.xta import XtaClient, XtaContent
from hub.bootstrap import HubContext
from hub.store.purge import PurgeStore
from hub.store.tables import inbound_attachment, inbound_message
from tests.inbound.inbound_support import fresh_sample, put

ATTACHMENT = XtaContent(b"%PDF-1.7 Personalausweis " + os.urandom(256), "application/pdf", filename="ausweis.pdf")


def _received(ctx: HubContext) -> tuple[str, str]:
    report = ctx.inbound.poll()
    assert [(s.received, s.error) for s in report.sources] == [(1, None)]
    [case] = ctx.inbound.recent()
    shown = ctx.inbound.show(case.id)
    assert shown is not None
    assert shown.submission_id is not None
    assert shown.content is not None
    assert [p.data for p in shown.attachments] == [ATTACHMENT.data]
    return case.id, shown.submission_id


def _attachments(ctx: HubContext, message_id: str) -> int:
    with ctx.db.read() as conn:
        a = inbound_attachment.c
        query = select(func.count()).select_from(inbound_attachment).where(a.message_id == message_id)
        return int(conn.execute(query).scalar_one())


def test_erasing_a_case_removes_the_received_message_and_deleting_the_record_its_row(
    inbound_hub: HubContext, portal: XtaClient, xta_sim: httpx.Client
) -> None:
    # Given a business registration received from Gladbeck's Gewerbeamt box, with a PDF
    put(portal, fresh_sample(), (ATTACHMENT,))
    message_id, submission_id = _received(inbound_hub)

    # When its case is erased (as hub erase does: content now, record later)
    purge = PurgeStore(inbound_hub.db)
    assert purge.erase(submission_id, by="cli:test") is not None

    # Then the stored message and its attachments are gone, the row with its hashes stays
    shown = inbound_hub.inbound.show(message_id)
    assert shown is not None
    assert shown.content is None
    assert shown.sha256 is not None
    assert _attachments(inbound_hub, message_id) == 0

    # And when the record's metadata period is over, the row goes with the submission
    assert purge.delete_record(submission_id) is True
    with inbound_hub.db.read() as conn:
        left = conn.execute(select(func.count()).select_from(inbound_message)).scalar_one()
    assert left == 0
