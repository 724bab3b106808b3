"""Leases on jobs that must run once across every worker process and node (the retention purge).

A process runs a job only while it holds the job's row in ``scheduled_job``: taking it is one
conditional ``UPDATE`` (free, expired, or already ours), so of any number of processes on any
number of nodes exactly one wins, on SQLite and PostgreSQL alike. The lease runs out by itself
when its holder dies; ``due`` keeps the job from running more often than its interval even when
the holder changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from hub.domain.clock import utcnow
from hub.store.db import Database
from hub.store.tables import scheduled_job


class ScheduledJobs:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _ensure(self, name: str) -> None:
        with self.db.read() as conn:
            if conn.execute(select(scheduled_job.c.name).where(scheduled_job.c.name == name)).first():
                return
        try:
            with self.db.write() as conn:
                conn.execute(insert(scheduled_job).values(name=name))
        except IntegrityError:
            pass  # another process made the row first

    def acquire(
        self, name: str, owner: str, *, lease: timedelta, every: timedelta, now: datetime | None = None
    ) -> bool:
        """Take the job's lease if it is free or expired and the job is due (last started ``every`` ago)."""
        self._ensure(name)
        now = now or utcnow()
        row = scheduled_job.c
        with self.db.write() as conn:
            taken = conn.execute(
                update(scheduled_job)
                .where(
                    row.name == name,
                    or_(row.lease_owner.is_(None), row.lease_expires_at <= now, row.lease_owner == owner),
                    or_(row.last_started_at.is_(None), row.last_started_at <= now - every),
                )
                .values(lease_owner=owner, lease_expires_at=now + lease, last_started_at=now)
            ).rowcount
        return bool(taken)

    def renew(self, name: str, owner: str, *, lease: timedelta, now: datetime | None = None) -> bool:
        """Extend a lease this owner holds (its start stays the run's); False when it was lost."""
        row = scheduled_job.c
        with self.db.write() as conn:
            kept = conn.execute(
                update(scheduled_job)
                .where(row.name == name, row.lease_owner == owner)
                .values(lease_expires_at=(now or utcnow()) + lease)
            ).rowcount
        return bool(kept)

    def release(self, name: str, owner: str, *, now: datetime | None = None) -> None:
        with self.db.write() as conn:
            conn.execute(
                update(scheduled_job)
                .where(scheduled_job.c.name == name, scheduled_job.c.lease_owner == owner)
                .values(lease_owner=None, lease_expires_at=None, last_finished_at=now or utcnow())
            )

    def make_due(self, name: str) -> None:
        """The next ask of any process runs the job (a platform announced work); a pass running now
        keeps its lease, so nothing runs twice at once: the next pass follows it."""
        self._ensure(name)
        with self.db.write() as conn:
            conn.execute(update(scheduled_job).where(scheduled_job.c.name == name).values(last_started_at=None))
