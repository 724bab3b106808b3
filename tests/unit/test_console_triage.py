"""The destinations page's triage: what is flagged and why, the order, the groups, filters, summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.console.triage import DestinationHealth, Filters, Thresholds, Urgency, age_text, triage

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
GLADBECK, HERTEN = "05562014", "05562020"
QUIET = (0,) * 12


def health(
    id: str, municipality: str | None = GLADBECK, connector: str = "fachverfahren-rest", **facts: object
) -> DestinationHealth:
    name = {GLADBECK: "Gladbeck", HERTEN: "Herten"}.get(municipality or "", "Region")
    values: dict[str, object] = {"delivered_series": QUIET, "failed_series": QUIET, **facts}
    return DestinationHealth(id, f"{id} name", municipality, name, connector, **values)  # type: ignore[arg-type]


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def ids(destinations: list[DestinationHealth], **filters: object) -> list[str]:
    board = triage(destinations, now=NOW, filters=Filters(**filters))  # type: ignore[arg-type]
    return [r.health.id for r in board.rows]


def test_open_circuit_then_dead_letters_then_growing_backlog_then_paused_then_the_healthy() -> None:
    # Given destinations of one municipality, each with one kind of trouble, and two healthy ones
    destinations = [
        health("a-healthy"),
        health("b-paused", paused=True, paused_by="console:anna"),
        health("c-backlog", backlog=30, oldest_waiting=ago(14)),
        health("d-dead", dead=12),
        health("e-open", circuit="open", circuit_open_until=NOW + timedelta(seconds=30)),
        health("f-busy-but-fine", backlog=3, oldest_waiting=ago(1), delivered_series=(5,) * 12),
    ]

    # When they are triaged
    board = triage(destinations, now=NOW)

    # Then the most urgent come first and the healthy follow in their stable (kind, id) order
    assert [r.health.id for r in board.rows] == [
        "e-open", "d-dead", "c-backlog", "b-paused", "a-healthy", "f-busy-but-fine"
    ]  # fmt: skip
    reasons = {r.health.id: [f.reason for f in r.flags] for r in board.rows}
    assert reasons["e-open"] == ["circuit open, next probe in 30 s"]
    assert reasons["d-dead"] == ["12 dead"]
    assert reasons["c-backlog"] == ["backlog 30, oldest 14 min"]
    assert reasons["b-paused"] == ["paused by console:anna"]
    assert reasons["a-healthy"] == reasons["f-busy-but-fine"] == []


def test_within_one_urgency_the_oldest_waiting_comes_first() -> None:
    destinations = [
        health("dead-young", dead=1, backlog=1, oldest_waiting=ago(2)),
        health("dead-old", dead=1, backlog=1, oldest_waiting=ago(40)),
        health("dead-none-waiting", dead=5),
    ]
    assert ids(destinations) == ["dead-old", "dead-young", "dead-none-waiting"]


def test_a_row_with_several_troubles_names_each_and_ranks_by_the_worst() -> None:
    board = triage(
        [health("calm"), health("both", dead=2, circuit="half_open", backlog=340, oldest_waiting=ago(14))], now=NOW
    )
    first = board.rows[0]
    assert first.health.id == "both"
    assert first.urgency == Urgency.CIRCUIT
    assert [f.reason for f in first.flags] == ["circuit half-open", "2 dead", "backlog 340, oldest 14 min"]
    assert first.circuit == "half-open"


def test_a_backlog_is_growing_when_old_or_when_it_outruns_the_last_hours_pace() -> None:
    limits = Thresholds(oldest_waiting=timedelta(minutes=10), backlog_floor=20, drain_horizon=timedelta(minutes=15))
    # 120 delivered in the last hour: 30 in a quarter of an hour
    pace = (10,) * 12
    cases = {
        "young-small": health("young-small", backlog=19, oldest_waiting=ago(1)),
        "young-draining": health("young-draining", backlog=30, oldest_waiting=ago(1), delivered_series=pace),
        "young-outrunning": health("young-outrunning", backlog=31, oldest_waiting=ago(1), delivered_series=pace),
        "old-single": health("old-single", backlog=1, oldest_waiting=ago(10)),
        "stuck-in-flight": health("stuck-in-flight", in_flight=1, oldest_waiting=ago(25)),
    }
    board = triage(cases.values(), now=NOW, limits=limits)
    reasons = {r.health.id: [f.reason for f in r.flags] for r in board.rows}
    assert reasons["young-small"] == []
    assert reasons["young-draining"] == []
    assert reasons["young-outrunning"] == ["backlog 31, oldest 60 s (120 delivered in the last hour)"]
    assert reasons["old-single"] == ["backlog 1, oldest 10 min"]
    assert reasons["stuck-in-flight"] == ["1 in flight, oldest 25 min"]


def test_the_flagged_lead_as_their_own_group_and_the_rest_follow_by_municipality_then_kind() -> None:
    destinations = [
        health("gla-rest", GLADBECK, dead=1),
        health("gla-dms", GLADBECK, "fachverfahren-xdomea"),
        health("gla-soap", GLADBECK, "fachverfahren-soap"),
        health("her-rest", HERTEN),
        health("her-soap", HERTEN, "fachverfahren-soap", circuit="open"),
        health("region-bau", None, "bauportal-nrw"),
    ]
    board = triage(destinations, now=NOW)
    assert [(g.label, g.lead, [r.health.id for r in g.rows]) for g in board.groups] == [
        ("Needs attention", True, ["her-soap", "gla-rest"]),
        ("Gladbeck", False, ["gla-dms", "gla-soap"]),  # DMS (xdomea) before SOAP
        ("Herten", False, ["her-rest"]),
        ("Region", False, ["region-bau"]),
    ]


def test_groups_by_kind_use_the_target_systems_names_and_then_the_municipality() -> None:
    destinations = [
        health("her-rest", HERTEN),
        health("gla-rest", GLADBECK),
        health("gla-sftp", GLADBECK, "fachverfahren-filedrop", dead=1),
        health("gew", None, "gewerbe-nrw"),
        health("sozial", None, "sozialplattform"),
        health("plugin", None, "acme-connector"),
    ]
    board = triage(destinations, now=NOW, filters=Filters(group_by="kind"))
    assert [(g.label, [r.health.id for r in g.rows]) for g in board.groups] == [
        ("Needs attention", ["gla-sftp"]),
        ("acme-connector", ["plugin"]),
        ("Fachverfahren REST", ["gla-rest", "her-rest"]),
        ("Gewerbeserviceportal.NRW", ["gew"]),
        ("Sozialplattform", ["sozial"]),
    ]


def test_nothing_flagged_has_no_lead_group() -> None:
    board = triage([health("gla-rest"), health("her-rest", HERTEN)], now=NOW)
    assert [g.label for g in board.groups] == ["Gladbeck", "Herten"]


def test_filters_narrow_the_rows_but_not_the_summary() -> None:
    destinations = [
        health("gladbeck-fachverfahren", GLADBECK, dead=3),
        health("gladbeck-dms", GLADBECK, "fachverfahren-xdomea", backlog=5, oldest_waiting=ago(3)),
        health("herten-fachverfahren", HERTEN, circuit="open", backlog=2, oldest_waiting=ago(20)),
        health("bauportal", None, "bauportal-nrw"),
    ]
    assert ids(destinations, municipality=HERTEN) == ["herten-fachverfahren"]
    assert ids(destinations, municipality="region") == ["bauportal"]
    assert ids(destinations, kind="fachverfahren-rest") == ["herten-fachverfahren", "gladbeck-fachverfahren"]
    assert ids(destinations, attention_only=True) == ["herten-fachverfahren", "gladbeck-fachverfahren"]
    assert ids(destinations, circuit="closed") == ["gladbeck-fachverfahren", "gladbeck-dms", "bauportal"]
    assert ids(destinations, circuit="open", text="herten") == ["herten-fachverfahren"]
    assert ids(destinations, text="DMS") == ["gladbeck-dms"]
    assert ids(destinations, text="dms name") == ["gladbeck-dms"]
    assert ids(destinations, text="nothing like it") == []

    board = triage(destinations, now=NOW, filters=Filters(municipality=GLADBECK))
    s = board.summary
    assert board.shown == 2
    assert (s.destinations, s.attention, s.circuits_not_closed, s.with_dead, s.dead) == (4, 2, 1, 1, 3)
    assert (s.with_backlog, s.growing, s.backlog) == (2, 1, 7)
    assert s.oldest is not None
    assert s.oldest.health.id == "herten-fachverfahren"
    assert s.oldest.oldest == "20 min"


def test_nothing_waiting_has_no_oldest() -> None:
    board = triage([health("idle")], now=NOW)
    assert board.summary.oldest is None
    assert board.rows[0].oldest == "–"
    assert board.summary.attention == 0


def test_age_text() -> None:
    assert [age_text(s) for s in (None, -3, 59, 119, 120, 7199, 7200)] == [
        "–",
        "0 s",
        "59 s",
        "119 s",
        "2 min",
        "119 min",
        "2 h",
    ]
