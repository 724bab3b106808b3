"""encryption at rest: an attachment's file name is stored sealed ("hs1:" + base64), longer than
the 255 characters a name may have in clear, so the column becomes text. A delivery's last error
is sealed too, so the dead letters' filter ("exhausted" or "refused") gets a plain classification
of its own, ``delivery.last_error_kind``, filled here from the last errors written in clear before.
Rows written before stay readable in plaintext; ``hub keys rotate`` seals them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 23:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# As the hub wrote them before this revision (hub.domain.transitions): plaintext, so LIKE still works.
_BACKFILL = """
UPDATE delivery SET last_error_kind = CASE
    WHEN state = 'dead' AND last_error LIKE 'gave up after%' THEN 'exhausted'
    WHEN state = 'dead' THEN 'refused'
    WHEN last_error LIKE 'attempt abandoned:%' THEN 'abandoned'
    ELSE 'transient'
END
WHERE last_error IS NOT NULL
"""


def upgrade() -> None:
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.alter_column(
            "file_name", existing_type=sa.String(length=255), type_=sa.Text(), existing_nullable=False
        )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_error_kind", sa.String(length=20), nullable=True))
    op.execute(_BACKFILL)


def downgrade() -> None:
    # Only sound with every value in plaintext again (a sealed file name is longer than 255, and
    # the dead letters' filter reads the last error's text again).
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("last_error_kind")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.alter_column(
            "file_name", existing_type=sa.Text(), type_=sa.String(length=255), existing_nullable=False
        )
