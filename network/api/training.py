"""Training in GraphQL: the catalogue, sessions, bookings; thin resolvers over the services."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from network.api.context import InvalidArgumentError
from network.api.mutations import given, run_mutation
from network.api.queries import NODE_RESOLVERS
from network.api.relay import (
    Connection,
    Node,
    decode_filter_id,
    decode_id,
    list_connection,
)
from network.api.training_types import Booking, Course, TrainingSession, loaders
from network.api.types import AnyInfo, UserError
from network.kit.sentinel import UNSET
from network.training import service as training
from network.training.enums import BookingStatus, CourseFormat, TrainingSessionStatus

# An id that names nothing: a malformed reference becomes NOT_FOUND, never "no value".
NOWHERE = uuid.UUID(int=0)


def _reference(value: Any, type_name: str) -> Any:
    """A given id as a database id (NOWHERE when malformed); UNSET and None pass through."""
    value = given(value)
    if value is UNSET or value is None:
        return value
    return decode_id(value, type_name) or NOWHERE


async def _course_node(info: AnyInfo, raw_id: uuid.UUID) -> Node | None:
    row = await loaders(info).course.load(raw_id)
    return Course.from_row(row) if row else None


async def _session_node(info: AnyInfo, raw_id: uuid.UUID) -> Node | None:
    row = await loaders(info).session_row.load(raw_id)
    return TrainingSession.from_row(row) if row else None


async def _booking_node(info: AnyInfo, raw_id: uuid.UUID) -> Node | None:
    row = await loaders(info).booking.load(raw_id)
    return Booking.from_row(row) if row else None


NODE_RESOLVERS.update(Course=_course_node, TrainingSession=_session_node, Booking=_booking_node)


def _text(value: str | None, field: str) -> str | None:
    """A filter's text; text the database cannot hold (a NUL character) is an argument error."""
    if value is not None and "\x00" in value:
        raise InvalidArgumentError(
            field, "INVALID_CHARACTER", "Text must not contain NUL (U+0000) characters."
        )
    return value


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
        default=None, description="true: scheduled sessions with a free seat; false: the rest."
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
            format=f.format, cpd_certified=f.cpd_certified, search=_text(f.search, "filter.search")
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
        query = training.SessionQuery(
            starts_from=f.from_,
            starts_before=f.to,
            course_id=decode_filter_id(f.course_id, "Course", "filter.courseId"),
            language=_text(f.language, "filter.language"),
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
        raw = decode_id(id, "TrainingSession")
        row = await loaders(info).session_row.load(raw) if raw else None
        return TrainingSession.from_row(row) if row else None

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
            session_id=decode_filter_id(f.session_id, "TrainingSession", "filter.sessionId"),
            contact_id=decode_filter_id(f.contact_id, "Contact", "filter.contactId"),
            status=f.status,
        )
        return await list_connection(
            training.list_bookings(
                info.context.session, principal, query, first=first, after=after
            ),
            Booking.from_row,
        )


@strawberry.input
class CreateCourseInput:
    title: str
    format: CourseFormat
    cpd_hours: float = strawberry.field(description="0 when the course gives none; e.g. 3.5.")
    cpd_certified: bool
    description: str | None = None


@strawberry.input
class UpdateCourseInput:
    id: strawberry.ID
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    format: CourseFormat | None = strawberry.UNSET
    cpd_hours: float | None = strawberry.UNSET
    cpd_certified: bool | None = strawberry.UNSET


@strawberry.type
class CoursePayload:
    course: Course | None
    user_errors: list[UserError]


@strawberry.input(description="Times without an offset are wall-clock times in `timeZone`.")
class CreateTrainingSessionInput:
    course_id: strawberry.ID
    starts_at: datetime
    ends_at: datetime
    time_zone: str = strawberry.field(description="IANA name, e.g. Europe/London.")
    language: str = strawberry.field(description="en, cy, fr, es or de.")
    capacity: int
    booking_deadline: datetime | None = None
    venue: str | None = None
    online_url: str | None = None
    trainer: str | None = None
    reserved_cohort_id: strawberry.ID | None = None
    reserved_member_id: strawberry.ID | None = None


@strawberry.input(description="Omitted fields are kept; status CANCELLED cancels the session.")
class UpdateTrainingSessionInput:
    id: strawberry.ID
    starts_at: datetime | None = strawberry.UNSET
    ends_at: datetime | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET
    language: str | None = strawberry.UNSET
    capacity: int | None = strawberry.UNSET
    booking_deadline: datetime | None = strawberry.UNSET
    venue: str | None = strawberry.UNSET
    online_url: str | None = strawberry.UNSET
    trainer: str | None = strawberry.UNSET
    reserved_cohort_id: strawberry.ID | None = strawberry.UNSET
    reserved_member_id: strawberry.ID | None = strawberry.UNSET
    status: TrainingSessionStatus | None = strawberry.UNSET
    cancellation_reason: str | None = None


@strawberry.type
class TrainingSessionPayload:
    training_session: TrainingSession | None
    user_errors: list[UserError]


@strawberry.input
class BookTrainingInput:
    session_id: strawberry.ID
    contact_id: strawberry.ID


@strawberry.input
class CancelBookingInput:
    booking_id: strawberry.ID
    reason: str | None = None


@strawberry.type
class BookingPayload:
    booking: Booking | None
    user_errors: list[UserError]


