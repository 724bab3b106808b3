"""The personal-data read use case on fakes of its ports: what it records for which read, no database.

The same reads over real HTTP, the console, the terminal and a browser, on SQLite and PostgreSQL,
are in tests/api/test_personal_data_audit.py, tests/cli/test_personal_data_cli.py and
tests/console/test_personal_data_browser.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hub.domain.personal_data import READ_PERSONAL_DATA, quotes_content
from hub.domain.tenancy import ApiClient, OperatorAccount
from hub.service.personal_data import NotVisible, PersonalData, Reader
from hub.store.audit import AuditEntry
from hub.store.operator_views import MappedMessage
from hub.store.submissions import DeliveryView, EventView, SubmissionView

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
GLADBECK, HERTEN = "05562014", "05562016"


def _delivery(id: str, *, receipt: dict[str, Any] | None = None, error: str | None = None) -> DeliveryView:
    return DeliveryView(id=id, destination_id=f"dest-{id}", kind="submission", message_id=f"m-{id}",
                        state="delivered" if receipt else "dead", attempts=1, next_attempt_at=None,
                        last_error=error, last_status_code=None, receipt=receipt, delivered_at=None, dead_at=None,
                        updated_at=NOW)  # fmt: skip


class FakeStore:
    """One submission of Gladbeck with two deliveries, its events and messages; the audit trail recorded."""

    def __init__(self, deliveries: list[DeliveryView], events: list[EventView], payload: bytes | None = b"{}") -> None:
        self.view = SubmissionView(id="s1", client_id="c1", service="hundesteuer-anmeldung", municipality=GLADBECK,
                                   portal_reference=None, idempotency_key=None, status="delivered", received_at=NOW,
                                   updated_at=NOW, deliveries=deliveries)  # fmt: skip
        self.log = events
        self.payload = payload
        self.recorded: list[tuple[str, str, str | None, list[str], dict[str, Any]]] = []

    def get(self, submission_id: str) -> SubmissionView | None:
        return self.view if submission_id == "s1" else None

    def events(self, submission_id: str, *, after: int = 0, limit: int = 1000) -> list[EventView]:
        return [e for e in self.log if e.id > after]

    def mapped_messages(self, submission_id: str) -> list[MappedMessage]:
        return [MappedMessage(d.id, "s1", GLADBECK, "application/json", self.payload) for d in self.view.deliveries]  # type: ignore[arg-type]

    def record(self, actor: str, action: str, *, target: str | None = None, items: Any = (),
               detail: dict[str, Any] | None = None) -> None:  # fmt: skip
        self.recorded.append((actor, action, target, list(items), detail or {}))

    def list(self, **_: Any) -> list[AuditEntry]:
        return []


def _use_case(store: FakeStore) -> PersonalData:
    return PersonalData(store, store, store)


PORTAL = ApiClient("c1", "portal-gladbeck", frozenset({GLADBECK}), None, frozenset({"portal"}), None, None)
HERTEN_PORTAL = ApiClient("c2", "portal-herten", frozenset({HERTEN}), None, frozenset({"portal"}), None, None)
VIEWER = OperatorAccount("o1", "anna", "viewer", frozenset({GLADBECK}))
ADMIN = OperatorAccount("o2", "ida", "admin", frozenset({"*"}))


def test_a_status_with_a_receipt_and_an_error_text_records_both_parts_under_the_client() -> None:
    # Given a submission with a receipt on one delivery and a receiver's reason on the other
    store = FakeStore([_delivery("d1", receipt={"aktenzeichen": "GLA-1"}), _delivery("d2", error="Name unbekannt")], [])

    # When its portal reads the status
    read = _use_case(store).read(Reader.api_client(PORTAL), "s1")

    # Then the read is returned and recorded: who, which submission, which parts, whose tenant
    assert read is not None
    assert read.submission.id == "s1"
    assert store.recorded == [
        ("api:portal-gladbeck", READ_PERSONAL_DATA, "s1", ["receipt of delivery d1", "error text of delivery d2"],
         {"municipality": GLADBECK, "service": "hundesteuer-anmeldung"}),
    ]  # fmt: skip


def test_a_status_without_content_and_events_of_state_changes_only_record_nothing() -> None:
    # Given a submission whose deliveries carry neither receipt nor error, and events without quotes
    pending = _delivery("d1")
    store = FakeStore([pending], [EventView(1, "received", NOW, None, {"attachments": 0})])

    # When its portal polls status and events
    _use_case(store).read(Reader.api_client(PORTAL), "s1")
    _use_case(store).read(Reader.api_client(PORTAL), "s1", deliveries=False, events=True)

    # Then nothing personal was shown, and nothing is recorded
    assert store.recorded == []


def test_the_console_trace_names_the_quoting_events_and_each_masked_payload() -> None:
    events = [
        EventView(1, "received", NOW, None, {}),
        EventView(2, "attempt", NOW, "d1", {"outcome": "refused", "responseExcerpt": "Herr Mustermann?"}),
        EventView(3, "delivered", NOW, "d1", {"receipt": {"id": "x"}}),
    ]
    store = FakeStore([_delivery("d1", receipt={"id": "x"})], events)

    # When a viewer (no clear personal data) and an admin open the trace
    viewed = _use_case(store).read(Reader.console(VIEWER), "s1", deliveries=False, events=True, messages=True)
    _use_case(store).read(Reader.console(ADMIN), "s1", deliveries=False, events=True, messages=True)

    # Then the viewer is to be shown masked messages, and each read names what it handed out
    assert viewed is not None
    assert viewed.masked
    assert len(viewed.messages) == 1
    assert [(actor, items) for actor, _, _, items, _ in store.recorded] == [
        ("console:anna", ["event details 2-3", "payload of delivery d1 (masked)"]),
        ("console:ida", ["event details 2-3", "payload of delivery d1"]),
    ]


def test_a_purged_payload_is_not_recorded_as_shown() -> None:
    store = FakeStore([_delivery("d1")], [], payload=None)
    _use_case(store).read(Reader.terminal("cli:root"), "s1", events=True, messages=True)
    assert store.recorded == []


def test_a_foreign_submission_is_refused_before_anything_is_read_or_recorded() -> None:
    store = FakeStore([_delivery("d1", receipt={"id": "x"})], [])
    with pytest.raises(NotVisible, match=GLADBECK):
        _use_case(store).read(Reader.api_client(HERTEN_PORTAL), "s1")
    assert _use_case(store).read(Reader.api_client(PORTAL), "no-such-id") is None
    assert store.recorded == []


@pytest.mark.parametrize(
    ("detail", "quotes"),
    [
        ({"error": "timeout"}, True),
        ({"reason": "Aktenzeichen fehlt"}, True),
        ({"receipt": {}}, False),  # an empty receipt quotes nothing
        ({"destination": "x", "nextAttemptAt": "2026-12-02T10:00:00+00:00"}, False),
        (None, False),
    ],
)
def test_which_event_details_quote_content(detail: dict[str, Any] | None, quotes: bool) -> None:
    assert quotes_content(detail) is quotes
