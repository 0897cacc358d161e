"""personal data: consent ledger, exports, retention rules, suppressed addresses, erasure marks

- consent_events: the append-only consent ledger; contacts' existing opt-outs are carried
  over as withdrawals (channel MIGRATION) so the ledger and `email_opt_outs` agree.
- personal_data_exports: ZIPs of everything held about a person, built by a job.
- retention_rules: how long each kind of personal data is kept, per partner or network-wide.
- suppressed_addresses: SHA-256 of the addresses of erased people, never written to again.
- contacts.erased_at; certificates.holder_name and pdf may be NULL (an erased holder);
  outbox_messages.purpose (a consent purpose, or TRANSACTIONAL).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in 0008: staff and the system see everything; a partner and a member contact see the
# rows about contacts they may see (the contacts table's own policy applies in the subquery).
SEES_ALL = "(SELECT network_sees_all())"
KIND = "(SELECT network_principal_kind())"
CONTACT_VISIBLE = (
    f"(({KIND} = 'MEMBER' AND contact_id = (SELECT network_contact_id()))"
    f" OR ({KIND} = 'PARTNER' AND contact_id IN (SELECT id FROM contacts)))"
)
POLICIES = {
    "consent_events": CONTACT_VISIBLE,
    "personal_data_exports": CONTACT_VISIBLE,
    "retention_rules": f"{KIND} = 'PARTNER' AND partner_id = (SELECT network_partner_id())",
}
PURPOSES = {
    "newsletter": "NETWORK_NEWS",
    "programme": "MEETING_INVITATIONS",
    "training": "TRAINING_OFFERS",
}


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    now = sa.text("now()")
    op.create_table(
        "suppressed_addresses",
        sa.Column("address_sha256", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.PrimaryKeyConstraint("address_sha256", name=op.f("pk_suppressed_addresses")),
    )
    op.create_table(
        "retention_rules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column(
            "kind",
            _enum(
                "retentionrulekind",
                "INACTIVE_CONTACTS",
                "PROSPECT_CONTACTS",
                "ARCHIVED_CONTACTS",
                "OUTBOX_BODIES",
                "SIGN_IN_RECORDS",
            ),
            nullable=False,
        ),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_retention_rules_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_rules")),
    )
    op.create_index(
        "uq_retention_rules_default_kind",
        "retention_rules",
        ["kind"],
        unique=True,
        postgresql_where=sa.text("partner_id IS NULL"),
    )
    op.create_index(
        "uq_retention_rules_partner_kind",
        "retention_rules",
        ["partner_id", "kind"],
        unique=True,
        postgresql_where=sa.text("partner_id IS NOT NULL"),
    )
    op.create_table(
        "consent_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column(
            "purpose",
            _enum("consentpurpose", "NETWORK_NEWS", "MEETING_INVITATIONS", "TRAINING_OFFERS"),
            nullable=False,
        ),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("wording_version", sa.String(length=40), nullable=False),
        sa.Column(
            "channel",
            _enum(
                "consentchannel",
                "FORM",
                "EMAIL_LINK",
                "PHONE",
                "EMAIL",
                "IN_PERSON",
                "IMPORT",
                "MIGRATION",
            ),
            nullable=False,
        ),
        sa.Column("recorded_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_consent_events_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_user_id"],
            ["users.id"],
            name=op.f("fk_consent_events_recorded_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
    )
    op.create_index(
        "ix_consent_events_contact", "consent_events", ["contact_id", "purpose", "id"]
    )
    op.create_table(
        "personal_data_exports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by_user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status", _enum("exportstatus", "PENDING", "READY", "FAILED", "EXPIRED"), nullable=False
        ),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_personal_data_exports_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"],
            ["users.id"],
            name=op.f("fk_personal_data_exports_requested_by_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_exports")),
    )
    op.create_index(
        "ix_personal_data_exports_contact", "personal_data_exports", ["contact_id", "requested_at"]
    )
    op.create_index(
        "ix_personal_data_exports_requester",
        "personal_data_exports",
        ["requested_by_user_id", "requested_at"],
    )
    op.alter_column("certificates", "holder_name", existing_type=sa.String(300), nullable=True)
    op.alter_column("certificates", "pdf", existing_type=postgresql.BYTEA(), nullable=True)
    op.add_column("contacts", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "outbox_messages",
        sa.Column("purpose", sa.String(length=40), server_default="TRANSACTIONAL", nullable=False),
    )
    for kind, purpose in PURPOSES.items():
        op.execute(f"UPDATE outbox_messages SET purpose = '{purpose}' WHERE kind = '{kind}'")
        # The opt-outs kept so far become the ledger's first entries.
        op.execute(
            "INSERT INTO consent_events (contact_id, purpose, given, wording_version, channel) "
            f"SELECT id, '{purpose}', false, 'before-ledger', 'MIGRATION' FROM contacts "
            f"WHERE '{kind}' = ANY(email_opt_outs)"
        )
    # A partner also reads the network-wide retention rules (nobody's personal data, and they
    # bind its members where it has no rule of its own); it writes none (WITH CHECK above).
    op.execute(
        "CREATE POLICY retention_rules_network_wide ON retention_rules FOR SELECT "
        f"USING ({KIND} = 'PARTNER' AND partner_id IS NULL)"
    )
    for table, condition in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        visible = f"{SEES_ALL} OR {condition}"
        op.execute(
            f"CREATE POLICY {table}_scope ON {table} USING ({visible}) WITH CHECK ({visible})"
        )


def downgrade() -> None:
    op.drop_column("outbox_messages", "purpose")
    op.drop_column("contacts", "erased_at")
    op.execute("UPDATE certificates SET pdf = '' WHERE pdf IS NULL")
    op.execute("UPDATE certificates SET holder_name = '' WHERE holder_name IS NULL")
    op.alter_column("certificates", "pdf", existing_type=postgresql.BYTEA(), nullable=False)
    op.alter_column("certificates", "holder_name", existing_type=sa.String(300), nullable=False)
    op.drop_table("personal_data_exports")
    op.drop_table("consent_events")
    op.drop_table("retention_rules")
    op.drop_table("suppressed_addresses")
