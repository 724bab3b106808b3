"""retention and erasure: content columns may be emptied, a submission records when and why its
content went, and one lease row per scheduled job so a job runs once across every worker and node

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 22:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hub.store.column_types import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.alter_column("envelope", existing_type=JSON, nullable=True)
        # Set once, when the personal content (envelope, attachments, payloads, receipts, error
        # texts, quoting event details) was removed; the reason says which rule removed it.
        batch_op.add_column(sa.Column("content_purged_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("content_purge_reason", sa.String(length=20), nullable=True))
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.alter_column("content", existing_type=sa.LargeBinary(), nullable=True)
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("payload", existing_type=sa.LargeBinary(), nullable=True)
    op.create_table(
        "scheduled_job",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", UtcDateTime(), nullable=True),
        sa.Column("last_started_at", UtcDateTime(), nullable=True),
        sa.Column("last_finished_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduled_job")),
    )


def downgrade() -> None:
    # Purged rows have no content to give back: the older schema gets empty values in its place.
    op.execute(sa.text("UPDATE delivery SET payload = :empty WHERE payload IS NULL").bindparams(empty=b""))
    op.execute(sa.text("UPDATE attachment SET content = :empty WHERE content IS NULL").bindparams(empty=b""))
    op.execute(sa.text("UPDATE submission SET envelope = '{}' WHERE envelope IS NULL"))
    op.drop_table("scheduled_job")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("payload", existing_type=sa.LargeBinary(), nullable=False)
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.alter_column("content", existing_type=sa.LargeBinary(), nullable=False)
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("content_purge_reason")
        batch_op.drop_column("content_purged_at")
        batch_op.alter_column("envelope", existing_type=JSON, nullable=False)
