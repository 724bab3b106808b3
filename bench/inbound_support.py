"""Pieces of the inbound benchmark (bench.inbound): filling the box, watching the poll, the figures.

The box is filled as Gewerbeserviceportal.NRW would fill it: the KoSIT XGewerbeanzeige 2.2 sample
(a Gewerbeanmeldung), each copy with a fresh ``nachrichtenUUID``, sent over XTA 2 (``sendMessage``)
into the reader box of Gladbeck's Gewerbeamt by the tests' portal account
(tests/inbound/inbound_support.py, the same builders the inbound tests use).
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from connectors.xoev.xta import XtaClient
from hub.store.db import Database
from hub.store.tables import delivery, inbound_message, scheduled_job, submission
from tests.inbound.inbound_support import PORTAL, SOURCE_ID, metadata, sample
from tests.xta.xta_support import WSDL, settings_for

POLL_JOB = "inbound-poll"
INBOUND_SERVICE = f"inbound:{SOURCE_ID}"


def fill_box(xta_url: str, count: int, *, senders: int = 4) -> float:
    """Put ``count`` distinct XGewerbeanzeige messages into the Gewerbeamt's box; the seconds it took."""
    started = time.perf_counter()
    per_sender = [range(i, count, senders) for i in range(senders)]

    def send(indexes: range) -> None:
        with XtaClient(settings_for(WSDL, xta_url, PORTAL)) as portal:
            for _ in indexes:
                portal.send_and_confirm(sample(str(uuid.uuid4())), metadata(), [])

    with ThreadPoolExecutor(max_workers=senders) as pool:
        for done in pool.map(send, per_sender):
            del done
    return time.perf_counter() - started


def first_poll_started(db: Database) -> datetime | None:
    """When the poll pass now running (or the last one) started; None before the first."""
    with db.read() as conn:
        query = select(scheduled_job.c.last_started_at).where(scheduled_job.c.name == POLL_JOB)
        started: datetime | None = conn.execute(query).scalar_one_or_none()
    return started


def delivered(db: Database, *, inbound: bool) -> int:
    """Deliveries delivered, of received cases (``inbound``) or of portal submissions."""
    service = submission.c.service == INBOUND_SERVICE
    with db.read() as conn:
        query = (
            select(func.count())
            .select_from(delivery.join(submission, delivery.c.submission_id == submission.c.id))
            .where(delivery.c.state == "delivered", service if inbound else ~service)
        )
        return int(conn.execute(query).scalar_one())


@dataclass(frozen=True)
class Figures:
    """What a phase measured: how many, over how long, and the latencies."""

    delivered: int
    total: int
    span: float
    p50: float
    p99: float
    last_delivered: datetime

    @property
    def rate(self) -> float:
        return self.delivered / self.span if self.span > 0 else 0.0

    def summary(self, unit: str) -> str:
        return (
            f"{self.delivered}/{self.total} delivered in {self.span:.2f}s = {self.rate:,.1f} {unit}/s, "
            f"p50 {self.p50 * 1000:.0f} ms, p99 {self.p99 * 1000:.0f} ms"
        )


def _figures(pairs: list[tuple[datetime, datetime | None]], first: datetime) -> Figures:
    done = [(start, end) for start, end in pairs if end is not None]
    if not done:
        raise RuntimeError("nothing was delivered")
    latencies = sorted((end - start).total_seconds() for start, end in done)
    last = max(end for _, end in done)
    return Figures(
        delivered=len(done),
        total=len(pairs),
        span=(last - first).total_seconds(),
        p50=latencies[len(latencies) // 2],
        p99=latencies[min(int(len(latencies) * 0.99), len(latencies) - 1)],
        last_delivered=last,
    )


def inbound_figures(db: Database, first_poll: datetime) -> Figures:
    """From the first poll to the last delivery at the back office; latency: stored (received) → delivered."""
    with db.read() as conn:
        rows = conn.execute(
            select(inbound_message.c.received_at, delivery.c.delivered_at).join(
                delivery, delivery.c.submission_id == inbound_message.c.submission_id
            )
        ).all()
    return _figures([(r.received_at, r.delivered_at) for r in rows], first_poll)


def outbound_figures(db: Database) -> Figures:
    """As bench.e2e: from the first accepted submission to the last delivered; accepted → delivered."""
    with db.read() as conn:
        rows = conn.execute(
            select(submission.c.received_at, delivery.c.delivered_at)
            .join(delivery, delivery.c.submission_id == submission.c.id)
            .where(submission.c.service != INBOUND_SERVICE)
        ).all()
    return _figures([(r.received_at, r.delivered_at) for r in rows], min(r.received_at for r in rows))


def wait_delivered(db: Database, count: int, *, inbound: bool, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if delivered(db, inbound=inbound) >= count:
            return True
        time.sleep(0.1)
    return False
