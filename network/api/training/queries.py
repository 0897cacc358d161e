"""Queries on training: the course catalogue, sessions, bookings."""

from __future__ import annotations

from datetime import datetime

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.dates import time_range
from network.api.core.errors import filter_text
from network.api.core.ids import decode_id, filter_id
from network.api.core.relay import Connection, list_connection
from network.api.training.types import Booking, Course, TrainingSession, load_training_session
from network.training import service as training
from network.training.enums import BookingStatus, CourseFormat, TrainingSessionStatus


@strawberry.input(description="Filters for `courses`.")
class CourseFilter:
    format: CourseFormat | None = None
    cpd_certified: bool | None = None
    search: str | None = strawberry.field(default=None, description="Part of the title.")


@strawberry.input(description="Filters for `trainingSessions`; every field narrows the list.")
class TrainingSessionFilter:
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Sessions starting at or after this instant."
    )
    to: datetime | None = strawberry.field(
        default=None, description="Sessions starting before this instant."
    )
    course_id: strawberry.ID | None = None
    language: str | None = None
    has_seats: bool | None = strawberry.field(
        default=None,
        description="true: sessions that can still be booked (scheduled, not started, booking "
        "deadline not passed, a seat free); false: every other session (full, closed, past or "
        "cancelled).",
    )
    status: TrainingSessionStatus | None = None


@strawberry.input(description="Filters for `bookings`.")
class BookingFilter:
    session_id: strawberry.ID | None = None
    contact_id: strawberry.ID | None = None
    status: BookingStatus | None = None


@strawberry.type
class TrainingQuery:
    @strawberry.field(description="The course catalogue, by title.")
    async def courses(
        self,
        info: AnyInfo,
        first: int | None = 20,
        after: str | None = None,
        filter: CourseFilter | None = None,
    ) -> Connection[Course]:
        principal = info.context.require_principal()
        f = filter or CourseFilter()
        query = training.CourseQuery(
            format=f.format,
            cpd_certified=f.cpd_certified,
            search=filter_text(f.search, "filter.search"),
        )
        return await list_connection(
            training.list_courses(info.context.session, principal, query, first=first, after=after),
            Course.from_row,
        )

    @strawberry.field(description="Training sessions you may see, in order of their start.")
    async def training_sessions(
        self,
        info: AnyInfo,
        first: int | None = 20,
        after: str | None = None,
        filter: TrainingSessionFilter | None = None,
    ) -> Connection[TrainingSession]:
        principal = info.context.require_principal()
        f = filter or TrainingSessionFilter()
        starts_from, starts_before = time_range(f.from_, f.to)
        query = training.SessionQuery(
            starts_from=starts_from,
            starts_before=starts_before,
            course_id=filter_id(f.course_id, "Course", "filter.courseId"),
            language=filter_text(f.language, "filter.language"),
            has_seats=f.has_seats,
            status=f.status,
        )
        return await list_connection(
            training.list_sessions(
                info.context.session, principal, query, first=first, after=after
            ),
            TrainingSession.from_row,
        )

    @strawberry.field(description="One training session, or null if you may not see it.")
    async def training_session(self, info: AnyInfo, id: strawberry.ID) -> TrainingSession | None:
        info.context.require_principal()
        return await load_training_session(info, decode_id(id, "TrainingSession"))

    @strawberry.field(description="Bookings you may see, in the order they were made.")
    async def bookings(
        self,
        info: AnyInfo,
        first: int | None = 20,
        after: str | None = None,
        filter: BookingFilter | None = None,
    ) -> Connection[Booking]:
        principal = info.context.require_principal()
        f = filter or BookingFilter()
        query = training.BookingQuery(
            session_id=filter_id(f.session_id, "TrainingSession", "filter.sessionId"),
            contact_id=filter_id(f.contact_id, "Contact", "filter.contactId"),
            status=f.status,
        )
        return await list_connection(
            training.list_bookings(
                info.context.session, principal, query, first=first, after=after
            ),
            Booking.from_row,
        )
