"""Mutations on training: the catalogue, scheduling, bookings, attendance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.ids import input_id
from network.api.core.mutations import UserError, given, run_mutation
from network.api.training.types import Booking, Course, TrainingSession, load_booking
from network.training import service as training
from network.training.enums import CourseFormat, TrainingSessionStatus
from network.usecases import attendance


@strawberry.input(description="A course's learning outcomes in one language.")
class LearningOutcomesInput:
    language: str = strawberry.field(description="en, cy, fr, es or de.")
    outcomes: list[str] = strawberry.field(
        description="At most 12, each at most 300 characters; an empty list removes the language."
    )


def _outcomes(value: list[LearningOutcomesInput] | None) -> list[tuple[str, list[str]]] | None:
    """The input's lists as (language, outcomes) pairs, in the order sent (errors name it)."""
    return None if value is None else [(item.language, item.outcomes) for item in value]


@strawberry.input
class CreateCourseInput:
    title: str
    format: CourseFormat
    cpd_hours: float = strawberry.field(description="0 when the course gives none; e.g. 3.5.")
    cpd_certified: bool
    description: str | None = None
    accreditation: str | None = strawberry.field(
        default=None, description="Who certifies it for CPD, e.g. CPD Standards Office."
    )
    accreditation_reference: str | None = strawberry.field(
        default=None, description="The provider's reference number with that body."
    )
    learning_outcomes: list[LearningOutcomesInput] | None = strawberry.field(
        default=None, description="Per language (en, cy, fr, es, de)."
    )
    certificate_waits_for_evaluation: bool = strawberry.field(
        default=False,
        description="Issue an attendee's certificate only once their evaluation is in.",
    )


@strawberry.input
class UpdateCourseInput:
    id: strawberry.ID
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    format: CourseFormat | None = strawberry.UNSET
    cpd_hours: float | None = strawberry.UNSET
    cpd_certified: bool | None = strawberry.UNSET
    accreditation: str | None = strawberry.UNSET
    accreditation_reference: str | None = strawberry.UNSET
    learning_outcomes: list[LearningOutcomesInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Replaces all the course's learning outcomes; null or [] removes them.",
    )
    certificate_waits_for_evaluation: bool | None = strawberry.UNSET


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
    reason: str | None = strawberry.field(
        default=None,
        description="Why an ATTENDED booking is corrected to NO_SHOW: the reason its "
        "certificate is revoked with.",
    )


@strawberry.type
class MarkAttendancePayload:
    bookings: list[Booking] | None
    user_errors: list[UserError]


@strawberry.input
class ClearAttendanceInput:
    booking_ids: list[strawberry.ID]
    reason: str | None = strawberry.field(
        default=None, description="Why: the reason a certificate is revoked with."
    )


@strawberry.type
class ClearAttendancePayload:
    bookings: list[Booking] | None
    user_errors: list[UserError]


@strawberry.input
class RecordWalkInInput:
    session_id: strawberry.ID
    contact_id: strawberry.ID


@strawberry.input
class ConfirmBookingInput:
    booking_id: strawberry.ID
    over_capacity: bool = strawberry.field(
        default=False, description="Seat them even when no seat is free."
    )


@strawberry.input
class BookContactsInput:
    session_id: strawberry.ID
    contact_ids: list[strawberry.ID] = strawberry.field(
        description="At most 50, booked in this order: CONFIRMED while seats last, then WAITLISTED."
    )


@strawberry.type
class BookContactsPayload:
    bookings: list[Booking] | None
    user_errors: list[UserError]


@strawberry.input
class CancelTrainingSessionInput:
    session_id: strawberry.ID
    reason: str = strawberry.field(description="Told to everyone booked.")


async def _booking_payload(info: AnyInfo, result: Any, errors: list[UserError]) -> BookingPayload:
    """The payload of a mutation on one booking: the booking as the caller sees it."""
    booking = await load_booking(info, result.id) if result is not None else None
    return BookingPayload(booking=booking, user_errors=errors)


