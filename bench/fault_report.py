"""What the fault suite measures once the faults are over: the drain, then the database and the receiver.

Definitions (per accepted submission, i.e. one that got a 202):

- **delivered**: every delivery of it is ``delivered`` and the receiver holds its message id.
- **lost**: missing from the database, or a delivery that is neither delivered nor dead nor
  retrying with a recorded error (nothing says why it has not arrived), or marked delivered
  while the receiver never stored it.
- **stuck**: a delivery still not settled (delivered or dead) when the drain limit passed.
- **duplicate sends**: posts the receiver discarded as repeats of a message id it had stored.
- **parallel sends**: posts that reached the receiver while another post of the same message id
  to the same system was still being answered (the back-office simulator counts them).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from hub.sealing.sealer import SEALED_TEXT_PREFIX
from hub.store.tables import delivery, submission

SETTLED = ("delivered", "dead")
DRAIN_TARGET_SECONDS = 60.0


def unsettled(engine: Engine) -> dict[str, int] | None:
    """Deliveries not yet delivered or dead, by state; None while the database does not answer."""
    query = select(delivery.c.state, func.count()).where(delivery.c.state.not_in(SETTLED)).group_by(delivery.c.state)
    try:
        with engine.connect() as conn:
            return {str(state): int(n) for state, n in conn.execute(query)}
    except SQLAlchemyError:
        return None


def oldest_unsettled(engine: Engine, limit: int = 3) -> list[str]:
    """A line for each of the longest-waiting unsettled deliveries: why the drain is not over."""
    query = (
        select(
            delivery.c.destination_id,
            delivery.c.state,
            delivery.c.attempts,
            delivery.c.next_attempt_at,
            delivery.c.lease_expires_at,
            delivery.c.last_error,
            delivery.c.last_error_kind,
        )
        .where(delivery.c.state.not_in(SETTLED))
        .order_by(delivery.c.created_at)
        .limit(limit)
    )
    try:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    except SQLAlchemyError:
        return []
    return [
        f"{r.destination_id} {r.state}, {r.attempts} attempts, next {_at(r.next_attempt_at)}, "
        f"lease until {_at(r.lease_expires_at)}, last error: {_reason(r.last_error, r.last_error_kind)}"
        for r in rows
    ]


def _at(value: datetime | None) -> str:
    return value.strftime("%H:%M:%S") if value is not None else "-"


def wait_drained(engine: Engine, deadline: float, say: Callable[[str], None]) -> float | None:
    """Poll until every delivery is settled; the monotonic instant it was, or None past ``deadline``."""
    last_said = 0.0
    while True:
        waiting = unsettled(engine)
        now = time.monotonic()
        if waiting == {}:
            return now
        if now > deadline:
            return None
        if now - last_said >= 5:
            last_said = now
            what = waiting if waiting is not None else "the database"
            say(f"drain at {datetime.now(UTC):%H:%M:%S}: waiting for {what}")
            for line in oldest_unsettled(engine):
                say(f"    {line}")
        time.sleep(0.25)


@dataclass
class Findings:
    posted: int
    accepted: int
    delivered: int = 0
    lost: int = 0
    stuck: int = 0
    dead: int = 0
    duplicates: int | None = None
    parallel: int | None = None
    drain_seconds: float | None = None
    """From the end of the last fault until every delivery was settled (None: not within the limit)."""
    dead_reasons: Counter[str] = field(default_factory=Counter)
    stuck_states: Counter[str] = field(default_factory=Counter)
    lost_examples: list[str] = field(default_factory=list)
    attempts: Counter[int] = field(default_factory=Counter)
    orphaned_workers: list[int] = field(default_factory=list)
    """Worker processes left running by a worker parent the suite SIGKILLed (shown, not checked)."""

    def checks(self) -> list[tuple[str, bool]]:
        drained = self.drain_seconds is not None and self.drain_seconds <= DRAIN_TARGET_SECONDS
        return [
            (f"every posted submission accepted ({self.accepted}/{self.posted})", self.accepted == self.posted),
            (f"0 lost ({self.lost})", self.lost == 0),
            (f"0 stuck ({self.stuck})", self.stuck == 0),
            (f"every accepted delivered ({self.delivered}/{self.accepted})", self.delivered == self.accepted),
            (
                f"drain within {DRAIN_TARGET_SECONDS:.0f}s after the last fault ({_seconds(self.drain_seconds)})",
                drained,
            ),
            (f"0 parallel sends ({_count(self.parallel)})", self.parallel == 0),
        ]


def measure(
    database_url: str, accepted: dict[str, str], posted: int, received: set[str], stats: dict[str, Any]
) -> Findings:
    """Compare what the portals were promised (``accepted``) with the database and the receiver."""
    findings = Findings(posted=posted, accepted=len(accepted))
    findings.duplicates = _stat(stats, "duplicates")
    findings.parallel = _stat(stats, "parallel")
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    submission.c.id,
                    delivery.c.state,
                    delivery.c.last_error,
                    delivery.c.last_error_kind,
                    delivery.c.message_id,
                    delivery.c.attempts,
                ).join(delivery, delivery.c.submission_id == submission.c.id, isouter=True)
            ).all()
    finally:
        engine.dispose()
    by_submission: dict[str, list[Any]] = {}
    for row in rows:
        by_submission.setdefault(row.id, []).append(row)
    for submission_id in accepted.values():
        _judge(findings, submission_id, by_submission.get(submission_id, []), received)
    return findings


def _judge(findings: Findings, submission_id: str, rows: list[Any], received: set[str]) -> None:
    deliveries = [r for r in rows if r.state is not None]
    if not deliveries:
        findings.lost += 1
        findings.lost_examples.append(f"{submission_id}: accepted but not in the database")
        return
    lost = stuck = False
    for row in deliveries:
        findings.attempts[int(row.attempts)] += 1
        if row.state == "delivered":
            if row.message_id not in received:
                lost = True
                findings.lost_examples.append(f"{submission_id}: delivered, yet the receiver never stored it")
        elif row.state == "dead":
            findings.dead += 1
            findings.dead_reasons[_reason(row.last_error, row.last_error_kind)] += 1
        else:
            stuck = True
            findings.stuck_states[row.state] += 1
            if not (row.state == "retrying" and row.last_error):
                lost = True
                findings.lost_examples.append(f"{submission_id}: {row.state} without a recorded error")
    findings.lost += lost
    findings.stuck += stuck
    if all(r.state == "delivered" and r.message_id in received for r in deliveries):
        findings.delivered += 1


def _reason(error: str | None, kind: str | None) -> str:
    # With a keyring the text is sealed (it may quote a receiver): the report groups by its kind then.
    if error is not None and error.startswith(SEALED_TEXT_PREFIX):
        return f"{kind or 'unknown'} (text sealed)"
    return (error or "no error recorded")[:100]


def _stat(stats: dict[str, Any], name: str) -> int | None:
    value = stats.get(name)
    return int(value) if isinstance(value, int) else None


def _seconds(value: float | None) -> str:
    return f"{value:.1f}s" if value is not None else "not drained"


def _count(value: int | None) -> str:
    return str(value) if value is not None else "not measured: the simulator does not count them"


def report(findings: Findings, outcomes: Counter[str], say: Callable[[str], None] = print) -> int:
    """Print the figures and the checks; returns how many checks failed."""
    say(f"accepted:          {findings.accepted} of {findings.posted} posted (portal saw {dict(outcomes)})")
    say(f"delivered:         {findings.delivered}")
    say(f"lost:              {findings.lost}")
    for example in findings.lost_examples[:5]:
        say(f"    {example}")
    say(f"dead:              {findings.dead} {dict(findings.dead_reasons.most_common(5))}")
    say(f"stuck:             {findings.stuck} {dict(findings.stuck_states)}")
    say(f"duplicate sends:   {_count(findings.duplicates)} (discarded by the receiver as repeats)")
    say(f"parallel sends:    {_count(findings.parallel)}")
    say(f"attempts per delivery: {dict(sorted(findings.attempts.items()))}")
    say(f"orphaned worker processes of killed parents: {len(findings.orphaned_workers)} {findings.orphaned_workers}")
    say(f"time to drain after the last fault: {_seconds(findings.drain_seconds)}")
    failed = 0
    for name, ok in findings.checks():
        say(f"check {'PASS' if ok else 'FAIL'}: {name}")
        failed += not ok
    passed = len(findings.checks()) - failed
    say(f"{passed} passed, {failed} failed")
    return failed
