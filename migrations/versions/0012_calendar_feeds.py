"""private calendar feeds: one secret URL per member contact or partner user

- calendar_feeds: a feed belongs to a contact (a member contact's bookings and invitations)
  or to a user (a partner user's cohorts, reserved sessions and members' bookings), exactly
  one of them; only the SHA-256 of its token is kept (the token is shown once, like API
  tokens); at most one live (not revoked) feed per contact and per user.
- Row-level security: staff and the system see every feed (the feed download reads as the
  system, the token being the authority); a member contact sees its own; a partner sees the
  feeds of its own users (the database knows the partner, not the user: the Python scope
  narrows to the user), and not its members' contacts' feeds.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 20:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in 0008 and 0010; users has no policy of its own, so the subquery is plain.
SEES_ALL = "(SELECT network_sees_all())"
KIND = "(SELECT network_principal_kind())"
OWNER_VISIBLE = (
    f"(({KIND} = 'MEMBER' AND contact_id = (SELECT network_contact_id()))"
    f" OR ({KIND} = 'PARTNER' AND user_id IN"
    " (SELECT u.id FROM users u WHERE u.partner_id = (SELECT network_partner_id()))))"
)


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("token_sha256", sa.LargeBinary(length=32), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(contact_id IS NULL) <> (user_id IS NULL)", name=op.f("ck_calendar_feeds_one_owner")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_calendar_feeds_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_calendar_feeds_token_sha256")),
    )
    op.create_index("ix_calendar_feeds_contact_id", "calendar_feeds", ["contact_id"])
    op.create_index("ix_calendar_feeds_user_id", "calendar_feeds", ["user_id"])
    op.create_index(
        "uq_calendar_feeds_live_contact",
        "calendar_feeds",
        ["contact_id"],
        unique=True,
        postgresql_where=sa.text("contact_id IS NOT NULL AND revoked_at IS NULL"),
    )
    op.create_index(
        "uq_calendar_feeds_live_user",
        "calendar_feeds",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("user_id IS NOT NULL AND revoked_at IS NULL"),
    )
    op.execute("ALTER TABLE calendar_feeds ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE calendar_feeds FORCE ROW LEVEL SECURITY")
    visible = f"{SEES_ALL} OR {OWNER_VISIBLE}"
    op.execute(
        f"CREATE POLICY calendar_feeds_scope ON calendar_feeds USING ({visible}) "
        f"WITH CHECK ({visible})"
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds")
