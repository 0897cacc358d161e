"""The GraphQL types of training: courses, sessions, bookings."""

from __future__ import annotations

import uuid
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import strawberry

from network.api.contacts.types import Contact, load_contact
from network.api.core.context import AnyInfo
from network.api.core.errors import as_argument_error, page_size
from network.api.core.relay import Connection, Node, connection_from_page, connection_from_rows
from network.api.members.types import Member, load_member
from network.api.programme.types import Cohort, load_cohort
from network.auth.principal import PrincipalKind
from network.db import utcnow
from network.kit.errors import DomainError
from network.kit.ids import to_global_id
from network.kit.pagination import encode_cursor
from network.kit.validation import LANGUAGES
from network.training import service as training
from network.training.enums import BookingStatus, CourseFormat, TrainingSessionStatus

strawberry.enum(CourseFormat, description="How long one delivery of a course takes.")
strawberry.enum(TrainingSessionStatus, description="Whether a session will take place.")
strawberry.enum(BookingStatus, description="Where a contact stands on a training session.")


@strawberry.type(description="A training product of the catalogue.")
class Course(Node):
    title: str
    description: str | None
    format: CourseFormat
    cpd_hours: float = strawberry.field(description="CPD hours a completed session gives.")
    cpd_certified: bool
    accreditation: str | None = strawberry.field(
        description="Who certifies the course for CPD, e.g. CPD Standards Office; null: none."
    )
    accreditation_reference: str | None = strawberry.field(
        description="The provider's reference number with that body, printed on certificates."
    )
    certificate_waits_for_evaluation: bool = strawberry.field(
        description="Whether an attendee's certificate is issued only once their evaluation "
        "of the session is in."
    )
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    outcomes: strawberry.Private[dict[str, list[str]]]

    @classmethod
    def from_row(cls, row: Any) -> Course:
        """Build from a courses row or entity."""
        return cls(
            id=strawberry.ID(to_global_id("Course", row.id)),
            db_id=row.id,
            title=row.title,
            description=row.description,
            format=row.format,
            cpd_hours=float(row.cpd_hours),
            cpd_certified=row.cpd_certified,
            accreditation=row.accreditation,
            accreditation_reference=row.accreditation_reference,
            certificate_waits_for_evaluation=row.certificate_waits_for_evaluation,
            outcomes=dict(row.learning_outcomes or {}),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(
        description="The learning outcomes in a language (en, cy, fr, es, de), or in English "
        "when the course has none in it; English when no language is given."
    )
    def learning_outcomes(self, language: str | None = None) -> list[str]:
        return self.outcomes.get(language or "en") or self.outcomes.get("en") or []

    @strawberry.field(description="The learning outcomes of every language the course has.")
    def learning_outcomes_by_language(self) -> list[LearningOutcomes]:
        return [
            LearningOutcomes(language=language, outcomes=list(self.outcomes[language]))
            for language in LANGUAGES
            if self.outcomes.get(language)
        ]

    @strawberry.field(
        description="The attendees' evaluations of the course's sessions (staff: all; a "
        "partner: its members' contacts'); null for member contacts."
    )
    async def evaluation_summary(self, info: AnyInfo) -> EvaluationSummary | None:
        found = await info.context.loaders.course_evaluations.load(self.db_id)
        return EvaluationSummary.of(found) if found is not None else None


@strawberry.type(description="Attendees' evaluations of training: how many, and the averages.")
class EvaluationSummary:
    invited: int = strawberry.field(description="Attendees asked for their evaluation.")
    responses: int = strawberry.field(description="Evaluations received.")
    questions: list[str] = strawberry.field(
        description="The questions, in the order of `averages`: relevance, trainer, "
        "materials, practice, overall."
    )
    averages: list[float | None] = strawberry.field(
        description="The average answer (1-5) to each question; null with no answers (for a "
        "partner, with fewer than 3 answers in its view)."
    )
    comments: list[str] | None = strawberry.field(
        description="The comments received, oldest first (staff only; null for others)."
    )

    @classmethod
    def of(cls, summary: training.EvaluationSummary) -> EvaluationSummary:
        """Build from the service's summary."""
        return cls(
            invited=summary.invited,
            responses=summary.responses,
            questions=list(training.EVALUATION_QUESTIONS),
            averages=list(summary.averages),
            comments=list(summary.comments) if summary.comments is not None else None,
        )


@strawberry.type(description="A course's learning outcomes in one language.")
class LearningOutcomes:
    language: str = strawberry.field(description="en, cy, fr, es or de.")
    outcomes: list[str]


CONTACT_PREFIX = "contact__"


def unprefixed(row: Any, prefix: str) -> SimpleNamespace:
    """The columns of a row (a Row or a named tuple) that start with `prefix`, without it."""
    size = len(prefix)
    return SimpleNamespace(
        **{
            name[size:]: value
            for name, value in zip(row._fields, row, strict=True)
            if name.startswith(prefix)
        }
    )


def _booking_cursor(row: Any) -> str:
    return encode_cursor([row.queue_number])


@strawberry.type(description="One delivery of a course: when, where, in which language, seats.")
class TrainingSession(Node):
    starts_at: datetime = strawberry.field(description="The start, in UTC.")
    ends_at: datetime = strawberry.field(description="The end, in UTC.")
    time_zone: str = strawberry.field(description="The IANA zone the session is held in.")
    language: str = strawberry.field(description="en, cy, fr, es or de.")
    venue: str | None
    online_url: str | None
    capacity: int
    booking_deadline: datetime | None = strawberry.field(
        description="Bookings close then; null means at the start."
    )
    trainer: str | None
    status: TrainingSessionStatus
    cancelled_at: datetime | None
    cancellation_reason: str | None
    calendar_sequence: int = strawberry.field(
        description="The SEQUENCE of the calendar invite: raised by each change staff make."
    )
    db_id: strawberry.Private[uuid.UUID]
    course_id: strawberry.Private[uuid.UUID]
    reserved_cohort_id: strawberry.Private[uuid.UUID | None]
    reserved_member_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: Any) -> TrainingSession:
        """Build from a training_sessions row or entity."""
        return cls(
            id=strawberry.ID(to_global_id("TrainingSession", row.id)),
            db_id=row.id,
            course_id=row.course_id,
            reserved_cohort_id=row.reserved_cohort_id,
            reserved_member_id=row.reserved_member_id,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            time_zone=row.time_zone,
            language=row.language,
            venue=row.venue,
            online_url=row.online_url,
            capacity=row.capacity,
            booking_deadline=row.booking_deadline,
            trainer=row.trainer,
            status=row.status,
            cancelled_at=row.cancelled_at,
            cancellation_reason=row.cancellation_reason,
            calendar_sequence=row.ics_sequence,
        )

    @strawberry.field(description="The start as wall-clock time in the session's zone.")
    def starts_at_local(self) -> datetime:
        return training.local(self.starts_at, self.time_zone)

    @strawberry.field(description="The end as wall-clock time in the session's zone.")
    def ends_at_local(self) -> datetime:
        return training.local(self.ends_at, self.time_zone)

    @strawberry.field(description="The course this session delivers.")
    async def course(self, info: AnyInfo) -> Course:
        row = await info.context.loaders.course.load(self.course_id)
        return Course.from_row(row)

    @strawberry.field(description="The cohort the session is reserved for, if any (and visible).")
    async def reserved_cohort(self, info: AnyInfo) -> Cohort | None:
        return await load_cohort(info, self.reserved_cohort_id)

    @strawberry.field(description="The member the session is reserved for, if any (and visible).")
    async def reserved_member(self, info: AnyInfo) -> Member | None:
        return await load_member(info, self.reserved_member_id)

    @strawberry.field(
        description=(
            "Bookings holding a seat (confirmed, attended or no-show), everyone's: the "
            "session's occupancy, as seatsLeft is; `bookings` lists only those you may see."
        )
    )
    async def confirmed_count(self, info: AnyInfo) -> int:
        counts = await info.context.loaders.seat_counts.load(self.db_id)
        return int(counts.taken)

    @strawberry.field(
        description="People on the waiting list, everyone's: how far back a new booking queues."
    )
    async def waitlist_count(self, info: AnyInfo) -> int:
        counts = await info.context.loaders.seat_counts.load(self.db_id)
        return int(counts.waiting)

    @strawberry.field(
        description="Bookings holding a seat, walk-ins included (as confirmedCount): may exceed "
        "the capacity once walk-ins are marked attended or staff confirm over capacity."
    )
    async def seats_taken(self, info: AnyInfo) -> int:
        counts = await info.context.loaders.seat_counts.load(self.db_id)
        return int(counts.taken)

    @strawberry.field(description="Whether more seats are taken than the capacity.")
    async def over_capacity(self, info: AnyInfo) -> bool:
        counts = await info.context.loaders.seat_counts.load(self.db_id)
        return int(counts.taken) > self.capacity

    @strawberry.field(description="Seats still free (0 on a cancelled session).")
    async def seats_left(self, info: AnyInfo) -> int:
        if self.status is TrainingSessionStatus.CANCELLED:
            return 0
        counts = await info.context.loaders.seat_counts.load(self.db_id)
        return max(self.capacity - int(counts.taken), 0)

    @strawberry.field(description="Whether the session takes bookings now.")
    def booking_open(self) -> bool:
        return training.booking_open(self, utcnow())

    @strawberry.field(
        description="The attendees' evaluations of the session (staff: all; a partner: its "
        "members' contacts'); null for member contacts."
    )
    async def evaluation_summary(self, info: AnyInfo) -> EvaluationSummary | None:
        found = await info.context.loaders.session_evaluations.load(self.db_id)
        return EvaluationSummary.of(found) if found is not None else None

    @strawberry.field(description="The session's calendar file (.ics), an absolute URL.")
    def ics_url(self, info: AnyInfo) -> str:
        base = info.context.settings.base_url.rstrip("/")
        return f"{base}/training/sessions/{self.db_id}.ics"

    @strawberry.field(description="The bookings you may see, in the order they were made.")
    async def bookings(
        self,
        info: AnyInfo,
        first: int | None = 50,
        after: str | None = None,
        status: BookingStatus | None = None,
    ) -> Connection[Booking]:
        size = page_size(first, 50)
        if after is None:
            loader = info.context.loaders.session_bookings(size, status)
            rows, total = await loader.load(self.db_id)
            return connection_from_rows(rows, total, size, Booking.from_row, _booking_cursor)
        query = training.BookingQuery(session_id=self.db_id, status=status)
        try:
            page = await training.list_bookings(
                info.context.session, info.context.principal, query, first=size, after=after
            )
        except DomainError as error:
            raise as_argument_error(error) from error
        return connection_from_page(page, Booking.from_row)


