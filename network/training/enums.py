"""The training glossary's enumerations, shared by models, services and faces."""

from __future__ import annotations

import enum


class CourseFormat(enum.StrEnum):
    """How long one delivery of a course takes."""

    HALF_DAY = "HALF_DAY"
    ONE_DAY = "ONE_DAY"
    TWO_DAY = "TWO_DAY"


class TrainingSessionStatus(enum.StrEnum):
    """Whether a session will take place."""

    SCHEDULED = "SCHEDULED"
    CANCELLED = "CANCELLED"


class BookingStatus(enum.StrEnum):
    """Where a contact stands on a training session."""

    CONFIRMED = "CONFIRMED"
    WAITLISTED = "WAITLISTED"
    CANCELLED = "CANCELLED"
    ATTENDED = "ATTENDED"
    NO_SHOW = "NO_SHOW"


# A booking in one of these states holds a seat (attendance is recorded on confirmed seats).
SEAT_HOLDING = (BookingStatus.CONFIRMED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
# A live booking is any booking not cancelled: a contact may hold one per session.
LIVE = (*SEAT_HOLDING, BookingStatus.WAITLISTED)
