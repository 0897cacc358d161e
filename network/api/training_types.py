"""GraphQL types of training (courses, sessions, bookings) and their per-request DataLoaders."""

from __future__ import annotations

import uuid
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader

from network.api.context import Context, InvalidArgumentError
from network.api.relay import Connection, Node, connection_from_page, connection_from_rows
from network.api.types import AnyInfo, Cohort, Contact, Member
from network.auth.principal import Principal
from network.db import utcnow
from network.kit.errors import DomainError
from network.kit.ids import to_global_id
from network.kit.pagination import MAX_PAGE_SIZE, encode_cursor, plain_values
from network.training import service as training
from network.training.enums import BookingStatus, CourseFormat, TrainingSessionStatus
from network.training.times import local

strawberry.enum(CourseFormat, description="How long one delivery of a course takes.")
strawberry.enum(TrainingSessionStatus, description="Whether a session will take place.")
strawberry.enum(BookingStatus, description="Where a contact stands on a training session.")

BookingsPage = tuple[list[Any], int]


class TrainingLoaders:
    """The training DataLoaders of one request (each calls a scoped service function)."""

    def __init__(self, context: Context) -> None:
        session, principal = context.session, context.principal
        self.session = session
        self.principal: Principal = principal
        self.course = _by_id(lambda ids: training.get_courses(session, principal, ids))
        self.session_row = _by_id(lambda ids: training.get_sessions(session, principal, ids))
        self.booking = _by_id(lambda ids: training.get_bookings(session, principal, ids))
        self.seat_counts = _by_id(
            lambda ids: training.seat_counts(session, ids), default=training.SeatCounts()
        )
        self._session_bookings: dict[
            tuple[int, BookingStatus | None], DataLoader[uuid.UUID, BookingsPage]
        ] = {}

    def session_bookings(
        self, first: int, status: BookingStatus | None
    ) -> DataLoader[uuid.UUID, BookingsPage]:
        """Loader of (first `first` + 1 bookings, total) per session, one per argument set."""
        key = (first, status)
        if key not in self._session_bookings:

            async def load(ids: list[uuid.UUID]) -> list[BookingsPage]:
                found, counts = await training.bookings_of_sessions(
                    self.session, self.principal, ids, first=first, status=status
                )
                rows = plain_values(found)
                return [(rows.get(i, []), counts.get(i, 0)) for i in ids]

            self._session_bookings[key] = DataLoader(load_fn=load)
        return self._session_bookings[key]


def _by_id(fetch: Any, default: Any = None) -> DataLoader[uuid.UUID, Any]:
    async def load(keys: list[uuid.UUID]) -> list[Any]:
        found = plain_values(await fetch(keys))
        return [found.get(key, default) for key in keys]

    return DataLoader(load_fn=load)


def loaders(info: AnyInfo) -> TrainingLoaders:
    """This request's training loaders, renewed whenever the core loaders are (after a commit)."""
    context = info.context
    core = context.loaders
    cached = context.extra.get("training_loaders")
    if cached is None or cached[0] is not core:
        cached = (core, TrainingLoaders(context))
        context.extra["training_loaders"] = cached
    found: TrainingLoaders = cached[1]
    return found


@strawberry.type(description="A training product of the catalogue.")
class Course(Node):
    title: str
    description: str | None
    format: CourseFormat
    cpd_hours: float = strawberry.field(description="CPD hours a completed session gives.")
    cpd_certified: bool
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[uuid.UUID]

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
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


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
        return local(self.starts_at, self.time_zone)

    @strawberry.field(description="The end as wall-clock time in the session's zone.")
    def ends_at_local(self) -> datetime:
        return local(self.ends_at, self.time_zone)

    @strawberry.field(description="The course this session delivers.")
    async def course(self, info: AnyInfo) -> Course:
        row = await loaders(info).course.load(self.course_id)
        return Course.from_row(row)

    @strawberry.field(description="The cohort the session is reserved for, if any (and visible).")
    async def reserved_cohort(self, info: AnyInfo) -> Cohort | None:
        if self.reserved_cohort_id is None:
            return None
        row = await info.context.loaders.cohort.load(self.reserved_cohort_id)
        return Cohort.from_row(row) if row else None

    @strawberry.field(description="The member the session is reserved for, if any (and visible).")
    async def reserved_member(self, info: AnyInfo) -> Member | None:
        if self.reserved_member_id is None:
            return None
        row = await info.context.loaders.member.load(self.reserved_member_id)
        return Member.from_row(row) if row else None

    @strawberry.field(description="Bookings holding a seat (confirmed, attended or no-show).")
    async def confirmed_count(self, info: AnyInfo) -> int:
        counts = await loaders(info).seat_counts.load(self.db_id)
        return int(counts.taken)

    @strawberry.field(description="People on the waiting list.")
    async def waitlist_count(self, info: AnyInfo) -> int:
        counts = await loaders(info).seat_counts.load(self.db_id)
        return int(counts.waiting)

    @strawberry.field(description="Seats still free (0 on a cancelled session).")
    async def seats_left(self, info: AnyInfo) -> int:
        if self.status is TrainingSessionStatus.CANCELLED:
            return 0
        counts = await loaders(info).seat_counts.load(self.db_id)
        return max(self.capacity - int(counts.taken), 0)

    @strawberry.field(description="Whether the session takes bookings now.")
    def booking_open(self) -> bool:
        return training.booking_open(self, utcnow())

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
        size = 50 if first is None else first
        if size < 0 or size > MAX_PAGE_SIZE:
            raise InvalidArgumentError(
                "first", "INVALID_PAGE_SIZE", f"first must be between 0 and {MAX_PAGE_SIZE}."
            )
        if after is None:
            rows, total = await loaders(info).session_bookings(size, status).load(self.db_id)
            return connection_from_rows(rows, total, size, Booking.from_row, _booking_cursor)
        query = training.BookingQuery(session_id=self.db_id, status=status)
        try:
            page = await training.list_bookings(
                info.context.session, info.context.principal, query, first=size, after=after
            )
        except DomainError as error:
            first_error = error.errors[0]
            raise InvalidArgumentError(
                first_error.field, first_error.code, first_error.message
            ) from error
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
        )

    @strawberry.field(description="Who is booked.")
    def contact(self) -> Contact:
        return Contact.from_row(unprefixed(self.contact_row, CONTACT_PREFIX))

    @strawberry.field(description="The session booked.")
    async def session(self, info: AnyInfo) -> TrainingSession:
        row = await loaders(info).session_row.load(self.session_id)
        return TrainingSession.from_row(row)
