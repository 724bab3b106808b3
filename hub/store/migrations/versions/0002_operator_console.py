"""operator console: operator accounts, sessions, the audit log; circuit reset requests

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hub.store.column_types import UtcDateTime

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('destination_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('circuit_reset_at', UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('circuit_reset_by', sa.String(length=100), nullable=True))

    op.create_table('operator_account',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('municipalities', JSON, nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operator_account')),
    sa.UniqueConstraint('name', name=op.f('uq_operator_account_name'))
    )
    op.create_table('operator_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('operator_id', sa.String(length=36), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('expires_at', UtcDateTime(), nullable=False),
    sa.Column('revoked_at', UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['operator_id'], ['operator_account.id'], name=op.f('fk_operator_session_operator_id_operator_account')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_operator_session'))
    )
    with op.batch_alter_table('operator_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operator_session_operator_id'), ['operator_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', UtcDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=120), nullable=True),
    sa.Column('items', JSON, nullable=False),
    sa.Column('detail', JSON, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    with op.batch_alter_table('operator_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operator_session_operator_id'))

    op.drop_table('operator_session')
    op.drop_table('operator_account')
    with op.batch_alter_table('destination_state', schema=None) as batch_op:
        batch_op.drop_column('circuit_reset_by')
        batch_op.drop_column('circuit_reset_at')