@strawberry.input
class MarkAttendanceInput:
    booking_ids: list[strawberry.ID]
    attended: bool = strawberry.field(description="true: ATTENDED; false: NO_SHOW.")


@strawberry.type
class MarkAttendancePayload:
    bookings: list[Booking] | None
    user_errors: list[UserError]


async def _booking(info: AnyInfo, result: Any) -> Booking | None:
    """The booking as the caller now sees it (with its place on the waiting list)."""
    if result is None:
        return None
    row = await loaders(info).booking.load(result.id)
    return Booking.from_row(row) if row else None


async def _session(info: AnyInfo, result: Any) -> TrainingSession | None:
    return TrainingSession.from_row(result) if result is not None else None


@strawberry.type
class TrainingMutation:
    @strawberry.mutation(description="Add a course to the catalogue (staff).")
    async def create_course(self, info: AnyInfo, input: CreateCourseInput) -> CoursePayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: training.create_course(
                s,
                p,
                title=input.title,
                format=input.format,
                cpd_hours=input.cpd_hours,
                cpd_certified=input.cpd_certified,
                description=input.description,
            ),
            input=input,
        )
        return CoursePayload(course=Course.from_row(result) if result else None, user_errors=errors)

    @strawberry.mutation(description="Change a course (staff); omitted fields are kept.")
    async def update_course(self, info: AnyInfo, input: UpdateCourseInput) -> CoursePayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: training.update_course(
                s,
                p,
                decode_id(input.id, "Course"),
                title=given(input.title),
                description=given(input.description),
                format=given(input.format),
                cpd_hours=given(input.cpd_hours),
                cpd_certified=given(input.cpd_certified),
            ),
            input=input,
        )
        return CoursePayload(course=Course.from_row(result) if result else None, user_errors=errors)

    @strawberry.mutation(description="Schedule a session of a course (staff).")
    async def create_training_session(
        self, info: AnyInfo, input: CreateTrainingSessionInput
    ) -> TrainingSessionPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: training.create_training_session(
                s,
                p,
                course_id=decode_id(input.course_id, "Course"),
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                time_zone=input.time_zone,
                language=input.language,
                capacity=input.capacity,
                booking_deadline=input.booking_deadline,
                venue=input.venue,
                online_url=input.online_url,
                trainer=input.trainer,
                reserved_cohort_id=_reference(input.reserved_cohort_id, "Cohort"),
                reserved_member_id=_reference(input.reserved_member_id, "Member"),
            ),
            input=input,
        )
        return TrainingSessionPayload(
            training_session=await _session(info, result), user_errors=errors
        )

    @strawberry.mutation(
        description="Change a session (staff): times, place, capacity, or cancel it. "
        "Raising the capacity promotes from the waiting list; attendees get updated invites."
    )
    async def update_training_session(
        self, info: AnyInfo, input: UpdateTrainingSessionInput
    ) -> TrainingSessionPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: training.update_training_session(
                s,
                p,
                decode_id(input.id, "TrainingSession"),
                starts_at=given(input.starts_at),
                ends_at=given(input.ends_at),
                time_zone=given(input.time_zone),
                language=given(input.language),
                capacity=given(input.capacity),
                booking_deadline=given(input.booking_deadline),
                venue=given(input.venue),
                online_url=given(input.online_url),
                trainer=given(input.trainer),
                reserved_cohort_id=_reference(input.reserved_cohort_id, "Cohort"),
                reserved_member_id=_reference(input.reserved_member_id, "Member"),
                status=given(input.status),
                cancellation_reason=input.cancellation_reason,
            ),
            input=input,
        )
        return TrainingSessionPayload(
            training_session=await _session(info, result), user_errors=errors
        )

    @strawberry.mutation(
        description="Book a contact onto a session: CONFIRMED while seats are left, "
        "else WAITLISTED with its place on the list."
    )
    async def book_training(self, info: AnyInfo, input: BookTrainingInput) -> BookingPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: training.book_training(
                s,
                p,
                session_id=decode_id(input.session_id, "TrainingSession"),
                contact_id=decode_id(input.contact_id, "Contact"),
            ),
            input=input,
        )
        return BookingPayload(booking=await _booking(info, result), user_errors=errors)

    @strawberry.mutation(
        description="Cancel a booking; a freed seat goes to the first on the waiting list."
    )
    async def cancel_booking(self, info: AnyInfo, input: CancelBookingInput) -> BookingPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: training.cancel_booking(
                s, p, booking_id=decode_id(input.booking_id, "Booking"), reason=input.reason
            ),
            input=input,
        )
        return BookingPayload(booking=await _booking(info, result), user_errors=errors)

    @strawberry.mutation(
        description="Record ATTENDED (or NO_SHOW) on confirmed bookings of a started session."
    )
    async def mark_attendance(
        self, info: AnyInfo, input: MarkAttendanceInput
    ) -> MarkAttendancePayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: training.mark_attendance(
                s,
                p,
                booking_ids=[decode_id(i, "Booking") for i in input.booking_ids],
                attended=input.attended,
            ),
            input=input,
        )
        if result is None:
            return MarkAttendancePayload(bookings=None, user_errors=errors)
        rows = await loaders(info).booking.load_many([b.id for b in result])
        return MarkAttendancePayload(
            bookings=[Booking.from_row(row) for row in rows if row is not None],
            user_errors=errors,
        )
