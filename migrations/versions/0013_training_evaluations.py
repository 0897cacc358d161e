"""training evaluations: the feedback form owed to each attendee after a session

- training_evaluations: one per booking (unique, deleted with it), written when the
  invitation is owed (`invited_at`); the five answers (1-5) and the comments (at most 2,000
  characters) stay NULL until the attendee submits the form (`submitted_at`), once.
- courses.certificate_waits_for_evaluation: a course whose certificates are issued only once
  the attendee's evaluation is in.
- Row-level security as for the rows about a contact (0008, 0010): staff and the system see
  every evaluation; a partner those of its members' contacts' bookings (the contacts table's
  own policy applies in the subquery); a member contact its own.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUESTIONS = ("relevance", "trainer", "materials", "practice", "overall")
SEES_ALL = "(SELECT network_sees_all())"
KIND = "(SELECT network_principal_kind())"
# bookings has no policy of its own; contacts has, and it applies inside the subquery.
BOOKING_VISIBLE = (
    "booking_id IN (SELECT b.id FROM bookings b WHERE "
    f"({KIND} = 'MEMBER' AND b.contact_id = (SELECT network_contact_id()))"
    f" OR ({KIND} = 'PARTNER' AND b.contact_id IN (SELECT id FROM contacts)))"
)


def upgrade() -> None:
    op.add_column(
        "courses",
        sa.Column(
            "certificate_waits_for_evaluation",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
        ),
    )
    op.create_table(
        "training_evaluations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        *(sa.Column(q, sa.SmallInteger(), nullable=True) for q in QUESTIONS),
        sa.Column("comments", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        *(
            sa.CheckConstraint(
                f"{q} BETWEEN 1 AND 5", name=op.f(f"ck_training_evaluations_{q}_on_the_scale")
            )
            for q in QUESTIONS
        ),
        sa.CheckConstraint(
            "submitted_at IS NULL OR (" + " AND ".join(f"{q} IS NOT NULL" for q in QUESTIONS) + ")",
            name=op.f("ck_training_evaluations_answered_when_submitted"),
        ),
        sa.CheckConstraint(
            "char_length(comments) <= 2000", name=op.f("ck_training_evaluations_comments_length")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_training_evaluations_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_evaluations")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_training_evaluations_booking_id")),
    )
    op.execute("ALTER TABLE training_evaluations ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE training_evaluations FORCE ROW LEVEL SECURITY")
    visible = f"{SEES_ALL} OR {BOOKING_VISIBLE}"
    op.execute(
        f"CREATE POLICY training_evaluations_scope ON training_evaluations USING ({visible}) "
        f"WITH CHECK ({visible})"
    )


def downgrade() -> None:
    op.drop_table("training_evaluations")
    op.drop_column("courses", "certificate_waits_for_evaluation")
