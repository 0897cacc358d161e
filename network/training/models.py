"""Courses, scheduled training sessions and the bookings (and waiting lists) on them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, created_at_column, updated_at_column, uuid_pk
from network.kit.columns import enum_column_type
from network.kit.pii import (
    ROW_WRITTEN,
    WITH_HISTORY,
    Category,
    Erase,
    not_personal,
    personal,
)
from network.training.enums import BookingStatus, CourseFormat, TrainingSessionStatus


def _history() -> dict[str, object]:
    return personal(
        Category.TRAINING,
        "the person's training record: bookings, waiting lists, attendance, CPD hours",
        WITH_HISTORY,
        Erase.KEEP,
    )


class Course(Base):
    """A training product of the catalogue, e.g. Co-Production Star training."""

    __tablename__ = "courses"
    __table_args__ = (
        Index("ix_courses_sort", "title", "id"),
        CheckConstraint("cpd_hours >= 0", name="cpd_hours_not_negative"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    format: Mapped[CourseFormat] = mapped_column(enum_column_type(CourseFormat))
    cpd_hours: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    cpd_certified: Mapped[bool]
    # Who certifies the course for CPD (e.g. "CPD Standards Office") and the provider's
    # reference number with them; printed on its certificates. NULL: no accreditation.
    accreditation: Mapped[str | None] = mapped_column(String(200))
    accreditation_reference: Mapped[str | None] = mapped_column(String(100))
    # The learning outcomes per language: {"en": ["...", ...], "fr": [...]}.
    learning_outcomes: Mapped[dict[str, list[str]]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    # Set: an attendee's certificate is issued only once their evaluation is in.
    certificate_waits_for_evaluation: Mapped[bool] = mapped_column(
        default=False, server_default=text("false")
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class TrainingSession(Base):
    """One delivery of a course: when (UTC plus the IANA zone it is held in), where, how many.

    `ics_sequence` is the SEQUENCE of the session's calendar invite: it goes up whenever staff
    change what the invite shows or cancel the session, so calendars replace the old entry.
    """

    __tablename__ = "training_sessions"
    __table_args__ = (
        Index("ix_training_sessions_sort", "starts_at", "id"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "reserved_cohort_id IS NULL OR reserved_member_id IS NULL", name="one_reservation"
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="RESTRICT"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    time_zone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    venue: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int] = mapped_column(Integer)
    booking_deadline: Mapped[datetime | None]
    # The trainer is not a contact: their name is shown to attendees, as they agreed.
    trainer: Mapped[str | None] = mapped_column(
        String(200),
        info=personal(
            Category.IDENTITY,
            "to tell attendees who trains them",
            "as long as the session's record",
            Erase.KEEP,
        ),
    )
    status: Mapped[TrainingSessionStatus] = mapped_column(
        enum_column_type(TrainingSessionStatus), default=TrainingSessionStatus.SCHEDULED
    )
    cancelled_at: Mapped[datetime | None]
    cancellation_reason: Mapped[str | None] = mapped_column(
        Text,
        info=personal(
            Category.TRAINING,
            "to tell those booked why a session was cancelled (free text may name someone)",
            WITH_HISTORY,
            Erase.SCRUB,
        ),
    )
    reserved_cohort_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="RESTRICT"), index=True
    )
    reserved_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), index=True
    )
    ics_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class Booking(Base):
    """A contact on a training session: confirmed, waiting, cancelled, attended or no-show.

    `queue_number` comes from one sequence and is taken while the session row is locked, so
    it orders the bookings of a session exactly as they were made: the waiting list is the
    session's WAITLISTED bookings in that order, and a position is a rank, never stored, so
    it has no gaps. A contact holds at most one live (not cancelled) booking per session.
    """

    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "uq_bookings_session_contact_live",
            "session_id",
            "contact_id",
            unique=True,
            postgresql_where=text("status <> 'CANCELLED'"),
        ),
        Index("ix_bookings_session_queue", "session_id", "status", "queue_number"),
        Index(
            "ix_bookings_reminder_due",
            "session_id",
            postgresql_where=text("status = 'CONFIRMED' AND reminder_queued_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="RESTRICT")
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[BookingStatus] = mapped_column(enum_column_type(BookingStatus))
    queue_number: Mapped[int] = mapped_column(BigInteger, Identity())
    booked_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    booked_at: Mapped[datetime] = created_at_column(_history())
    promoted_at: Mapped[datetime | None] = mapped_column(info=_history())
    cancelled_at: Mapped[datetime | None] = mapped_column(info=_history())
    cancellation_reason: Mapped[str | None] = mapped_column(
        Text,
        info=personal(Category.TRAINING, "why a booking was cancelled (free text)", WITH_HISTORY),
    )
    cancelled_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    attendance_marked_at: Mapped[datetime | None] = mapped_column(info=_history())
    # Marked attended at the door without holding a seat (waitlisted or not booked at all).
    walk_in: Mapped[bool] = mapped_column(
        default=False, server_default=text("false"), info=_history()
    )
    reminder_queued_at: Mapped[datetime | None] = mapped_column(
        info=not_personal("when the reminder was owed: bookkeeping of the outbox")
    )
    updated_at: Mapped[datetime] = updated_at_column(not_personal(ROW_WRITTEN))


# The five questions of the evaluation form, each answered on a 1-5 scale, in the order asked.
EVALUATION_QUESTIONS = ("relevance", "trainer", "materials", "practice", "overall")


def _answer() -> Mapped[int | None]:
    return mapped_column(
        SmallInteger,
        info=personal(
            Category.TRAINING,
            "the attendee's rating of the training (1-5), for the training's aggregate feedback",
            WITH_HISTORY,
            Erase.KEEP,
        ),
    )


class TrainingEvaluation(Base):
    """An attendee's evaluation of a session: owed (invited) once the session has ended and
    attendance is marked, answered (`submitted_at`) once through the emailed link.

    The row is written when the invitation is owed, so it is also the invitation's record:
    one per booking (the unique key), and the answers stay NULL until submitted.
    """

    __tablename__ = "training_evaluations"
    __table_args__ = (
        *(
            CheckConstraint(f"{q} BETWEEN 1 AND 5", name=f"{q}_on_the_scale")
            for q in EVALUATION_QUESTIONS
        ),
        CheckConstraint(
            "submitted_at IS NULL OR ("
            + " AND ".join(f"{q} IS NOT NULL" for q in EVALUATION_QUESTIONS)
            + ")",
            name="answered_when_submitted",
        ),
        CheckConstraint("char_length(comments) <= 2000", name="comments_length"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    booking_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), unique=True
    )
    relevance: Mapped[int | None] = _answer()
    trainer: Mapped[int | None] = _answer()
    materials: Mapped[int | None] = _answer()
    practice: Mapped[int | None] = _answer()
    overall: Mapped[int | None] = _answer()
    comments: Mapped[str | None] = mapped_column(
        Text,
        info=personal(
            Category.TRAINING,
            "the attendee's comments on the training (free text may name someone)",
            WITH_HISTORY,
            Erase.SCRUB,
        ),
    )
    # The language the invitation was written in (the attendee's, when it was owed).
    language: Mapped[str] = mapped_column(
        String(2),
        info=personal(
            Category.CONTACT, "to write the form in the attendee's language", WITH_HISTORY
        ),
    )
    invited_at: Mapped[datetime] = mapped_column(info=_history())
    submitted_at: Mapped[datetime | None] = mapped_column(info=_history())
    created_at: Mapped[datetime] = created_at_column(not_personal(ROW_WRITTEN))
    updated_at: Mapped[datetime] = updated_at_column(not_personal(ROW_WRITTEN))