@strawberry.type(description="A contact on a training session.")
class Booking(Node):
    status: BookingStatus
    waitlist_position: int | None = strawberry.field(
        description="Place on the waiting list (1 is next); null unless WAITLISTED."
    )
    booked_at: datetime
    promoted_at: datetime | None = strawberry.field(
        description="When a seat came free and the booking moved off the waiting list."
    )
    cancelled_at: datetime | None
    cancellation_reason: str | None
    attendance_marked_at: datetime | None
    walk_in: bool = strawberry.field(
        description="Marked attended without holding a seat (from the waiting list, or not "
        "booked at all)."
    )
    db_id: strawberry.Private[uuid.UUID]
    session_id: strawberry.Private[uuid.UUID]
    contact_row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Booking:
        """Build from a bookings row read through the bookings scope (it has the position)."""
        return cls(
            id=strawberry.ID(to_global_id("Booking", row.id)),
            db_id=row.id,
            session_id=row.session_id,
            contact_row=row,
            status=row.status,
            waitlist_position=row.waitlist_position,
            booked_at=row.booked_at,
            promoted_at=row.promoted_at,
            cancelled_at=row.cancelled_at,
            cancellation_reason=row.cancellation_reason,
            attendance_marked_at=row.attendance_marked_at,
            walk_in=row.walk_in,
        )

    @strawberry.field(
        description="Who is booked; null for a member contact who booked a colleague (a "
        "member contact reads only its own contact)."
    )
    async def contact(self, info: AnyInfo) -> Contact | None:
        if info.context.principal.kind is PrincipalKind.MEMBER:
            # The joined row is read through the bookings scope; a member contact may read
            # only itself, so its colleagues' contacts go through the contacts scope.
            return await load_contact(info, self.contact_row.contact_id)
        return Contact.from_row(unprefixed(self.contact_row, CONTACT_PREFIX))

    @strawberry.field(description="The session booked.")
    async def session(self, info: AnyInfo) -> TrainingSession:
        row = await info.context.loaders.training_session.load(self.session_id)
        return TrainingSession.from_row(row)


async def course_node(info: AnyInfo, raw_id: uuid.UUID) -> Course | None:
    """A course by id (for `node(id:)`)."""
    row = await info.context.loaders.course.load(raw_id)
    return Course.from_row(row) if row else None


async def load_training_session(
    info: AnyInfo, session_id: uuid.UUID | None
) -> TrainingSession | None:
    """The session with this id, through the request's loader; None when hidden or missing."""
    if session_id is None:
        return None
    row = await info.context.loaders.training_session.load(session_id)
    return TrainingSession.from_row(row) if row else None


async def load_booking(info: AnyInfo, booking_id: uuid.UUID | None) -> Booking | None:
    """The booking as the caller now sees it (with its place on the waiting list)."""
    if booking_id is None:
        return None
    row = await info.context.loaders.booking.load(booking_id)
    return Booking.from_row(row) if row else None
