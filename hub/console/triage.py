"""Triage of the destinations page: which destinations need the operator, why, and in what order.

Pure: it takes what the page has read (:class:`DestinationHealth`) and the time, and returns the
board the template shows (:func:`triage`). A destination is flagged, most urgent first, for

1. a circuit that is not closed (``circuit open, next probe in 12 min``, ``circuit half-open``),
2. dead letters (``12 dead``),
3. a growing backlog (``backlog 340, oldest 14 min``): deliveries wait (pending, retrying or in
   flight) and either the oldest has waited :attr:`Thresholds.oldest_waiting` or longer, or at
   least :attr:`Thresholds.backlog_floor` wait and that is more than the destination delivered in
   the last :attr:`Thresholds.drain_horizon` at the pace of the last hour (it is not draining),
4. a pause (``paused by console:anna``): the backlog builds until someone resumes it.

The flagged destinations lead the board as one group of their own, by their most urgent flag and
then the oldest waiting, so that nothing needing the operator hides below healthy rows. The
others follow grouped by municipality or by kind, in a stable order (groups by name, rows by the
other dimension and id) so that a refresh does not shuffle them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum

CIRCUIT_STATES = ("closed", "half-open", "open")
GROUPINGS = ("municipality", "kind")
REGION = "region"
"""The municipality filter's value for region-wide destinations (they have no AGS)."""

KIND_LABELS = {
    "fachverfahren-rest": "Fachverfahren REST",
    "fachverfahren-xdomea": "DMS (xdomea)",
    "bauportal-nrw": "Bauportal.NRW",
    "gewerbe-nrw": "Gewerbeserviceportal.NRW",
    "sozialplattform": "Sozialplattform",
    "fachverfahren-soap": "SOAP",
    "fachverfahren-filedrop": "SFTP",
    "xoev-xta": "XTA 2",
}
"""The target system each connector kind stands for, as operators name it."""


def kind_label(connector: str) -> str:
    """A plugin's connector unknown here is shown by its own name."""
    return KIND_LABELS.get(connector, connector)


def circuit_label(state: str) -> str:
    """``half_open`` as the workers store it reads ``half-open``."""
    return state.replace("_", "-")


