"""Network meetings after each star step, their invitations, and the reminders planned for them."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, created_at_column, updated_at_column, uuid_pk
from network.kit.columns import enum_column_type
from network.kit.enums import MeetingStatus, Network, RsvpResponse, StarStep
from network.kit.pii import (
    ROW_WRITTEN,
    WITH_HISTORY,
    Category,
    Erase,
    not_personal,
    personal,
)

_FREE_TEXT = "what staff wrote for the invitees (free text may name someone)"


def _answers() -> dict[str, object]:
    return personal(
        Category.PROGRAMME,
        "who was invited to which meeting and what they answered",
        WITH_HISTORY,
        Erase.KEEP,
    )


DEFAULT_REMINDER_OFFSETS = (10080, 1440)  # 7 days and 1 day before the start, in minutes


class ReminderStatus(enum.StrEnum):
    """Where one planned reminder stands."""

    PLANNED = "PLANNED"  # due at due_at, not sent yet
    SENT = "SENT"  # an outbox message was written for it
    SKIPPED = "SKIPPED"  # not sent: the invitee said no, opted out, or the meeting was cancelled
    SUPERSEDED = "SUPERSEDED"  # the meeting was rescheduled; a new plan replaced it


class NetworkMeeting(Base):
    """A meeting of a cohort (or of a whole network) held after a star step.

    `sequence` is the iCalendar SEQUENCE of the invite: it goes up with every update that is
    sent, so calendar programs replace the old event (same UID) instead of adding another.
    """

    __tablename__ = "network_meetings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_network_meetings_sort", "starts_at", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    cohort_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="RESTRICT"), index=True
    )
    network: Mapped[Network] = mapped_column(enum_column_type(Network))
    after_step: Mapped[StarStep] = mapped_column(enum_column_type(StarStep))
    title: Mapped[str] = mapped_column(String(200), info=not_personal("the meeting's title"))
    starts_at: Mapped[datetime] = mapped_column(info=not_personal("when the meeting is"))
    ends_at: Mapped[datetime] = mapped_column(info=not_personal("when the meeting is"))
    time_zone: Mapped[str] = mapped_column(String(64), info=not_personal("an IANA zone"))
    venue: Mapped[str | None] = mapped_column(String(500), info=not_personal("a place"))
    online_url: Mapped[str | None] = mapped_column(
        String(2000), info=not_personal("the meeting's link")
    )
    agenda: Mapped[str | None] = mapped_column(
        Text, info=personal(Category.PROGRAMME, _FREE_TEXT, WITH_HISTORY, Erase.SCRUB)
    )
    reminder_offsets_minutes: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    status: Mapped[MeetingStatus] = mapped_column(
        enum_column_type(MeetingStatus), default=MeetingStatus.SCHEDULED
    )
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    cancelled_at: Mapped[datetime | None] = mapped_column(
        info=not_personal("when the meeting was cancelled")
    )
    cancellation_reason: Mapped[str | None] = mapped_column(
        Text, info=personal(Category.PROGRAMME, _FREE_TEXT, WITH_HISTORY, Erase.SCRUB)
    )
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column(not_personal(ROW_WRITTEN))
    updated_at: Mapped[datetime] = updated_at_column(not_personal(ROW_WRITTEN))


class MeetingInvitation(Base):
    """A contact invited to a network meeting, and their answer (null until they give one)."""

    __tablename__ = "meeting_invitations"
    __table_args__ = (UniqueConstraint("meeting_id", "contact_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("network_meetings.id", ondelete="CASCADE")
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    response: Mapped[RsvpResponse | None] = mapped_column(enum_column_type(RsvpResponse))
    responded_at: Mapped[datetime | None] = mapped_column(info=_answers())
    invited_at: Mapped[datetime] = created_at_column(_answers())


class MeetingReminder(Base):
    """One reminder owed to one invitee: due at the meeting's start minus `offset_minutes`.

    The worker's due-scan claims PLANNED rows whose time has come (a partial index keeps the
    scan small) and writes one outbox message per row in the same transaction.
    """

    __tablename__ = "meeting_reminders"
    __table_args__ = (
        Index(
            "ix_meeting_reminders_due",
            "due_at",
            postgresql_where=text("status = 'PLANNED'"),
        ),
        Index(
            "uq_meeting_reminders_planned",
            "invitation_id",
            "offset_minutes",
            unique=True,
            postgresql_where=text("status = 'PLANNED'"),
        ),
        Index("ix_meeting_reminders_meeting", "meeting_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("network_meetings.id", ondelete="CASCADE")
    )
    invitation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meeting_invitations.id", ondelete="CASCADE"), index=True
    )
    offset_minutes: Mapped[int]
    due_at: Mapped[datetime] = mapped_column(info=not_personal("when the reminder is due"))
    status: Mapped[ReminderStatus] = mapped_column(
        enum_column_type(ReminderStatus), default=ReminderStatus.PLANNED
    )
    sent_at: Mapped[datetime | None] = mapped_column(info=not_personal("when it was owed"))
    created_at: Mapped[datetime] = created_at_column(not_personal(ROW_WRITTEN))
