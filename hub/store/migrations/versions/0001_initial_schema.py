"""initial schema: clients, submissions, attachments, deliveries, events

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 19:21:09.858274
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hub.store.column_types import UtcDateTime

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    _create_api_client()
    _create_destination_state()
    _create_event()
    _create_submission()
    _create_attachment()
    _create_delivery()


def _create_api_client() -> None:
    op.create_table('api_client',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('key_prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('municipalities', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('services', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('roles', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('callback_url', sa.Text(), nullable=True),
    sa.Column('callback_secret', sa.Text(), nullable=True),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_client')),
    sa.UniqueConstraint('key_prefix', name=op.f('uq_api_client_key_prefix')),
    sa.UniqueConstraint('name', name=op.f('uq_api_client_name'))
    )


def _create_destination_state() -> None:
    op.create_table('destination_state',
    sa.Column('destination_id', sa.String(length=100), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('paused_at', UtcDateTime(), nullable=True),
    sa.Column('paused_by', sa.String(length=100), nullable=True),
    sa.Column('circuit_state', sa.String(length=20), nullable=False),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('destination_id', name=op.f('pk_destination_state'))
    )


def _create_event() -> None:
    op.create_table('event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.String(length=36), nullable=False),
    sa.Column('delivery_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('at', UtcDateTime(), nullable=False),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_submission_id'), ['submission_id'], unique=False)


def _create_submission() -> None:
    op.create_table('submission',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('service', sa.String(length=64), nullable=False),
    sa.Column('municipality', sa.String(length=8), nullable=False),
    sa.Column('portal_reference', sa.String(length=100), nullable=True),
    sa.Column('idempotency_key', sa.String(length=255), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('delivery_count', sa.Integer(), nullable=False),
    sa.Column('envelope', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('received_at', UtcDateTime(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['api_client.id'], name=op.f('fk_submission_client_id_api_client')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission')),
    sa.UniqueConstraint('client_id', 'idempotency_key', name=op.f('uq_submission_client_id_idempotency_key'))
    )
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_municipality_received_at'), ['municipality', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_service_received_at'), ['service', 'received_at'], unique=False)


def _create_attachment() -> None:
    op.create_table('attachment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=127), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_attachment_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_submission_id'), ['submission_id'], unique=False)


def _create_delivery() -> None:
    op.create_table('delivery',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('submission_id', sa.String(length=36), nullable=False),
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('destination_id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('queued_at', UtcDateTime(), nullable=False),
    sa.Column('next_attempt_at', UtcDateTime(), nullable=True),
    sa.Column('enqueued_at', UtcDateTime(), nullable=True),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_expires_at', UtcDateTime(), nullable=True),
    sa.Column('delivered_at', UtcDateTime(), nullable=True),
    sa.Column('dead_at', UtcDateTime(), nullable=True),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('receipt', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('media_type', sa.String(length=127), nullable=False),
    sa.Column('headers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_delivery_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
    sa.UniqueConstraint('message_id', name=op.f('uq_delivery_message_id'))
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_destination_id_state'), ['destination_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_state_next_attempt_at'), ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_submission_id'), ['submission_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_submission_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_state_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_delivery_destination_id_state'))

    op.drop_table('delivery')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_submission_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_service_received_at'))
        batch_op.drop_index(batch_op.f('ix_submission_municipality_received_at'))

    op.drop_table('submission')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_submission_id'))

    op.drop_table('event')
    op.drop_table('destination_state')
    op.drop_table('api_client')