def age_text(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    s = max(int(seconds), 0)
    return f"{s} s" if s < 120 else f"{s // 60} min" if s < 7200 else f"{s // 3600} h"


class Urgency(IntEnum):
    CIRCUIT = 0
    DEAD = 1
    BACKLOG = 2
    PAUSED = 3
    NONE = 9


@dataclass(frozen=True)
class Thresholds:
    oldest_waiting: timedelta = timedelta(minutes=10)
    backlog_floor: int = 20
    drain_horizon: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class DestinationHealth:
    """One destination as the page reads it: config, counts, last hour and operator controls."""

    id: str
    name: str
    municipality: str | None
    """The AGS; None for a region-wide destination."""
    municipality_name: str
    connector: str
    backlog: int = 0
    """Waiting for an attempt: pending and retrying."""
    in_flight: int = 0
    delivered: int = 0
    dead: int = 0
    delivered_series: tuple[int, ...] = ()
    """Delivered per bucket over the last hour, oldest bucket first."""
    failed_series: tuple[int, ...] = ()
    oldest_waiting: datetime | None = None
    """``queued_at`` of the oldest delivery still waiting or in flight."""
    circuit: str = "closed"
    circuit_open_until: datetime | None = None
    """When an open circuit lets the next probe through."""
    paused: bool = False
    paused_by: str | None = None

    @property
    def kind(self) -> str:
        return kind_label(self.connector)

    @property
    def delivered_hour(self) -> int:
        return sum(self.delivered_series)

    @property
    def failed_hour(self) -> int:
        return sum(self.failed_series)


@dataclass(frozen=True)
class Flag:
    urgency: Urgency
    reason: str


@dataclass(frozen=True)
class Triaged:
    health: DestinationHealth
    flags: tuple[Flag, ...]
    waiting_seconds: float | None
    """Age of the oldest waiting delivery (None: nothing waits)."""

    @property
    def urgency(self) -> Urgency:
        return min((f.urgency for f in self.flags), default=Urgency.NONE)

    @property
    def needs_attention(self) -> bool:
        return bool(self.flags)

    @property
    def circuit(self) -> str:
        return circuit_label(self.health.circuit)

    @property
    def oldest(self) -> str:
        return age_text(self.waiting_seconds)


@dataclass(frozen=True)
class Filters:
    municipality: str = ""
    """An AGS, :data:`REGION`, or empty for all."""
    kind: str = ""
    """A connector kind (``fachverfahren-rest``), or empty for all."""
    attention_only: bool = False
    circuit: str = ""
    """One of :data:`CIRCUIT_STATES`, or empty for all."""
    text: str = ""
    """Part of the destination's id or name, any case."""
    group_by: str = "municipality"

    def admits(self, row: Triaged) -> bool:
        h = row.health
        text = self.text.strip().casefold()
        return (
            (not self.municipality or (h.municipality or REGION) == self.municipality)
            and (not self.kind or h.connector == self.kind)
            and (not self.attention_only or row.needs_attention)
            and (not self.circuit or row.circuit == self.circuit)
            and (not text or text in h.id.casefold() or text in h.name.casefold())
        )


ATTENTION = "Needs attention"


@dataclass(frozen=True)
class Group:
    label: str
    rows: tuple[Triaged, ...]
    lead: bool = False
    """The group of every flagged destination, shown first."""


@dataclass(frozen=True)
class Summary:
    """Over every destination the operator may see, whatever the filters."""

    destinations: int
    attention: int
    circuits_not_closed: int
    with_dead: int
    dead: int
    with_backlog: int
    growing: int
    backlog: int
    oldest: Triaged | None


@dataclass(frozen=True)
class Board:
    summary: Summary
    groups: tuple[Group, ...]
    shown: int
    filters: Filters = field(default_factory=Filters)

    @property
    def rows(self) -> list[Triaged]:
        return [r for g in self.groups for r in g.rows]


def flags_of(
    h: DestinationHealth, waiting_seconds: float | None, limits: Thresholds, now: datetime
) -> tuple[Flag, ...]:
    flags: list[Flag] = []
    if h.circuit != "closed":
        probe = ""
        if h.circuit == "open" and h.circuit_open_until is not None and h.circuit_open_until > now:
            probe = f", next probe in {age_text((h.circuit_open_until - now).total_seconds())}"
        flags.append(Flag(Urgency.CIRCUIT, f"circuit {circuit_label(h.circuit)}{probe}"))
    if h.dead:
        flags.append(Flag(Urgency.DEAD, f"{h.dead} dead"))
    waiting = h.backlog + h.in_flight
    old = waiting_seconds is not None and waiting_seconds >= limits.oldest_waiting.total_seconds()
    pace = h.delivered_hour * (limits.drain_horizon / timedelta(hours=1))
    not_draining = h.backlog >= limits.backlog_floor and h.backlog > pace
    if waiting and (old or not_draining):
        what = f"backlog {h.backlog}" if h.backlog else f"{h.in_flight} in flight"
        pace_note = "" if old else f" ({h.delivered_hour} delivered in the last hour)"
        flags.append(Flag(Urgency.BACKLOG, f"{what}, oldest {age_text(waiting_seconds)}{pace_note}"))
    if h.paused:
        flags.append(Flag(Urgency.PAUSED, f"paused by {h.paused_by}" if h.paused_by else "paused"))
    return tuple(flags)


def _urgent_first(row: Triaged) -> tuple[int, float, int, int, str]:
    h = row.health
    return (row.urgency, -(row.waiting_seconds or 0.0), -h.dead, -h.backlog, h.id)


def _summary(rows: Sequence[Triaged]) -> Summary:
    waiting = [r for r in rows if r.waiting_seconds is not None]
    return Summary(
        destinations=len(rows),
        attention=sum(r.needs_attention for r in rows),
        circuits_not_closed=sum(r.health.circuit != "closed" for r in rows),
        with_dead=sum(r.health.dead > 0 for r in rows),
        dead=sum(r.health.dead for r in rows),
        with_backlog=sum(r.health.backlog > 0 for r in rows),
        growing=sum(any(f.urgency == Urgency.BACKLOG for f in r.flags) for r in rows),
        backlog=sum(r.health.backlog for r in rows),
        oldest=max(waiting, key=lambda r: r.waiting_seconds or 0.0, default=None),
    )


def _grouped(rows: Iterable[Triaged], *, by_kind: bool) -> tuple[Group, ...]:
    groups: dict[str, list[Triaged]] = {}
    for row in rows:
        groups.setdefault(row.health.kind if by_kind else row.health.municipality_name, []).append(row)

    def within(row: Triaged) -> tuple[str, str]:
        other = row.health.municipality_name if by_kind else row.health.kind
        return other.casefold(), row.health.id

    ordered = sorted(groups.items(), key=lambda group: group[0].casefold())
    return tuple(Group(label, tuple(sorted(members, key=within))) for label, members in ordered)


def triage(
    destinations: Iterable[DestinationHealth],
    *,
    now: datetime,
    filters: Filters | None = None,
    limits: Thresholds | None = None,
) -> Board:
    """The board: the summary over all ``destinations``, and the filtered ones grouped and ordered."""
    filters = filters or Filters()
    limits = limits or Thresholds()
    rows = []
    for h in destinations:
        age = None if h.oldest_waiting is None else (now - h.oldest_waiting).total_seconds()
        rows.append(Triaged(h, flags_of(h, age, limits, now), age))
    shown = [r for r in rows if filters.admits(r)]
    flagged = sorted((r for r in shown if r.needs_attention), key=_urgent_first)
    lead = (Group(ATTENTION, tuple(flagged), lead=True),) if flagged else ()
    rest = _grouped([r for r in shown if not r.needs_attention], by_kind=filters.group_by == "kind")
    return Board(_summary(rows), lead + rest, len(shown), filters)
