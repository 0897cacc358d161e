"""outbox: owed emails, their attachments, and SMTP receipts (issue 3)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 22:52:36.565037
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outbox_receipts',
    sa.Column('message_id', sa.Uuid(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('message_id', name=op.f('pk_outbox_receipts'))
    )
    op.create_table('outbox_messages',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('dedup_key', sa.String(length=300), nullable=False),
    sa.Column('template', sa.String(length=100), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('to_email', sa.String(length=320), nullable=False),
    sa.Column('contact_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=True),
    sa.Column('context', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('attachment_count', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('status', sa.Enum('PENDING', 'SENT', 'FAILED', 'SKIPPED', name='outboxstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_outbox_messages_contact_id_contacts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_outbox_messages_dedup_key'))
    )
    op.create_index(op.f('ix_outbox_messages_contact_id'), 'outbox_messages', ['contact_id'], unique=False)
    op.create_index('ix_outbox_messages_due', 'outbox_messages', ['next_attempt_at', 'id'], unique=False, postgresql_where=sa.text("status = 'PENDING'"))
    op.create_index('ix_outbox_messages_sort', 'outbox_messages', ['created_at', 'id'], unique=False)
    op.create_index('ix_outbox_messages_status_sort', 'outbox_messages', ['status', 'created_at', 'id'], unique=False)
    op.create_index('ix_outbox_messages_to_email', 'outbox_messages', ['to_email'], unique=False)
    op.create_table('outbox_attachments',
    sa.Column('message_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=200), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_messages.id'], name=op.f('fk_outbox_attachments_message_id_outbox_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', 'position', name=op.f('pk_outbox_attachments'))
    )


def downgrade() -> None:
    op.drop_table('outbox_attachments')
    op.drop_index('ix_outbox_messages_to_email', table_name='outbox_messages')
    op.drop_index('ix_outbox_messages_status_sort', table_name='outbox_messages')
    op.drop_index('ix_outbox_messages_sort', table_name='outbox_messages')
    op.drop_index('ix_outbox_messages_due', table_name='outbox_messages', postgresql_where=sa.text("status = 'PENDING'"))
    op.drop_index(op.f('ix_outbox_messages_contact_id'), table_name='outbox_messages')
    op.drop_table('outbox_messages')
    op.drop_table('outbox_receipts')
