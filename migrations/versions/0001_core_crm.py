"""core crm

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 22:30:59.533301
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_user_id', sa.Uuid(), nullable=True),
    sa.Column('actor_role', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('entity_type', sa.String(length=64), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.Column('changes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    op.create_index(op.f('ix_audit_events_actor_user_id'), 'audit_events', ['actor_user_id'], unique=False)
    op.create_index('ix_audit_events_entity', 'audit_events', ['entity_type', 'entity_id', 'id'], unique=False)
    op.create_table('partners',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('countries', postgresql.ARRAY(sa.String(length=2)), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('slug', name=op.f('uq_partners_slug'))
    )
    op.create_table('cohorts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('network', sa.Enum('CITIZEN_POWERED_COUNCIL', 'CITIZEN_POWERED_CITY', name='network', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_cohorts_partner_id_partners'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohorts'))
    )
    op.create_index(op.f('ix_cohorts_partner_id'), 'cohorts', ['partner_id'], unique=False)
    op.create_table('members',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('network', sa.Enum('CITIZEN_POWERED_COUNCIL', 'CITIZEN_POWERED_CITY', name='network', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('country', sa.CHAR(length=2), nullable=False),
    sa.Column('region', sa.String(length=200), nullable=True),
    sa.Column('membership_status', sa.Enum('PROSPECT', 'ACTIVE', 'LAPSED', name='membershipstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_members_partner_id_partners'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members'))
    )
    op.create_index(op.f('ix_members_country'), 'members', ['country'], unique=False)
    op.create_index('ix_members_name_trgm', 'members', ['name'], unique=False, postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
    op.create_index(op.f('ix_members_network'), 'members', ['network'], unique=False)
    op.create_index(op.f('ix_members_partner_id'), 'members', ['partner_id'], unique=False)
    op.create_index('ix_members_sort', 'members', ['name', 'id'], unique=False)
    op.create_table('cohort_members',
    sa.Column('cohort_id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_members_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_cohort_members_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cohort_id', 'member_id', name=op.f('pk_cohort_members'))
    )
    op.create_index(op.f('ix_cohort_members_member_id'), 'cohort_members', ['member_id'], unique=False)
    op.create_table('contacts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('first_name', sa.String(length=200), nullable=False),
    sa.Column('last_name', sa.String(length=200), nullable=False),
    sa.Column('job_title', sa.String(length=200), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('consent_scope', sa.Text(), nullable=True),
    sa.Column('consent_given_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consent_method', sa.String(length=100), nullable=True),
    sa.Column('email_opt_outs', postgresql.ARRAY(sa.String(length=40)), server_default='{}', nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_contacts_member_id_members'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts'))
    )
    op.create_index('ix_contacts_email', 'contacts', ['email'], unique=False)
    op.create_index('ix_contacts_member_sort', 'contacts', ['member_id', 'last_name', 'first_name', 'id'], unique=False)
    op.execute("CREATE INDEX ix_contacts_search_trgm ON contacts USING gin "
               "((first_name || ' ' || last_name || ' ' || email) gin_trgm_ops)")
    op.create_index('ix_contacts_sort', 'contacts', ['last_name', 'first_name', 'id'], unique=False)
    op.create_index('uq_contacts_member_email_live', 'contacts', ['member_id', 'email'], unique=True, postgresql_where=sa.text('archived_at IS NULL'))
    op.create_table('users',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('STAFF', 'PARTNER', 'MEMBER', name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=True),
    sa.Column('contact_id', sa.Uuid(), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_users_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_users_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_index(op.f('ix_users_contact_id'), 'users', ['contact_id'], unique=False)
    op.create_index(op.f('ix_users_partner_id'), 'users', ['partner_id'], unique=False)
    op.create_table('api_tokens',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_index(op.f('ix_api_tokens_user_id'), 'api_tokens', ['user_id'], unique=False)
    op.create_table('step_progress',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('cohort_id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.Column('step', sa.Enum('MAP_IT', 'FOCUS_IT', 'PEOPLE_IT', 'MARKET_IT', 'GROW_IT', name='starstep', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('NOT_STARTED', 'IN_PROGRESS', 'COMPLETED', name='stepstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('action_plan', sa.Text(), nullable=True),
    sa.Column('updated_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_step_progress_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_step_progress_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_user_id'], ['users.id'], name=op.f('fk_step_progress_updated_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_step_progress')),
    sa.UniqueConstraint('cohort_id', 'member_id', 'step', name=op.f('uq_step_progress_cohort_id_member_id_step'))
    )
    op.create_index(op.f('ix_step_progress_member_id'), 'step_progress', ['member_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_step_progress_member_id'), table_name='step_progress')
    op.drop_table('step_progress')
    op.drop_index(op.f('ix_api_tokens_user_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_index(op.f('ix_users_partner_id'), table_name='users')
    op.drop_index(op.f('ix_users_contact_id'), table_name='users')
    op.drop_table('users')
    op.drop_index('uq_contacts_member_email_live', table_name='contacts', postgresql_where=sa.text('archived_at IS NULL'))
    op.drop_index('ix_contacts_sort', table_name='contacts')
    op.drop_index('ix_contacts_search_trgm', table_name='contacts')
    op.drop_index('ix_contacts_member_sort', table_name='contacts')
    op.drop_index('ix_contacts_email', table_name='contacts')
    op.drop_table('contacts')
    op.drop_index(op.f('ix_cohort_members_member_id'), table_name='cohort_members')
    op.drop_table('cohort_members')
    op.drop_index('ix_members_sort', table_name='members')
    op.drop_index(op.f('ix_members_partner_id'), table_name='members')
    op.drop_index(op.f('ix_members_network'), table_name='members')
    op.drop_index('ix_members_name_trgm', table_name='members', postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
    op.drop_index(op.f('ix_members_country'), table_name='members')
    op.drop_table('members')
    op.drop_index(op.f('ix_cohorts_partner_id'), table_name='cohorts')
    op.drop_table('cohorts')
    op.drop_table('partners')
    op.drop_index('ix_audit_events_entity', table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_actor_user_id'), table_name='audit_events')
    op.drop_table('audit_events')
