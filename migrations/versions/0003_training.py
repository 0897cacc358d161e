"""training: courses, training sessions, bookings (with the waiting list)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 22:48:53.015707
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('courses',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('format', sa.Enum('HALF_DAY', 'ONE_DAY', 'TWO_DAY', name='courseformat', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('cpd_hours', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('cpd_certified', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('cpd_hours >= 0', name=op.f('ck_courses_cpd_hours_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courses'))
    )
    op.create_index('ix_courses_sort', 'courses', ['title', 'id'], unique=False)
    op.create_table('training_sessions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('course_id', sa.Uuid(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('venue', sa.String(length=300), nullable=True),
    sa.Column('online_url', sa.String(length=500), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booking_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('trainer', sa.String(length=200), nullable=True),
    sa.Column('status', sa.Enum('SCHEDULED', 'CANCELLED', name='trainingsessionstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancellation_reason', sa.Text(), nullable=True),
    sa.Column('reserved_cohort_id', sa.Uuid(), nullable=True),
    sa.Column('reserved_member_id', sa.Uuid(), nullable=True),
    sa.Column('ics_sequence', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_training_sessions_capacity_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_training_sessions_ends_after_start')),
    sa.CheckConstraint('reserved_cohort_id IS NULL OR reserved_member_id IS NULL', name=op.f('ck_training_sessions_one_reservation')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_training_sessions_course_id_courses'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reserved_cohort_id'], ['cohorts.id'], name=op.f('fk_training_sessions_reserved_cohort_id_cohorts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reserved_member_id'], ['members.id'], name=op.f('fk_training_sessions_reserved_member_id_members'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sessions'))
    )
    op.create_index(op.f('ix_training_sessions_course_id'), 'training_sessions', ['course_id'], unique=False)
    op.create_index(op.f('ix_training_sessions_reserved_cohort_id'), 'training_sessions', ['reserved_cohort_id'], unique=False)
    op.create_index(op.f('ix_training_sessions_reserved_member_id'), 'training_sessions', ['reserved_member_id'], unique=False)
    op.create_index('ix_training_sessions_sort', 'training_sessions', ['starts_at', 'id'], unique=False)
    op.create_table('bookings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.Enum('CONFIRMED', 'WAITLISTED', 'CANCELLED', 'ATTENDED', 'NO_SHOW', name='bookingstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('queue_number', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('booked_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('booked_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('promoted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancellation_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('attendance_marked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminder_queued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['booked_by_user_id'], ['users.id'], name=op.f('fk_bookings_booked_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cancelled_by_user_id'], ['users.id'], name=op.f('fk_bookings_cancelled_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_bookings_contact_id_contacts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_bookings_session_id_training_sessions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings'))
    )
    op.create_index(op.f('ix_bookings_contact_id'), 'bookings', ['contact_id'], unique=False)
    op.create_index('ix_bookings_reminder_due', 'bookings', ['session_id'], unique=False, postgresql_where=sa.text("status = 'CONFIRMED' AND reminder_queued_at IS NULL"))
    op.create_index('ix_bookings_session_queue', 'bookings', ['session_id', 'status', 'queue_number'], unique=False)
    op.create_index('uq_bookings_session_contact_live', 'bookings', ['session_id', 'contact_id'], unique=True, postgresql_where=sa.text("status <> 'CANCELLED'"))


def downgrade() -> None:
    op.drop_index('uq_bookings_session_contact_live', table_name='bookings', postgresql_where=sa.text("status <> 'CANCELLED'"))
    op.drop_index('ix_bookings_session_queue', table_name='bookings')
    op.drop_index('ix_bookings_reminder_due', table_name='bookings', postgresql_where=sa.text("status = 'CONFIRMED' AND reminder_queued_at IS NULL"))
    op.drop_index(op.f('ix_bookings_contact_id'), table_name='bookings')
    op.drop_table('bookings')
    op.drop_index('ix_training_sessions_sort', table_name='training_sessions')
    op.drop_index(op.f('ix_training_sessions_reserved_member_id'), table_name='training_sessions')
    op.drop_index(op.f('ix_training_sessions_reserved_cohort_id'), table_name='training_sessions')
    op.drop_index(op.f('ix_training_sessions_course_id'), table_name='training_sessions')
    op.drop_table('training_sessions')
    op.drop_index('ix_courses_sort', table_name='courses')
    op.drop_table('courses')
