"""Training operations, in one place for the faces: `from network.training import service`.

The operations live in small modules by use case: catalogue (courses), sessions (listing,
seats, the calendar file), scheduling (scheduling, changes, cancellation; its field rules are
session_rules), bookings (booking, waiting list, cancelling, attendance, walk-ins) and
reminders (the two-day due-scan). Marking or clearing attendance revokes certificates, which
live above training: the faces call network.usecases.attendance (mark_attendance,
clear_attendance) for those two, never record_attendance or undo_attendance directly.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from network.training.bookings import (
    AttendanceChange,
    BookingQuery,
    book_contacts,
    book_training,
    bookable_contacts,
    booked_contact_ids,
    bookings_of_sessions,
    cancel_booking,
    colleagues,
    confirm_booking,
    get_bookings,
    list_bookings,
    record_attendance,
    record_walk_in,
    undo_attendance,
)
from network.training.catalogue import (
    CourseQuery,
    create_course,
    get_courses,
    list_courses,
    update_course,
)
from network.training.evaluations import QUESTIONS as EVALUATION_QUESTIONS
from network.training.evaluations import (
    EvaluationForm,
    EvaluationSummary,
    evaluation_by_token,
    evaluation_summaries,
    evaluation_summary,
    invite_due_evaluations,
    submit_evaluation,
)
from network.training.ics import CONTENT_TYPE as ICS_CONTENT_TYPE
from network.training.ics import file_name as ics_file_name
from network.training.notices import ics_url, organizer
from network.training.public import (
    CatalogueQuery,
    catalogue_calendar,
    catalogue_courses,
    catalogue_feed,
    list_catalogue,
    public_session,
)
from network.training.public import page_url as public_page_url
from network.training.reminders import queue_due_reminders
from network.training.scheduling import (
    cancel_training_session,
    create_training_session,
    update_training_session,
)
from network.training.sessions import (
    SeatCounts,
    SessionQuery,
    booking_open,
    get_sessions,
    list_sessions,
    seat_counts,
)
from network.training.sessions import calendar_file as _calendar_file
from network.training.times import format_date, format_span, local

__all__ = [
    "EVALUATION_QUESTIONS",
    "ICS_CONTENT_TYPE",
    "AttendanceChange",
    "BookingQuery",
    "CatalogueQuery",
    "CourseQuery",
    "EvaluationForm",
    "EvaluationSummary",
    "SeatCounts",
    "SessionQuery",
    "book_contacts",
    "book_training",
    "bookable_contacts",
    "booked_contact_ids",
    "booking_open",
    "bookings_of_sessions",
    "calendar_file",
    "cancel_booking",
    "cancel_training_session",
    "catalogue_calendar",
    "catalogue_courses",
    "catalogue_feed",
    "colleagues",
    "confirm_booking",
    "create_course",
    "create_training_session",
    "evaluation_by_token",
    "evaluation_summaries",
    "evaluation_summary",
    "format_date",
    "format_span",
    "get_bookings",
    "get_courses",
    "get_sessions",
    "ics_file_name",
    "ics_url",
    "invite_due_evaluations",
    "list_bookings",
    "list_catalogue",
    "list_courses",
    "list_sessions",
    "local",
    "public_page_url",
    "public_session",
    "queue_due_reminders",
    "record_attendance",
    "record_walk_in",
    "seat_counts",
    "submit_evaluation",
    "undo_attendance",
    "update_course",
    "update_training_session",
]


async def calendar_file(session: AsyncSession, session_id: uuid.UUID) -> bytes | None:
    """A session's .ics file, for whoever holds its unguessable id; None for an unknown id."""
    return await _calendar_file(session, session_id, organizer())
