"""The schema. Alembic migrations in ``hub/store/migrations`` create exactly these tables."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hub.store.column_types import Json, UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only

api_client = Table(
    "api_client",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("key_prefix", String(16), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False),
    Column("municipalities", Json, nullable=False),
    Column("services", Json, nullable=True),
    Column("roles", Json, nullable=False),
    Column("callback_url", Text, nullable=True),
    Column("callback_secret", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

submission = Table(
    "submission",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("client_id", String(36), ForeignKey("api_client.id"), nullable=False),
    Column("service", String(64), nullable=False),
    Column("municipality", String(8), nullable=False),
    Column("portal_reference", String(100), nullable=True),
    Column("idempotency_key", String(255), nullable=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("delivery_count", Integer, nullable=False),
    Column("envelope", Json, nullable=True),  # None once purged (content_purged_at)
    Column("received_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("content_purged_at", UtcDateTime, nullable=True),
    Column("content_purge_reason", String(20), nullable=True),
    UniqueConstraint("client_id", "idempotency_key"),
    Index(None, "municipality", "received_at"),
    Index(None, "service", "received_at"),
)

attachment = Table(
    "attachment",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("submission_id", String(36), ForeignKey("submission.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("file_name", Text, nullable=False),  # sealed: longer than the 255 characters of a name
    Column("media_type", String(127), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=True),  # None once purged
)

delivery = Table(
    "delivery",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("submission_id", String(36), ForeignKey("submission.id"), nullable=False, index=True),
    Column("client_id", String(36), nullable=False),
    Column("destination_id", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("message_id", String(64), nullable=False, unique=True),
    Column("state", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime, nullable=False),
    Column("queued_at", UtcDateTime, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("enqueued_at", UtcDateTime, nullable=True),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_expires_at", UtcDateTime, nullable=True),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("dead_at", UtcDateTime, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("last_error", Text, nullable=True),  # sealed: a receiver's error text may quote the applicant
    # What kind of error that was (transient, exhausted, refused, abandoned, cancelled), in clear
    # for the dead letters' filter; the hub's classification, no text of the receiver's.
    Column("last_error_kind", String(20), nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("receipt", Json, nullable=True),  # sealed: the receiver's answer
    Column("media_type", String(127), nullable=False),
    Column("headers", Json, nullable=False),
    Column("payload", LargeBinary, nullable=True),  # None once purged
    Index(None, "state", "next_attempt_at"),
    Index(None, "destination_id", "state"),
)

event = Table(
    "event",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("submission_id", String(36), nullable=False, index=True),
    Column("delivery_id", String(36), nullable=True),
    Column("kind", String(30), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("detail", Json, nullable=False),
)

destination_state = Table(
    "destination_state",
    metadata,
    Column("destination_id", String(100), primary_key=True),
    Column("paused", Boolean, nullable=False, default=False),
    Column("paused_at", UtcDateTime, nullable=True),
    Column("paused_by", String(100), nullable=True),
    Column("circuit_state", String(20), nullable=False, default="closed"),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("updated_at", UtcDateTime, nullable=False),
    # An operator's request to close the circuit; each worker's breaker honours a newer one once.
    Column("circuit_reset_at", UtcDateTime, nullable=True),
    Column("circuit_reset_by", String(100), nullable=True),
    # When a stored ``open`` ends and a stored ``half_open`` probe is given up: a state read after
    # its time is over is not shown (a crashed process cannot leave a stale circuit behind).
    Column("circuit_open_until", UtcDateTime, nullable=True),
    Column("circuit_probe_until", UtcDateTime, nullable=True),
)

operator_account = Table(
    "operator_account",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(20), nullable=False),
    Column("municipalities", Json, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

operator_session = Table(
    "operator_session",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("operator_id", String(36), ForeignKey("operator_account.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("actor", String(120), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(120), nullable=True),
    Column("items", Json, nullable=False),
    Column("detail", Json, nullable=False),
)

# One row per job that must run once across every worker and node (the retention purge, later the
# inbound pollers): a process runs it only while it holds the row's lease.
scheduled_job = Table(
    "scheduled_job",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_expires_at", UtcDateTime, nullable=True),
    Column("last_started_at", UtcDateTime, nullable=True),
    Column("last_finished_at", UtcDateTime, nullable=True),
)

# Messages received from inbound sources (XTA 2 message boxes; docs/inbound.md): a case or a
# quarantined message each. One per (source, platform message id), and one per XÖV nachrichtenUUID
# among the cases: the same message fetched again (a crash before close, a second process) is
# recognised, never stored twice.
inbound_message = Table(
    "inbound_message",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("source_id", String(100), nullable=False),
    Column("external_id", String(255), nullable=False),
    Column("municipality", String(8), nullable=False),
    Column("state", String(20), nullable=False),
    Column("reason", String(30), nullable=True),
    Column("detail", Text, nullable=True),  # the quarantine's reason in words (no message content)
    Column("message_uuid", String(64), nullable=True, unique=True),  # XÖV nachrichtenUUID; cases only
    Column("standard", String(100), nullable=True),
    Column("message_type", String(100), nullable=True),
    Column("sender", String(255), nullable=True),
    Column("reader", String(255), nullable=False),
    Column("header", Json, nullable=False),  # the transport's metadata (authorities, service, type)
    Column("media_type", String(127), nullable=True),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=True),
    Column("content", LargeBinary, nullable=True),  # sealed; None when too large to be fetched
    Column("destinations", Json, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime, nullable=True),  # when the platform was told it is received
    # The submission (with its deliveries) made for a case; no foreign key: the retention purge
    # may remove the submission's record before the inbound message goes.
    Column("submission_id", String(36), nullable=True, index=True),
    UniqueConstraint("source_id", "external_id"),
    Index(None, "state", "received_at"),
)

inbound_attachment = Table(
    "inbound_attachment",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("message_id", String(36), ForeignKey("inbound_message.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("file_name", Text, nullable=True),  # sealed
    Column("media_type", String(127), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),  # sealed
)

# Replies to cases (docs/replies.md): what a back office or an operator answered, returned to the
# case's sender by a delivery of its own (``delivery_id``) the way the case came (``channel``).
reply = Table(
    "reply",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("submission_id", String(36), nullable=False, index=True),
    Column("channel", String(30), nullable=False),  # fit-connect, xta, portal-callback
    Column("status", String(30), nullable=False),
    Column("text", Text, nullable=True),  # sealed: a decision text names the applicant
    Column("documents", Json, nullable=True),  # sealed descriptions (names may name a person); content in the payload
    Column("delivery_id", String(36), nullable=True),
    Column("actor", String(120), nullable=False),
    Column("idempotency_key", String(255), nullable=True),
    Column("request_hash", String(64), nullable=False),  # SHA-256 of the posted body: a repeat or a conflict
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("submission_id", "idempotency_key"),
)

# FIT-Connect submissions listed at a source but not answered yet (a key missing, a platform that
# keeps failing): the platform rejects them by itself after 14 days, so operators are warned after
# 3 (docs/inbound.md). A row goes when the submission is answered or no longer listed.
inbound_waiting = Table(
    "inbound_waiting",
    metadata,
    Column("source_id", String(100), primary_key=True),
    Column("external_id", String(255), primary_key=True),
    Column("first_seen_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("reason", String(40), nullable=True),  # why it is not answered (e.g. decryption-key-missing)
)
