"""The inbound mailroom's runner: poll every configured source, store each message once, then confirm it.

For each message a source hands over (:mod:`hub.connectors.inbound`):

1. already stored (same platform id at this source, or a case with its XÖV ``nachrichtenUUID``)?
   Then it is confirmed at the platform again and nothing else happens: a crash between storing
   and confirming, or a second process, never makes a second case;
2. else its XÖV header is read (or taken from the source that checked it itself: FIT-Connect) and
   the domain decides case or quarantine (:mod:`hub.domain.inbound`); the message, its attachments
   and their SHA-256 hashes are stored in one transaction, and with them a case's submission and
   its deliveries to the source's destinations (:mod:`hub.service.inbound_cases`), nudged after
   the commit;
3. only then it is confirmed (XTA ``close``) and the row marked closed.

A transient error (the platform unreachable, the database down) ends that source's poll: what is
not confirmed stays waiting at the platform for the next poll. One process across every node
polls at a time (:data:`JOB`, a lease in ``scheduled_job``, renewed as messages are taken, at
most every quarter of the lease); the
worker processes poll every ``HUB_INBOUND_POLL_SECONDS`` (:class:`InboundSchedule`) and
``hub inbound poll`` polls at once.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import structlog

from hub.connectors.inbound import InboundSource, Received, SourceConfig
from hub.domain import inbound as decide
from hub.domain.clock import utcnow
from hub.domain.inbound import InboundState
from hub.errors import TransientError
from hub.schemas import SchemaCatalog
from hub.service.inbound_cases import CaseBuilder
from hub.service.periodic import Periodic
from hub.service.ports import Nudger
from hub.service.received_case import CaseMessage, NotACase
from hub.service.xoev_header import read_message
from hub.store.inbound import InboundDetail, InboundStore, InboundSummary, NewInbound, NewInboundPart
from hub.store.inbound_cases import case_writer
from hub.store.inbound_waiting import InboundWaiting
from hub.store.scheduled_jobs import ScheduledJobs
from hub.store.submissions import NewSubmission

log = structlog.get_logger(__name__)

JOB = "inbound-poll"

__all__ = ["JOB", "Inbound", "InboundSchedule", "PollReport", "SourceReport"]


@dataclass
class SourceReport:
    source_id: str
    received: int = 0
    quarantined: int = 0
    duplicates: int = 0
    error: str | None = None
    """Why the poll of this source stopped early (what is not confirmed waits for the next poll)."""


@dataclass
class PollReport:
    sources: list[SourceReport] = field(default_factory=list)
    busy: bool = False
    """Another process holds the poll's lease: nothing was polled here."""


