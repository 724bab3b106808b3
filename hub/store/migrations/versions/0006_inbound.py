"""inbound messages: what the hub received from XTA 2 message boxes (cases and quarantine) and their
attachments with their SHA-256 hashes; unique per (source, platform message id) and, among cases,
per XÖV nachrichtenUUID

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 06:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hub.store.column_types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbound_message",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("municipality", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("message_uuid", sa.String(length=64), nullable=True),
        sa.Column("standard", sa.String(length=100), nullable=True),
        sa.Column("message_type", sa.String(length=100), nullable=True),
        sa.Column("sender", sa.String(length=255), nullable=True),
        sa.Column("reader", sa.String(length=255), nullable=False),
        sa.Column("header", JSON, nullable=False),
        sa.Column("media_type", sa.String(length=127), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("destinations", JSON, nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_message")),
        sa.UniqueConstraint("message_uuid", name=op.f("uq_inbound_message_message_uuid")),
        sa.UniqueConstraint("source_id", "external_id", name=op.f("uq_inbound_message_source_id_external_id")),
    )
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_message_state_received_at"), ["state", "received_at"], unique=False
        )
    op.create_table(
        "inbound_attachment",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("media_type", sa.String(length=127), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["inbound_message.id"], name=op.f("fk_inbound_attachment_message_id_inbound_message")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_attachment")),
    )
    with op.batch_alter_table("inbound_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbound_attachment_message_id"), ["message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbound_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_attachment_message_id"))
    op.drop_table("inbound_attachment")
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_message_state_received_at"))
    op.drop_table("inbound_message")
