"""Request and response bodies of the API as models: what the OpenAPI document shows portal developers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class AcceptedOut(_Out):
    id: str
    status: str
    status_url: str = Field(alias="statusUrl")
    events_url: str = Field(alias="eventsUrl")


class DeliveryOut(_Out):
    destination: str
    state: str
    attempts: int
    message_id: str = Field(alias="messageId")
    next_attempt_at: datetime | None = Field(default=None, alias="nextAttemptAt")
    last_error: str | None = Field(default=None, alias="lastError")
    last_status_code: int | None = Field(default=None, alias="lastStatusCode")
    receipt: dict[str, Any] | None = None
    delivered_at: datetime | None = Field(default=None, alias="deliveredAt")
    updated_at: datetime = Field(alias="updatedAt")


class SubmissionOut(_Out):
    id: str
    service: str
    municipality: str
    portal_reference: str | None = Field(default=None, alias="portalReference")
    status: str
    received_at: datetime = Field(alias="receivedAt")
    updated_at: datetime = Field(alias="updatedAt")
    deliveries: list[DeliveryOut]


class EventOut(_Out):
    id: int
    kind: str
    at: datetime
    delivery_id: str | None = Field(default=None, alias="deliveryId")
    detail: dict[str, Any]


class EventsOut(_Out):
    submission_id: str = Field(alias="submissionId")
    events: list[EventOut]


class OperatorDeliveryOut(_Out):
    id: str
    submission_id: str = Field(alias="submissionId")
    destination: str
    state: str
    attempts: int
    municipality: str
    service: str
    created_at: datetime = Field(alias="createdAt")
    next_attempt_at: datetime | None = Field(default=None, alias="nextAttemptAt")
    last_error: str | None = Field(default=None, alias="lastError")
    last_status_code: int | None = Field(default=None, alias="lastStatusCode")
    dead_at: datetime | None = Field(default=None, alias="deadAt")


DESTINATION_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
DELIVERY_ID = r"^[0-9A-Za-z-]{1,64}$"


class ReplayIn(_Out):
    ids: list[Annotated[str, StringConstraints(pattern=DELIVERY_ID)]] | None = Field(
        default=None, max_length=1000, description="Replay these dead deliveries."
    )
    destination: Annotated[str, StringConstraints(pattern=DESTINATION_ID)] | None = Field(
        default=None, description="Replay all dead deliveries of this destination."
    )
    since: datetime | None = Field(default=None, description="Only those that died at or after this time.")
    until: datetime | None = Field(default=None, description="Only those that died before this time.")


def replay_schema() -> dict[str, Any]:
    """ReplayIn as served and checked: the model's fields, and ids or a destination being required."""
    schema = ReplayIn.model_json_schema(by_alias=True)
    schema["anyOf"] = [
        {"required": ["ids"], "properties": {"ids": {"type": "array", "minItems": 1}}},
        {"required": ["destination"], "properties": {"destination": {"type": "string"}}},
    ]
    return schema


class EraseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, StringConstraints(min_length=3, max_length=500, pattern=r"^[^\x00-\x1f\x7f]+$")] = Field(
        description="Why the content is erased now, e.g. the applicant's request and its ticket (audit log)."
    )


class EraseOut(_Out):
    id: str
    erased: bool = Field(description="False when the content was already gone (purged or erased before).")
    cancelled: list[str] = Field(description="Deliveries that had not reached their receiver and never will.")


class RefusedReplay(_Out):
    id: str
    reason: str


class ReplayOut(_Out):
    replayed: list[str]
    count: int
    refused: list[RefusedReplay] = Field(
        default_factory=list, description="Dead deliveries asked for by id that cannot be replayed, and why."
    )


class DestinationOut(_Out):
    id: str
    name: str
    connector: str
    municipality: str | None
    counts: dict[str, int]
    circuit: str | None = None


class AuditEntryOut(_Out):
    """One audit entry. For ``read-personal-data``: ``target`` is the submission, ``items`` the parts shown."""

    id: int
    at: datetime
    actor: str = Field(description="console:NAME, cli:USER or api:CLIENT")
    action: str
    target: str | None = None
    items: list[str]
    detail: dict[str, Any]


class HealthOut(_Out):
    status: str


class ReadyOut(_Out):
    status: str
    database: str
    attachment_scanning: str | None = Field(default=None, alias="attachmentScanning")
