"""meetings: network meetings, invitations, reminders; initiatives

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 22:56:16.112879
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('initiatives',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.Column('cohort_id', sa.Uuid(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('star_step', sa.Enum('MAP_IT', 'FOCUS_IT', 'PEOPLE_IT', 'MARKET_IT', 'GROW_IT', name='starstep', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('four_cos', postgresql.ARRAY(sa.String(length=32)), server_default='{}', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_initiatives_cohort_id_cohorts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_initiatives_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiatives'))
    )
    op.create_index(op.f('ix_initiatives_cohort_id'), 'initiatives', ['cohort_id'], unique=False)
    op.create_index('ix_initiatives_four_cos', 'initiatives', ['four_cos'], unique=False, postgresql_using='gin')
    op.create_index('ix_initiatives_member_sort', 'initiatives', ['member_id', 'title', 'id'], unique=False)
    op.create_table('network_meetings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('cohort_id', sa.Uuid(), nullable=True),
    sa.Column('network', sa.Enum('CITIZEN_POWERED_COUNCIL', 'CITIZEN_POWERED_CITY', name='network', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('after_step', sa.Enum('MAP_IT', 'FOCUS_IT', 'PEOPLE_IT', 'MARKET_IT', 'GROW_IT', name='starstep', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('venue', sa.String(length=500), nullable=True),
    sa.Column('online_url', sa.String(length=2000), nullable=True),
    sa.Column('agenda', sa.Text(), nullable=True),
    sa.Column('reminder_offsets_minutes', postgresql.ARRAY(sa.Integer()), nullable=False),
    sa.Column('status', sa.Enum('SCHEDULED', 'CANCELLED', name='meetingstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('sequence', sa.Integer(), server_default='0', nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancellation_reason', sa.Text(), nullable=True),
    sa.Column('created_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_network_meetings_ends_after_start')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_network_meetings_cohort_id_cohorts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_network_meetings_created_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_meetings'))
    )
    op.create_index(op.f('ix_network_meetings_cohort_id'), 'network_meetings', ['cohort_id'], unique=False)
    op.create_index('ix_network_meetings_sort', 'network_meetings', ['starts_at', 'id'], unique=False)
    op.create_table('meeting_invitations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=False),
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('response', sa.Enum('YES', 'NO', 'MAYBE', name='rsvpresponse', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('invited_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_meeting_invitations_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['network_meetings.id'], name=op.f('fk_meeting_invitations_meeting_id_network_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_invitations')),
    sa.UniqueConstraint('meeting_id', 'contact_id', name=op.f('uq_meeting_invitations_meeting_id_contact_id'))
    )
    op.create_index(op.f('ix_meeting_invitations_contact_id'), 'meeting_invitations', ['contact_id'], unique=False)
    op.create_table('meeting_reminders',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=False),
    sa.Column('invitation_id', sa.Uuid(), nullable=False),
    sa.Column('offset_minutes', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('PLANNED', 'SENT', 'SKIPPED', 'SUPERSEDED', name='reminderstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['invitation_id'], ['meeting_invitations.id'], name=op.f('fk_meeting_reminders_invitation_id_meeting_invitations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['network_meetings.id'], name=op.f('fk_meeting_reminders_meeting_id_network_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_reminders'))
    )
    op.create_index('ix_meeting_reminders_due', 'meeting_reminders', ['due_at'], unique=False, postgresql_where=sa.text("status = 'PLANNED'"))
    op.create_index(op.f('ix_meeting_reminders_invitation_id'), 'meeting_reminders', ['invitation_id'], unique=False)
    op.create_index('ix_meeting_reminders_meeting', 'meeting_reminders', ['meeting_id', 'status'], unique=False)
    op.create_index('uq_meeting_reminders_planned', 'meeting_reminders', ['invitation_id', 'offset_minutes'], unique=True, postgresql_where=sa.text("status = 'PLANNED'"))


def downgrade() -> None:
    op.drop_index('uq_meeting_reminders_planned', table_name='meeting_reminders', postgresql_where=sa.text("status = 'PLANNED'"))
    op.drop_index('ix_meeting_reminders_meeting', table_name='meeting_reminders')
    op.drop_index(op.f('ix_meeting_reminders_invitation_id'), table_name='meeting_reminders')
    op.drop_index('ix_meeting_reminders_due', table_name='meeting_reminders', postgresql_where=sa.text("status = 'PLANNED'"))
    op.drop_table('meeting_reminders')
    op.drop_index(op.f('ix_meeting_invitations_contact_id'), table_name='meeting_invitations')
    op.drop_table('meeting_invitations')
    op.drop_index('ix_network_meetings_sort', table_name='network_meetings')
    op.drop_index(op.f('ix_network_meetings_cohort_id'), table_name='network_meetings')
    op.drop_table('network_meetings')
    op.drop_index('ix_initiatives_member_sort', table_name='initiatives')
    op.drop_index('ix_initiatives_four_cos', table_name='initiatives', postgresql_using='gin')
    op.drop_index(op.f('ix_initiatives_cohort_id'), table_name='initiatives')
    op.drop_table('initiatives')
