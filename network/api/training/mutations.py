"""Mutations on training: the catalogue, scheduling, bookings, attendance."""

from __future__ import annotations

from datetime import datetime

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.ids import input_id
from network.api.core.mutations import UserError, given, run_mutation
from network.api.training.types import Booking, Course, TrainingSession, load_booking
from network.training import service as training
from network.training.enums import CourseFormat, TrainingSessionStatus


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
                input_id(input.id, "Course"),
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
                course_id=input_id(input.course_id, "Course"),
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                time_zone=input.time_zone,
                language=input.language,
                capacity=input.capacity,
                booking_deadline=input.booking_deadline,
                venue=input.venue,
                online_url=input.online_url,
                trainer=input.trainer,
                reserved_cohort_id=input_id(input.reserved_cohort_id, "Cohort"),
                reserved_member_id=input_id(input.reserved_member_id, "Member"),
            ),
            input=input,
        )
        return TrainingSessionPayload(
            training_session=TrainingSession.from_row(result) if result is not None else None,
            user_errors=errors,
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
                input_id(input.id, "TrainingSession"),
                starts_at=given(input.starts_at),
                ends_at=given(input.ends_at),
                time_zone=given(input.time_zone),
                language=given(input.language),
                capacity=given(input.capacity),
                booking_deadline=given(input.booking_deadline),
                venue=given(input.venue),
                online_url=given(input.online_url),
                trainer=given(input.trainer),
                reserved_cohort_id=input_id(input.reserved_cohort_id, "Cohort"),
                reserved_member_id=input_id(input.reserved_member_id, "Member"),
                status=given(input.status),
                cancellation_reason=input.cancellation_reason,
            ),
            input=input,
        )
        return TrainingSessionPayload(
            training_session=TrainingSession.from_row(result) if result is not None else None,
            user_errors=errors,
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
                session_id=input_id(input.session_id, "TrainingSession"),
                contact_id=input_id(input.contact_id, "Contact"),
            ),
            input=input,
        )
        booking = await load_booking(info, result.id) if result is not None else None
        return BookingPayload(booking=booking, user_errors=errors)

    @strawberry.mutation(
        description="Cancel a booking; a freed seat goes to the first on the waiting list."
    )
    async def cancel_booking(self, info: AnyInfo, input: CancelBookingInput) -> BookingPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: training.cancel_booking(
                s, p, booking_id=input_id(input.booking_id, "Booking"), reason=input.reason
            ),
            input=input,
        )
        booking = await load_booking(info, result.id) if result is not None else None
        return BookingPayload(booking=booking, user_errors=errors)

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
                booking_ids=[input_id(i, "Booking") for i in input.booking_ids],
                attended=input.attended,
            ),
            input=input,
        )
        if result is None:
            return MarkAttendancePayload(bookings=None, user_errors=errors)
        rows = await info.context.loaders.booking.load_many([b.id for b in result])
        return MarkAttendancePayload(
            bookings=[Booking.from_row(row) for row in rows if row is not None],
            user_errors=errors,
        )
