"""Book training: a member contact signed in to the portal books itself or a colleague.

/portal/training/book lists the upcoming sessions the contact may book (those open to all and
those reserved for its member or one of its member's cohorts), each with the seats left or
the waiting list, its booking deadline and its time in the session's own zone. A session's
page books "myself" or a colleague (any live contact of the same member) and shows the result:
confirmed, or the place on the waiting list. My training (network.portal.mine) lists the
bookings the contact made, each with a Cancel link to the confirmation page here.

A face only: the rules (who may book whom, which sessions, the seat race, who may cancel
what) are network.training.bookings's book_training and cancel_booking, the same calls as the
API's bookTraining and cancelBooking.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from network.db import utcnow
from network.kit.errors import DomainError
from network.kit.ids import parse_uuid
from network.meetings.formatting import format_date, format_span
from network.portal.deps import MemberForm, MemberReading, PortalDep, area_router, path_id
from network.portal.exits import NotFound, or_404
from network.portal.web import PAGE_SIZE, Portal, Reading
from network.training import service as training
from network.training.enums import BookingStatus, TrainingSessionStatus

# A booking can be cancelled while it is live and the session has not started.
CANCELLABLE = (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)
# The service's error codes with a label of their own (mbook_error_<CODE>), by form field.
KNOWN_CODES = (
    "ALREADY_BOOKED",
    "ARCHIVED",
    "NOT_ELIGIBLE",
    "NOT_FOUND",
    "BOOKING_CLOSED",
    "SESSION_CANCELLED",
    "SESSION_STARTED",
    "ALREADY_CANCELLED",
    "ATTENDANCE_RECORDED",
)
# The service's input names -> the form's.
FIELDS = {"contactId": "contact", "sessionId": "session", "bookingId": "booking"}

router = area_router()


def _name(row: Any, prefix: str = "") -> str:
    return f"{getattr(row, prefix + 'first_name')} {getattr(row, prefix + 'last_name')}".strip()


def _errors(exc: DomainError, t: dict[str, str]) -> dict[str, str]:
    """The service's errors by form field, in the page's language."""
    found: dict[str, str] = {}
    for error in exc.errors:
        field = FIELDS.get(error.field, error.field)
        text = t[f"mbook_error_{error.code}"] if error.code in KNOWN_CODES else error.message
        found[field] = f"{found[field]} {text}" if field in found else text
    return found


def _deadline(run: Any, language: str) -> str:
    """When bookings close, in the session's zone."""
    closes = training.local(run.booking_deadline or run.starts_at, run.time_zone)
    return f"{format_date(closes, language)} {closes:%H:%M}"


def _card(run: Any, course: Any, seats: training.SeatCounts, language: str) -> dict[str, Any]:
    """What a page shows of a session."""
    now = utcnow()
    return {
        "id": run.id,
        "title": course.title if course else "",
        "cpd_hours": course.cpd_hours if course else None,
        "when": format_span(run.starts_at, run.ends_at, run.time_zone, language)["when"],
        "time_zone": run.time_zone,
        "venue": run.venue,
        "online": run.online_url is not None,
        "language": run.language,
        "seats_left": max(0, run.capacity - seats.taken),
        "waiting": seats.waiting,
        "deadline": _deadline(run, language),
        "open": training.booking_open(run, now),
        "cancelled": run.status == TrainingSessionStatus.CANCELLED,
    }


@router.get("/training/book")
async def sessions_page(request: Request, portal: PortalDep, seen: MemberReading) -> Response:
    """The upcoming sessions the member contact may book, soonest first."""
    session, principal = seen.session, seen.principal
    query = training.SessionQuery(starts_from=utcnow(), status=TrainingSessionStatus.SCHEDULED)
    try:
        page = await training.list_sessions(
            session, principal, query, first=PAGE_SIZE, after=request.query_params.get("after")
        )
    except DomainError:  # a cursor that is not one of ours
        raise NotFound() from None
    rows = list(page.rows)
    counts = await training.seat_counts(session, [r.id for r in rows])
    courses = await training.get_courses(session, principal, list({r.course_id for r in rows}))
    language = portal.language_of(request)
    cards = [
        _card(r, courses.get(r.course_id), counts.get(r.id, training.SeatCounts()), language)
        for r in rows
    ]
    return portal.render(
        request,
        seen.data,
        "member_book_sessions.html",
        sessions=cards,
        cursor=page.end_cursor if page.has_next_page else None,
    )


