"""circuit state with its end: when a stored open period and a half-open probe run out

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.store.column_types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("destination_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("circuit_open_until", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("circuit_probe_until", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("destination_state", schema=None) as batch_op:
        batch_op.drop_column("circuit_probe_until")
        batch_op.drop_column("circuit_open_until")
