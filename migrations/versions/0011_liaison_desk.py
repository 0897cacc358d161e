"""the liaison manager's desk: what a certificate names, walk-ins

- courses.accreditation, accreditation_reference: who certifies the course for CPD and the
  provider's reference with them (e.g. "CPD Standards Office", "40123"); NULL when none.
- courses.learning_outcomes: the course's learning outcomes per language
  ({"en": ["..."], "fr": ["..."]}), printed on its certificates.
- bookings.walk_in: the person was not holding a seat (waitlisted, or not booked at all) and
  was marked attended at the door; the seat count may then exceed the capacity.
- certificates.particulars: what else the certificate certifies, as issued (provider,
  accreditation, trainer, format, learning outcomes, the holder's organisation, signatory),
  so a reissue prints the same record.
- certificates: a booking holds at most one VALID certificate (was: one not SUPERSEDED), so
  attendance corrected to NO_SHOW (the certificate REVOKED) and then back to ATTENDED can earn
  a new certificate while the revoked one stays on the record.
- users.contact_id: unique where set (a contact has at most one login). The upgrade stops
  with a message naming the contacts if some already have two.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 19:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        DO $$
        DECLARE doubled text;
        BEGIN
          SELECT string_agg(contact_id::text, ', ') INTO doubled FROM (
            SELECT contact_id FROM users WHERE contact_id IS NOT NULL
            GROUP BY contact_id HAVING count(*) > 1
          ) AS d;
          IF doubled IS NOT NULL THEN
            RAISE EXCEPTION 'these contacts have more than one login: %; deactivate and '
              'delete the extra users before upgrading', doubled;
          END IF;
        END $$;
        """
    )
    op.drop_index("ix_users_contact_id", table_name="users")
    op.create_index(
        "uq_users_contact_id",
        "users",
        ["contact_id"],
        unique=True,
        postgresql_where=sa.text("contact_id IS NOT NULL"),
    )
    op.drop_index("uq_certificates_booking_current", table_name="certificates")
    op.create_index(
        "uq_certificates_booking_valid",
        "certificates",
        ["booking_id"],
        unique=True,
        postgresql_where=sa.text("status = 'VALID'"),
    )
    op.add_column("courses", sa.Column("accreditation", sa.String(length=200), nullable=True))
    op.add_column(
        "courses", sa.Column("accreditation_reference", sa.String(length=100), nullable=True)
    )
    op.add_column(
        "courses",
        sa.Column(
            "learning_outcomes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )
    op.add_column(
        "bookings",
        sa.Column("walk_in", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column(
        "certificates",
        sa.Column(
            "particulars",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_index("uq_certificates_booking_valid", table_name="certificates")
    op.create_index(
        "uq_certificates_booking_current",
        "certificates",
        ["booking_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'SUPERSEDED'"),
    )
    op.drop_index("uq_users_contact_id", table_name="users")
    op.create_index("ix_users_contact_id", "users", ["contact_id"])
    op.drop_column("certificates", "particulars")
    op.drop_column("bookings", "walk_in")
    op.drop_column("courses", "learning_outcomes")
    op.drop_column("courses", "accreditation_reference")
    op.drop_column("courses", "accreditation")
