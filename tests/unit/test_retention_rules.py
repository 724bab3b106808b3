"""The retention rules decide when content and records go; no database needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.domain.retention import RetentionPolicy, RetentionRules, content_free, parse_duration
from hub.domain.states import SubmissionStatus as St
from hub.errors import ConfigError
from hub.routing.retention_config import retention_rules

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_durations_are_read_in_days_hours_minutes_seconds() -> None:
    assert parse_duration("7d") == timedelta(days=7)
    assert parse_duration("12h") == timedelta(hours=12)
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration(2) == timedelta(seconds=2)
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("a week")


def test_delivered_content_goes_after_its_period_dead_after_its_own_unfinished_never() -> None:
    rules = RetentionRules(RetentionPolicy(timedelta(days=7), timedelta(days=30), timedelta(days=180)))
    assert not rules.content_due("x", St.DELIVERED, T0, T0 + timedelta(days=6))
    assert rules.content_due("x", St.DELIVERED, T0, T0 + timedelta(days=7))
    assert not rules.content_due("x", St.FAILED, T0, T0 + timedelta(days=29))
    assert rules.content_due("x", St.FAILED, T0, T0 + timedelta(days=30))
    assert not rules.content_due("x", St.IN_PROGRESS, T0, T0 + timedelta(days=999))
    assert not rules.content_due("x", St.ACCEPTED, T0, T0 + timedelta(days=999))
    assert rules.record_due("x", T0, T0 + timedelta(days=180))
    assert not rules.record_due("x", T0, T0 + timedelta(days=179))


def test_a_service_policy_overrides_what_it_names_and_inherits_the_rest() -> None:
    rules = retention_rules(
        {"default": {"afterDelivered": "2d", "metadata": "90d"}, "services": {"bauantrag": {"afterDelivered": "30d"}}},
        {"bauantrag", "sperrmuell"},
    )
    assert rules.for_service("bauantrag") == RetentionPolicy(timedelta(days=30), timedelta(days=30), timedelta(days=90))
    assert rules.for_service("sperrmuell") == RetentionPolicy(timedelta(days=2), timedelta(days=30), timedelta(days=90))
    with pytest.raises(ConfigError, match="unknown service"):
        retention_rules({"services": {"nope": {}}}, {"bauantrag"})
    with pytest.raises(ConfigError, match="unknown afterSent"):
        retention_rules({"default": {"afterSent": "1d"}}, set())


def test_a_purge_keeps_only_the_event_members_that_hold_no_content() -> None:
    detail = {"destination": "gladbeck-fachverfahren", "attempt": 2, "error": "Herr Mustermann unbekannt"}
    assert content_free(detail) == {"destination": "gladbeck-fachverfahren", "attempt": 2, "purged": True}
    assert content_free({"destination": "d", "receipt": {"aktenzeichen": "X"}}) == {"destination": "d", "purged": True}
    assert content_free({"status": "delivered"}) == {"status": "delivered"}