async def _bookings(info: AnyInfo, result: list[Any] | None) -> list[Booking] | None:
    """The changed bookings as the caller now sees them, in one load."""
    if result is None:
        return None
    rows = await info.context.loaders.booking.load_many([b.id for b in result])
    return [Booking.from_row(row) for row in rows if row is not None]


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
                accreditation=input.accreditation,
                accreditation_reference=input.accreditation_reference,
                learning_outcomes=_outcomes(input.learning_outcomes),
                certificate_waits_for_evaluation=input.certificate_waits_for_evaluation,
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
                accreditation=given(input.accreditation),
                accreditation_reference=given(input.accreditation_reference),
                learning_outcomes=(
                    given(input.learning_outcomes)
                    if input.learning_outcomes is strawberry.UNSET
                    else _outcomes(input.learning_outcomes)
                ),
                certificate_waits_for_evaluation=given(input.certificate_waits_for_evaluation),
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
        return await _booking_payload(info, result, errors)

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
        return await _booking_payload(info, result, errors)

    @strawberry.mutation(
        description="Record ATTENDED (or NO_SHOW) on bookings of a started session (a waitlisted "
        "one marked attended is a walk-in); ATTENDED corrected to NO_SHOW revokes its certificate."
    )
    async def mark_attendance(
        self, info: AnyInfo, input: MarkAttendanceInput
    ) -> MarkAttendancePayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: attendance.mark_attendance(
                s,
                p,
                booking_ids=[input_id(i, "Booking") for i in input.booking_ids],
                attended=input.attended,
                reason=input.reason,
            ),
            input=input,
        )
        return MarkAttendancePayload(bookings=await _bookings(info, result), user_errors=errors)

    @strawberry.mutation(
        description="Undo recorded attendance (staff): a seated booking returns to CONFIRMED, "
        "a walk-in to CANCELLED; an issued certificate is revoked."
    )
    async def clear_attendance(
        self, info: AnyInfo, input: ClearAttendanceInput
    ) -> ClearAttendancePayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: attendance.clear_attendance(
                s,
                p,
                booking_ids=[input_id(i, "Booking") for i in input.booking_ids],
                reason=input.reason,
            ),
            input=input,
        )
        return ClearAttendancePayload(bookings=await _bookings(info, result), user_errors=errors)

    @strawberry.mutation(
        description="Mark someone who turned up without a seat as attended, a walk-in (staff), "
        "once the session has started."
    )
    async def record_walk_in(self, info: AnyInfo, input: RecordWalkInInput) -> BookingPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: training.record_walk_in(
                s,
                p,
                session_id=input_id(input.session_id, "TrainingSession"),
                contact_id=input_id(input.contact_id, "Contact"),
            ),
            input=input,
        )
        return await _booking_payload(info, result, errors)

    @strawberry.mutation(
        description="Confirm a booking from the waiting list now (staff); refused when no seat "
        "is free unless overCapacity."
    )
    async def confirm_booking(self, info: AnyInfo, input: ConfirmBookingInput) -> BookingPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: training.confirm_booking(
                s,
                p,
                booking_id=input_id(input.booking_id, "Booking"),
                over_capacity=input.over_capacity,
            ),
            input=input,
        )
        return await _booking_payload(info, result, errors)

    @strawberry.mutation(
        description="Book several contacts onto a session at once, all or nothing: CONFIRMED "
        "while seats last, then WAITLISTED."
    )
    async def book_contacts(self, info: AnyInfo, input: BookContactsInput) -> BookContactsPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: training.book_contacts(
                s,
                p,
                session_id=input_id(input.session_id, "TrainingSession"),
                contact_ids=[input_id(i, "Contact") for i in input.contact_ids],
            ),
            input=input,
        )
        return BookContactsPayload(bookings=await _bookings(info, result), user_errors=errors)

    @strawberry.mutation(
        description="Cancel a session with a reason (staff); everyone booked or waiting is told."
    )
    async def cancel_training_session(
        self, info: AnyInfo, input: CancelTrainingSessionInput
    ) -> TrainingSessionPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: training.cancel_training_session(
                s,
                p,
                session_id=input_id(input.session_id, "TrainingSession"),
                reason=input.reason,
            ),
            input=input,
        )
        return TrainingSessionPayload(
            training_session=TrainingSession.from_row(result) if result is not None else None,
            user_errors=errors,
        )