async def session_view(
    request: Request,
    portal: Portal,
    seen: Reading,
    session_id: uuid.UUID,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    chosen: str = "",
    result: dict[str, Any] | None = None,
) -> Response:
    """A session's page with the booking form (NotFound unless the contact may see it)."""
    session, principal = seen.session, seen.principal
    run = or_404((await training.get_sessions(session, principal, [session_id])).get(session_id))
    course = (await training.get_courses(session, principal, [run.course_id])).get(run.course_id)
    seats = (await training.seat_counts(session, [session_id])).get(
        session_id, training.SeatCounts()
    )
    language = portal.language_of(request)
    card = _card(run, course, seats, language)
    booked = await training.booked_contact_ids(session, principal, session_id)
    people = await training.colleagues(session, principal)
    me = principal.contact_id
    choices = [
        {"id": str(p.id), "name": _name(p), "email": p.email, "me": p.id == me}
        for p in people
        if p.id not in booked
    ]
    return portal.render(
        request,
        seen.data,
        "member_book_session.html",
        status_code,
        s=card,
        choices=choices,
        chosen=chosen or (str(me) if me not in booked else ""),
        errors=errors or {},
        result=result,
    )


@router.get("/training/book/{session_id}")
async def session_page(
    request: Request, session_id: str, portal: PortalDep, seen: MemberReading
) -> Response:
    """A session's page; after a booking (?booked=<booking id>) it shows where it stands."""
    key = path_id(session_id)
    result = None
    booked = parse_uuid(request.query_params.get("booked") or "")
    if booked is not None:
        row = (await training.get_bookings(seen.session, seen.principal, [booked])).get(booked)
        if row is not None and row.session_id == key:
            result = {
                "name": _name(row, "contact__"),
                "me": row.contact_id == seen.principal.contact_id,
                "status": row.status,
                "position": row.waitlist_position,
            }
    return await session_view(request, portal, seen, key, result=result)


@router.post("/training/book/{session_id}")
async def book(request: Request, session_id: str, portal: PortalDep, seen: MemberForm) -> Response:
    """Book the chosen person (myself or a colleague) onto the session: the same
    book_training as the API's bookTraining."""
    key = path_id(session_id)
    raw = seen.form.get("contact", "")
    contact_id = parse_uuid(raw)
    errors: dict[str, str] = {}
    if contact_id is None:
        errors = {"contact": seen.t["mbook_choose"]}
    else:
        try:
            async with portal.write() as session:
                booking = await training.book_training(
                    session, seen.principal, session_id=key, contact_id=contact_id
                )
            return portal.redirect(f"/portal/training/book/{key}?booked={booking.id}")
        except DomainError as exc:
            if any(e.field == "sessionId" and e.code == "NOT_FOUND" for e in exc.errors):
                raise NotFound() from None
            errors = _errors(exc, seen.t)
    async with portal.again(seen) as fresh:
        return await session_view(
            request, portal, fresh, key, status_code=422, errors=errors, chosen=raw
        )


# -- cancelling ---------------------------------------------------------------------------------


async def cancel_view(
    request: Request,
    portal: Portal,
    seen: Reading,
    booking_id: uuid.UUID,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> Response:
    """The page asking to confirm cancelling a booking the contact may cancel (else 404)."""
    session, principal = seen.session, seen.principal
    row = or_404((await training.get_bookings(session, principal, [booking_id])).get(booking_id))
    run = or_404(
        (await training.get_sessions(session, principal, [row.session_id])).get(row.session_id)
    )
    course = (await training.get_courses(session, principal, [run.course_id])).get(run.course_id)
    language = portal.language_of(request)
    return portal.render(
        request,
        seen.data,
        "member_book_cancel.html",
        status_code,
        booking_id=row.id,
        name=_name(row, "contact__"),
        me=row.contact_id == principal.contact_id,
        status=row.status,
        position=row.waitlist_position,
        title=course.title if course else "",
        when=format_span(run.starts_at, run.ends_at, run.time_zone, language)["when"],
        cancellable=row.status in CANCELLABLE and utcnow() < run.starts_at,
        errors=errors or {},
    )


@router.get("/training/bookings/{booking_id}/cancel")
async def cancel_page(
    request: Request, booking_id: str, portal: PortalDep, seen: MemberReading
) -> Response:
    """Confirm cancelling one's own booking, or one made for a colleague."""
    return await cancel_view(request, portal, seen, path_id(booking_id))


@router.post("/training/bookings/{booking_id}/cancel")
async def cancel(
    request: Request, booking_id: str, portal: PortalDep, seen: MemberForm
) -> Response:
    """Cancel the booking: the same cancel_booking as the API's cancelBooking."""
    key = path_id(booking_id)
    try:
        async with portal.write() as session:
            await training.cancel_booking(session, seen.principal, booking_id=key)
        return portal.redirect("/portal/training?cancelled=1")
    except DomainError as exc:
        if any(e.code == "NOT_FOUND" for e in exc.errors):
            raise NotFound() from None
        errors = _errors(exc, seen.t)
    async with portal.again(seen) as fresh:
        return await cancel_view(request, portal, fresh, key, status_code=422, errors=errors)
