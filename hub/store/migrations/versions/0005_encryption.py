"""encryption at rest: an attachment's file name is stored sealed ("hs1:" + base64), longer than
the 255 characters a name may have in clear, so the column becomes text. Rows written before stay
readable in plaintext; ``hub keys rotate`` seals them.

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


def upgrade() -> None:
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.alter_column(
            "file_name", existing_type=sa.String(length=255), type_=sa.Text(), existing_nullable=False
        )


def downgrade() -> None:
    # Only sound with every file name in plaintext again (a sealed one is longer than 255).
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.alter_column(
            "file_name", existing_type=sa.Text(), type_=sa.String(length=255), existing_nullable=False
        )
