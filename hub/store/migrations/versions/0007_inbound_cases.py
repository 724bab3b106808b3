"""inbound cases delivered: an inbound message records the submission (and so the deliveries) made
for it when it became a case

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 07:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No foreign key: the retention purge removes a submission's record at the end of its period,
    # while the inbound message (the proof of what was received) follows its own rules.
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_inbound_message_submission_id"), ["submission_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_message_submission_id"))
        batch_op.drop_column("submission_id")
