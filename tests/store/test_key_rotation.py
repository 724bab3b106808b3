"""``hub keys rotate``: thousands of rows re-sealed under the new key, surviving a SIGKILL half-way.

The rows are written fast through the store (not over HTTP): most under the old key, some in
plaintext as written before encryption was on. Each delivery also has a receiver's receipt and
error text and a ``dead`` event whose reason quotes the applicant, sealed (or plain) the same way.
The rotation runs as a real ``hub`` process, is killed with SIGKILL once its progress shows it is
under way, and is run again; afterwards a keyring holding only the new key opens every row, and
``hub keys status`` counts none under the old.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import bindparam, update

from hub.config import PROJECT_ROOT
from hub.domain.message import OutboundMessage
from hub.domain.states import EventKind
from hub.sealing import Keyring, Sealer, SealError, generate_key
from hub.store import sealed_columns as contexts
from hub.store.clients import ClientStore
from hub.store.db import Database
from hub.store.deliveries import DeliveryStore
from hub.store.events import event_row, insert_events
from hub.store.inbound import InboundStore, NewInbound, NewInboundPart
from hub.store.operator_views import OperatorViews
from hub.store.sealed_columns import PLAINTEXT, status
from hub.store.submissions import NewAttachment, NewDelivery, NewSubmission, SubmissionStore
from hub.store.tables import delivery
from tests.support.cli import clean_environ, describe

SEALED_UNDER_OLD, PLAIN = 1500, 200
INBOUND_UNDER_OLD, INBOUND_PLAIN = 30, 10  # messages received from an XTA box, each with one attachment
OLD = Keyring("old", {"old": generate_key()})
BOTH = OLD.with_new_current("new")
ONLY_NEW = Keyring("new", {"new": BOTH.keys["new"]})


def message(message_id: str, name: str) -> OutboundMessage:
    return OutboundMessage(message_id, "text/plain", name.encode())


def write_rows(url: str, sealer: Sealer, client_id: str, count: int) -> list[str]:
    db = Database(url, sealer=sealer)
    store, ids = SubmissionStore(db), []
    answers: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    now = datetime.now(UTC)
    for i in range(count):
        sid, did = str(uuid.uuid4()), str(uuid.uuid4())
        name = f"Erika Mustermann {i}"
        store.create(
            NewSubmission(
                id=sid, client_id=client_id, service="hundesteuer-anmeldung", municipality="05562014",
                portal_reference=f"R-{i}", idempotency_key=None, request_hash="0" * 64,
                envelope={"applicant": {"familyName": name}}, received_at=now,
                attachments=[NewAttachment(f"Lohnabrechnung_{i}.pdf", "application/pdf", "0" * 64, name.encode())],
                deliveries=[NewDelivery(did, "backoffice", message(sid, name))],
            )
        )  # fmt: skip
        answers.append({"b_id": did, "b_receipt": sealer.seal_json({"reference": name}, contexts.receipt(did)),
                        "b_error": sealer.seal_text(f"422 {name} unbekannt", contexts.last_error(did))})  # fmt: skip
        events.append(event_row(sid, did, EventKind.DEAD, now, {"destination": "backoffice", "reason": name}, sealer))
        ids.append(sid)
    with db.write() as conn:
        conn.execute(
            update(delivery)
            .where(delivery.c.id == bindparam("b_id"))
            .values(receipt=bindparam("b_receipt"), last_error=bindparam("b_error"), last_error_kind="refused"),
            answers,
        )
        insert_events(conn, events)
    db.dispose()
    return ids


def write_inbound(url: str, sealer: Sealer, count: int) -> list[str]:
    store, ids = InboundStore(Database(url, sealer=sealer)), []
    for _ in range(count):
        name = f"Max Gewerbetreibender {uuid.uuid4()}"
        recorded = store.record(
            NewInbound(
                source_id="gladbeck-gewerbeamt-xta", external_id=str(uuid.uuid4()), municipality="05562014",
                state="quarantined", reader="dvdv:05562014-gewerbeamt", header={}, size=len(name),
                destinations=[], reason="unparseable",
                message=NewInboundPart(name.encode(), "application/xml", "0" * 64),
                attachments=[NewInboundPart(name.encode(), "application/pdf", "0" * 64, f"Ausweis {name}.pdf")],
            )
        )  # fmt: skip
        ids.append(recorded.id)
    store.db.dispose()
    return ids


def keys_cli(url: str, keyring: Keyring, *args: str) -> subprocess.Popen[str]:
    env = {**clean_environ(), "HUB_DATABASE_URL": url, "HUB_DATA_KEYS": keyring.to_json().decode(),
           "HUB_LOG_LEVEL": "WARNING", "COLUMNS": "250"}  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "hub", "keys", *args], env=env, cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def counts(url: str) -> dict[str, dict[str, int]]:
    db = Database(url)
    try:
        return {column: dict(counter) for column, counter in status(db).items()}
    finally:
        db.dispose()


def test_a_rotation_killed_half_way_and_resumed_leaves_every_row_under_the_new_key(database_url: str) -> None:
    # Given rows under the old key and rows in plaintext
    setup = Database(database_url)
    setup.upgrade()
    client, _ = ClientStore(setup).create("portal-rotation", ["*"])
    setup.dispose()
    ids = write_rows(database_url, Sealer(OLD), client.id, SEALED_UNDER_OLD)
    ids += write_rows(database_url, Sealer(None), client.id, PLAIN)
    inbound = write_inbound(database_url, Sealer(OLD), INBOUND_UNDER_OLD)
    inbound += write_inbound(database_url, Sealer(None), INBOUND_PLAIN)
    assert counts(database_url)["delivery.payload"] == {"old": SEALED_UNDER_OLD, PLAINTEXT: PLAIN}

    # When a rotation to the new key is killed with SIGKILL once it has re-sealed a good part
    first = keys_cli(database_url, BOTH, "rotate", "--batch-size", "50")
    assert first.stdout is not None
    for line in first.stdout:
        if line.startswith("rotated ") and int(line.split()[1].split("/")[0]) >= SEALED_UNDER_OLD:
            first.send_signal(signal.SIGKILL)
            break
    assert first.wait(timeout=60) == -signal.SIGKILL, first.stderr.read() if first.stderr else ""
    half_way = counts(database_url)
    assert half_way["submission.envelope"].get("new", 0) >= SEALED_UNDER_OLD
    assert half_way["delivery.payload"].get("old", 0) + half_way["delivery.payload"].get(PLAINTEXT, 0) > 0

    # And run again to its end
    second = keys_cli(database_url, BOTH, "rotate", "--batch-size", "500")
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, describe(subprocess.CompletedProcess(second.args, second.returncode, out, err))

    # Then every value is under the new key, none under the old one nor in plaintext
    after = counts(database_url)
    total = SEALED_UNDER_OLD + PLAIN
    expected = {c: {"new": total} for c in ("submission.envelope", "attachment.content",
                                             "attachment.file_name", "delivery.payload", "delivery.receipt",
                                             "delivery.last_error", "event.detail")}  # fmt: skip
    received = INBOUND_UNDER_OLD + INBOUND_PLAIN
    expected |= {c: {"new": received} for c in ("inbound_message.content", "inbound_attachment.content",
                                                 "inbound_attachment.file_name")}  # fmt: skip
    expected |= {c: {} for c in ("reply.text", "reply.documents")}  # none written here (tests/replies)
    assert after == expected
    status_out, _ = keys_cli(database_url, ONLY_NEW, "status").communicate(timeout=60)
    assert "unprotected values: 0" in status_out
    assert " old " not in status_out

    # And a keyring holding only the new key opens every row
    db = Database(database_url, sealer=Sealer(ONLY_NEW))
    store, views, deliveries = SubmissionStore(db), OperatorViews(db), DeliveryStore(db)
    for i, sid in enumerate(ids):
        number = i if i < SEALED_UNDER_OLD else i - SEALED_UNDER_OLD
        name = f"Erika Mustermann {number}"
        assert store.envelope(sid) == {"applicant": {"familyName": name}}
        [message] = views.mapped_messages(sid)
        assert message.payload == name.encode()
        [attachment] = deliveries.attachments(sid)
        assert (attachment.file_name, attachment.content) == (f"Lohnabrechnung_{number}.pdf", name.encode())
        view = store.get(sid)
        assert view is not None
        assert (view.deliveries[0].receipt, view.deliveries[0].last_error) == (
            {"reference": name},
            f"422 {name} unbekannt",
        )
        [dead] = [e for e in store.events(sid) if e.kind == EventKind.DEAD.value]
        assert dead.detail == {"destination": "backoffice", "reason": name}
    for message_id in inbound:
        detail = InboundStore(db).get(message_id)
        assert detail is not None
        assert detail.content is not None
        [part] = detail.attachments
        assert part.file_name == f"Ausweis {detail.content.decode()}.pdf"
        assert part.data == detail.content
    db.dispose()
    # while the old key alone opens nothing any more
    old_only = Database(database_url, sealer=Sealer(OLD))
    with pytest.raises(SealError, match="'new'"):
        SubmissionStore(old_only).envelope(ids[0])
    old_only.dispose()
