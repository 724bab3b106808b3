"""The retention purge and erasure on request: the use cases over the purge store and the audit log.

``Retention.run`` is one pass: the content of every finished submission past its period goes, then
every record past its metadata period. Each submission is purged in its own transaction, so a pass
can stop anywhere (a crash, SIGTERM) and the next one carries on. Runs by itself in the worker
processes, one process at a time across every node (:class:`PurgeSchedule`, a lease in the
database), and as ``hub purge``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import structlog

from hub.domain.clock import utcnow
from hub.domain.retention import RetentionRules
from hub.service.periodic import Periodic
from hub.store.audit import AuditLog
from hub.store.purge import NotFound as SubmissionNotFound
from hub.store.purge import PurgeStore
from hub.store.scheduled_jobs import ScheduledJobs

log = structlog.get_logger(__name__)

JOB = "retention-purge"

__all__ = ["JOB", "PurgeReport", "PurgeSchedule", "Retention", "SubmissionNotFound"]


@dataclass
class PurgeReport:
    content: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)
    dry_run: bool = False


class Retention:
    def __init__(self, store: PurgeStore, rules: RetentionRules, audit: AuditLog) -> None:
        self.store = store
        self.rules = rules
        self.audit = audit

    def run(self, *, actor: str, dry_run: bool = False, progress: Callable[[int], None] | None = None) -> PurgeReport:
        now = utcnow()
        report = PurgeReport(dry_run=dry_run)
        while True:
            batch = self.store.content_candidates(self.rules, now)
            fresh = [c for c in batch if c.id not in report.content]
            if not fresh:
                break
            for candidate in fresh:
                if dry_run or self.store.purge_content(candidate.id, "retention", by=actor, now=now):
                    report.content.append(candidate.id)
                if progress:
                    progress(1)
            if dry_run:
                break
        for submission_id, _ in self.store.record_candidates(self.rules, now):
            if dry_run or self.store.delete_record(submission_id):
                report.records.append(submission_id)
        if not dry_run and (report.content or report.records):
            log.info("retention_purged", content=len(report.content), records=len(report.records), actor=actor)
            self.audit.record(actor, "purge", items=report.content, detail={"records_deleted": len(report.records)})
        return report

    def refused_replays(self, delivery_ids: list[str] | None) -> dict[str, str]:
        """Why a replay of these dead deliveries is refused (content purged): id -> reason."""
        purged = self.store.purged_dead_letters(list(delivery_ids or []))
        return {d: refusal(reason) for d, reason in purged.items()}

    def erase(
        self, submission_id: str, *, actor: str, reason: str, scope: Sequence[str] | None = None
    ) -> list[str] | None:
        """Remove the content at once (an applicant's request, Art. 17 GDPR); the cancelled deliveries.

        ``scope``: the municipalities the actor may act for (None: all); outside it the submission is
        not found. None is returned when the content was already gone.
        """
        cancelled = self.store.erase(submission_id, by=actor, scope=scope)
        if cancelled is not None:
            log.info("submission_erased", submission=submission_id, cancelled=len(cancelled), actor=actor)
            self.audit.record(actor, "erase", target=submission_id, items=cancelled, detail={"reason": reason})
        return cancelled


def refusal(reason: str) -> str:
    return f"its submission's content was purged ({reason}): there is nothing left to send"


class PurgeSchedule:
    """Runs the purge every ``interval`` in whichever worker process holds the job's lease."""

    def __init__(self, retention: Retention, jobs: ScheduledJobs, owner: str, *, interval: float) -> None:
        self.retention = retention
        self.jobs = jobs
        self.owner = owner
        self.interval = interval
        self._periodic = Periodic("purge", self.tick, interval=interval, longest_wait=30.0)

    def tick(self) -> PurgeReport | None:
        """One try: the pass's report if this process took the lease, else None."""
        every = timedelta(seconds=self.interval)
        if not self.jobs.acquire(JOB, self.owner, lease=max(every, timedelta(minutes=10)), every=every):
            return None
        try:
            return self.retention.run(actor=f"worker:{self.owner}")
        finally:
            self.jobs.release(JOB, self.owner)

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()