class Inbound:
    def __init__(
        self,
        store: InboundStore,
        jobs: ScheduledJobs,
        sources: Mapping[str, SourceConfig],
        build: Callable[[SourceConfig], InboundSource],
        schemas: SchemaCatalog | None,
        owner: str,
        *,
        lease_seconds: float = 120.0,
        cases: CaseBuilder | None = None,
        nudger: Nudger | None = None,
        waiting: InboundWaiting | None = None,
    ) -> None:
        self.store = store
        self.jobs = jobs
        self.sources = sources
        self.build = build
        self.schemas = schemas
        self.owner = owner
        self.lease = timedelta(seconds=lease_seconds)
        self.cases = cases
        """Makes a case's submission and deliveries (docs/inbound.md); None: cases are stored undelivered."""
        self.nudger = nudger
        self.waiting = waiting
        """Keeps what each source still has waiting unanswered (the operators' 3- and 14-day warnings)."""

    def poll(self, *, every: float = 0.0, only: str | None = None) -> PollReport:
        """One pass over the sources (or the one named ``only``), if this process gets the lease.

        ``every``: the pass is skipped when the last one started less than this many seconds ago.
        """
        if not self.jobs.acquire(JOB, self.owner, lease=self.lease, every=timedelta(seconds=every)):
            return PollReport(busy=True)
        report = PollReport()
        lease = _Lease(self.jobs, self.owner, self.lease)
        try:
            for config in self.sources.values():
                if only is None or config.id == only:
                    report.sources.append(self._poll_source(config, lease))
        finally:
            self.jobs.release(JOB, self.owner)
        return report

    def recent(
        self, *, state: str | None = None, source_id: str | None = None, limit: int = 50
    ) -> list[InboundSummary]:
        return self.store.recent(state=state, source_id=source_id, limit=limit)

    def show(self, message_id: str) -> InboundDetail | None:
        return self.store.get(message_id)

    def _poll_source(self, config: SourceConfig, lease: _Lease) -> SourceReport:
        report = SourceReport(config.id)
        try:
            source = self.build(config)
        except Exception as exc:  # a configuration problem: this source waits, the others are polled
            report.error = str(exc)
            log.error("inbound_source_unusable", source=config.id, error=str(exc))
            return report
        try:
            for received in source.poll():
                self._take(config, source, received, report)
                if not lease.keep():
                    report.error = "the poll's lease was lost (took longer than HUB_INBOUND_LEASE_SECONDS)"
                    break
        except TransientError as exc:
            report.error = str(exc)
            log.warning("inbound_poll_interrupted", source=config.id, error=str(exc))
        except Exception as exc:
            # Not the platform's answer (a database outage, a bug): the message stays waiting there.
            report.error = f"{type(exc).__name__}"
            log.exception("inbound_poll_failed", source=config.id, error_type=type(exc).__name__)
        finally:
            self._keep_waiting(config, source)
            source.close()
        if report.received or report.quarantined or report.duplicates:
            log.info(
                "inbound_polled",
                source=config.id,
                received=report.received,
                quarantined=report.quarantined,
                duplicates=report.duplicates,
            )
        return report

    def _keep_waiting(self, config: SourceConfig, source: InboundSource) -> None:
        waiting = source.waiting() if self.waiting is not None else None
        if waiting is None or self.waiting is None:
            return
        try:
            self.waiting.record(config.id, waiting)
            overdue = [(w, u) for w in self.waiting.waiting(config.id) if (u := w.urgency(utcnow())) is not None]
        except Exception as exc:  # the warnings must not end the pass; the next one records again
            log.warning("inbound_waiting_not_recorded", source=config.id, error_type=type(exc).__name__)
            return
        for item, level in overdue:
            log.warning(
                "inbound_unanswered",
                source=config.id,
                external_id=item.external_id,
                days=item.age(utcnow()).days,
                urgency=level.value,
                reason=item.reason,
            )

    def _take(self, config: SourceConfig, source: InboundSource, received: Received, report: SourceReport) -> None:
        recorded = self.store.known(config.id, received.external_id)
        if recorded is None:
            new, submission = self._new(config, received)
            within = case_writer(self.store.db, submission) if submission is not None else None
            recorded = self.store.record(new, within=within)
            if recorded.created and recorded.state == InboundState.QUARANTINED:
                report.quarantined += 1
                log.warning("inbound_quarantined", source=config.id, message=recorded.id, reason=new.reason)
            elif recorded.created:
                report.received += 1
                if submission is not None and self.nudger is not None:
                    self.nudger.nudge((d.id, d.destination_id) for d in submission.deliveries)
        if not recorded.created:
            report.duplicates += 1
            log.info("inbound_already_received", source=config.id, message=recorded.id)
        message_id = recorded.id
        source.confirm(received)
        self.store.mark_closed(message_id)

    def _case(
        self, config: SourceConfig, case: CaseMessage, verdict: decide.Verdict
    ) -> tuple[NewSubmission | None, decide.Verdict]:
        """The case's submission and deliveries; none, and quarantine, if it cannot be delivered as configured."""
        if self.cases is None:
            return None, verdict
        try:
            return self.cases.submission(config, case), verdict
        except NotACase as exc:
            return None, decide.Verdict(InboundState.QUARANTINED, exc.reason, str(exc))

    def _new(self, config: SourceConfig, received: Received) -> tuple[NewInbound, NewSubmission | None]:
        if received.message is None:
            facts = decide.Received(too_large=True, header=None)
        elif received.identified is not None:
            known = received.identified
            read = decide.XoevHeader(known.standard, known.version, known.message_type, known.message_uuid)
            facts = decide.Received(too_large=False, header=read)
        else:
            facts = read_message(received.message.data, received.message.media_type, self.schemas)
        verdict = decide.verdict(facts, config.accepts, received.size, config.max_message_bytes)
        header = facts.header
        message = received.message
        inbound_id, submission = str(uuid.uuid4()), None
        parts = [_part(a.data, a.media_type, a.file_name) for a in received.attachments]  # hashed once
        if not verdict.quarantined and header is not None and message is not None:
            # An XÖV message is passed on as it is; a FIT-Connect submission's data is mapped.
            files = [(p.file_name, p.media_type, p.sha256, p.data) for p in parts]
            case = CaseMessage(inbound_id, header, message.data, message.media_type, files)
            submission, verdict = self._case(config, case, verdict)
        new = NewInbound(
            id=inbound_id,
            submission_id=submission.id if submission is not None else None,
            source_id=config.id,
            external_id=received.external_id,
            municipality=config.municipality,
            state=verdict.state.value,
            reader=received.reader,
            header=dict(received.header),
            size=received.size,
            destinations=list(config.destinations_for(header.message_type) if header else config.destinations),
            sender=received.sender,
            reason=verdict.reason.value if verdict.reason else None,
            detail=verdict.detail,
            message_uuid=header.message_uuid if header and not verdict.quarantined else None,
            header_uuid=header.message_uuid if header else None,
            standard=f"{header.standard}-{header.version}" if header else None,
            message_type=header.message_type if header else None,
            message=_part(message.data, message.media_type, message.file_name) if message else None,
            attachments=parts,
        )
        return new, submission


class _Lease:
    """The poll's lease while a pass runs: extended when a quarter of it has gone, not per message
    (one statement less for each message taken)."""

    def __init__(self, jobs: ScheduledJobs, owner: str, lease: timedelta) -> None:
        self.jobs, self.owner, self.lease = jobs, owner, lease
        self.renewed_at = time.monotonic()

    def keep(self) -> bool:
        now = time.monotonic()
        if now - self.renewed_at < self.lease.total_seconds() / 4:
            return True
        self.renewed_at = now
        return self.jobs.renew(JOB, self.owner, lease=self.lease)


def _part(data: bytes, media_type: str, file_name: str | None) -> NewInboundPart:
    return NewInboundPart(data, media_type, hashlib.sha256(data).hexdigest(), file_name)


class InboundSchedule:
    """Polls every ``interval`` seconds in whichever worker process holds the poll's lease."""

    def __init__(self, inbound: Inbound, *, interval: float) -> None:
        self.inbound = inbound
        self.interval = interval
        self._periodic = Periodic("inbound", self.tick, interval=interval, longest_wait=15.0)

    def tick(self) -> PollReport:
        return self.inbound.poll(every=self.interval)

    def start(self) -> None:
        if self.inbound.sources:
            self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()
