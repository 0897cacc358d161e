"""Training for partners and staff: upcoming and past sessions, booking contacts, cancelling
bookings. Staff see every session, with filters (network.portal.session_list), and a session's
page links them to its register, edit and cancel pages (network.portal.session_forms).

A face only: every page reads through the training services with the signed-in user's
Principal (the facade network.training.service), and every booking or cancellation is the
service's own (book_training, cancel_booking), which locks the session row: the seat race is
the service's to settle.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal, PrincipalKind
from network.certificates import service as certificates
from network.certificates.enums import CertificateStatus
from network.contacts import service as contacts
from network.db import utcnow
from network.kit.errors import DomainError
from network.kit.pagination import MAX_PAGE_SIZE
from network.meetings.formatting import format_span
from network.members import service as members
from network.portal.deps import ManagerForm, ManagerReading, PortalDep, area_router, path_id
from network.portal.exits import NotFound, or_404
from network.portal.session_list import staff_sessions
from network.portal.web import PAGE_SIZE, Portal, Reading, parse_uuids
from network.training import service as training
from network.training.enums import BookingStatus, TrainingSessionStatus

# How many contacts the booking form lists at once (a search box narrows a longer list).
CONTACTS_SHOWN = MAX_PAGE_SIZE
# A booking can be cancelled while it is live and the session has not started.
CANCELLABLE = (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)
# What staff just did to the session (?saved=, network.portal.session_forms), as its label.
SESSION_SAVED = {
    "new": "desk_session_added",
    "edit": "desk_session_saved",
    "cancelled": "desk_session_cancelled",
}
# The service's error codes that have a label of their own in every language.
KNOWN_CODES = (
    "ALREADY_BOOKED",
    "ARCHIVED",
    "NOT_ELIGIBLE",
    "BOOKING_CLOSED",
    "SESSION_CANCELLED",
    "SESSION_STARTED",
    "ALREADY_CANCELLED",
    "ATTENDANCE_RECORDED",
)


def _error_text(exc: DomainError, t: dict[str, str]) -> str:
    """A service error in the page's language (the service's English when no label fits)."""
    return " ".join(
        t[f"training_error_{e.code}"] if e.code in KNOWN_CODES else e.message for e in exc.errors
    )


def _name(row: Any, prefix: str = "") -> str:
    return f"{getattr(row, prefix + 'first_name')} {getattr(row, prefix + 'last_name')}".strip()


router = area_router()


@router.get("/sessions")
async def sessions_page(request: Request, portal: PortalDep, seen: ManagerReading) -> Response:
    """The sessions the partner may book onto, upcoming (soonest first) or past (?past=1);
    for staff, every session with its filters (network.portal.session_list)."""
    session, principal = seen.session, seen.principal
    if principal.kind is PrincipalKind.STAFF:
        return await staff_sessions(request, portal, seen)
    past = request.query_params.get("past") == "1"
    now = utcnow()
    query = training.SessionQuery(
        starts_before=now if past else None,
        starts_from=None if past else now,
        newest_first=past,
    )
    try:
        page = await training.list_sessions(
            session,
            principal,
            query,
            first=PAGE_SIZE,
            after=request.query_params.get("after") or None,
        )
    except DomainError:  # a cursor that is not one of ours
        raise NotFound() from None
    rows = list(page.rows)
    counts = await training.seat_counts(session, [r.id for r in rows])
    courses = await training.get_courses(session, principal, list({r.course_id for r in rows}))
    language = portal.language_of(request)
    cards = []
    for row in rows:
        seats = counts.get(row.id, training.SeatCounts())
        course = courses.get(row.course_id)
        cards.append(
            {
                "id": row.id,
                "title": course.title if course else "",
                "when": format_span(row.starts_at, row.ends_at, row.time_zone, language)["when"],
                "venue": row.venue,
                "online": row.online_url is not None,
                "language": row.language,
                "cancelled": row.status == TrainingSessionStatus.CANCELLED,
                "seats_left": max(0, row.capacity - seats.taken),
                "waiting": seats.waiting,
            }
        )
    return portal.render(
        request,
        seen.data,
        "training_sessions.html",
        sessions=cards,
        past=past,
        cursor=page.end_cursor if page.has_next_page else None,
    )


# -- a session's page -----------------------------------------------------------------------


async def contact_choices(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID, query: Any
) -> tuple[list[Any], str | None]:
    """The contacts the booking form offers (those not booked yet, as searched with ?q=) and
    the cursor of the next page of them; NotFound for a cursor that is not one of ours."""
    search = (query.get("q") or "").strip()
    taken = await training.booked_contact_ids(session, principal, session_id)
    try:
        listed = await contacts.list_contacts(
            session,
            principal,
            contacts.ContactQuery(search=search or None),
            first=CONTACTS_SHOWN,
            after=query.get("after") or None,
        )
    except DomainError:
        raise NotFound() from None
    choices = [c for c in listed.rows if c.id not in taken]
    return choices, listed.end_cursor if listed.has_next_page else None


async def issued_numbers(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID
) -> dict[uuid.UUID, str]:
    """The certificate number issued for each booking on the session, by booking id: its
    VALID one where it has one, else the latest issued (a revoked one)."""
    found = await certificates.list_certificates(
        session,
        principal,
        certificates.CertificateQuery(session_id=session_id),
        first=MAX_PAGE_SIZE,
        after=None,
    )
    ranked = sorted(found.rows, key=lambda r: (r.status == CertificateStatus.VALID, r.issued_at))
    return {row.booking_id: row.number for row in ranked}


def booking_rows(
    booked: Sequence[Any], names: dict[uuid.UUID, Any], issued: dict[uuid.UUID, str], started: bool
) -> list[dict[str, Any]]:
    """What the session's page shows of each booking."""
    return [
        {
            "id": row.id,
            "contact": _name(row, "contact__"),
            "member": _member_name(names, row.contact__member_id),
            "status": row.status,
            "position": row.waitlist_position,
            "attended": row.status in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW),
            "certificate": issued.get(row.id),
            "cancellable": row.status in CANCELLABLE and not started,
        }
        for row in booked
    ]


def _member_name(names: dict[uuid.UUID, Any], member_id: uuid.UUID | None) -> str:
    found = names.get(member_id) if member_id is not None else None
    return found.name if found is not None else ""


async def session_view(
    request: Request,
    portal: Portal,
    seen: Reading,
    session_id: uuid.UUID,
    *,
    status_code: int = 200,
    ticked: Sequence[uuid.UUID] = (),
    errors: dict[str, str] | None = None,
    results: list[dict[str, Any]] | None = None,
    message: str | None = None,
) -> Response:
    """A session's page: its bookings and the booking form (NotFound unless visible)."""
    session, principal, query = seen.session, seen.principal, request.query_params
    run = or_404((await training.get_sessions(session, principal, [session_id])).get(session_id))
    now = utcnow()
    course = (await training.get_courses(session, principal, [run.course_id])).get(run.course_id)
    seats = (await training.seat_counts(session, [session_id])).get(
        session_id, training.SeatCounts()
    )
    try:
        booked = await training.list_bookings(
            session,
            principal,
            training.BookingQuery(session_id=session_id),
            first=MAX_PAGE_SIZE,
            after=query.get("bookings_after") or None,
        )
    except DomainError:
        raise NotFound() from None
    started = run.starts_at <= now
    issued = await issued_numbers(session, principal, session_id) if started else {}
    open_for_booking = training.booking_open(run, now)
    search = (query.get("q") or "").strip()
    choices: list[Any] = []
    contacts_cursor = None
    if open_for_booking:
        choices, contacts_cursor = await contact_choices(session, principal, session_id, query)
    member_ids = {r.contact__member_id for r in booked.rows} | {c.member_id for c in choices}
    names = await members.get_members(session, principal, [m for m in member_ids if m])
    groups: dict[str, list[dict[str, Any]]] = {}
    for choice in choices:
        groups.setdefault(_member_name(names, choice.member_id), []).append(
            {"id": choice.id, "name": _name(choice), "email": choice.email}
        )
    language = portal.language_of(request)
    return portal.render(
        request,
        seen.data,
        "training_session.html",
        status_code,
        training=run,
        title=course.title if course else "",
        certified=bool(course.cpd_certified) if course else False,
        when=format_span(run.starts_at, run.ends_at, run.time_zone, language)["when"],
        cancelled=run.status == TrainingSessionStatus.CANCELLED,
        seats_left=max(0, run.capacity - seats.taken),
        waiting=seats.waiting,
        started=started,
        open_for_booking=open_for_booking,
        rows=booking_rows(booked.rows, names, issued, started),
        bookings_cursor=booked.end_cursor if booked.has_next_page else None,
        groups=sorted(groups.items()),
        contacts_cursor=contacts_cursor,
        show_search=bool(search) or contacts_cursor is not None or len(choices) > PAGE_SIZE,
        search=search,
        ticked={str(i) for i in ticked},
        errors=errors or {},
        results=results or [],
        message=message,
        staff=principal.kind is PrincipalKind.STAFF,
    )


async def results_of(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Any]]:
    """Each booking's contact and where it stands now, by booking id."""
    found = await training.get_bookings(session, principal, ids)
    return {
        booking_id: {
            "name": _name(row, "contact__"),
            "status": row.status,
            "position": row.waitlist_position,
            "error": None,
        }
        for booking_id, row in found.items()
    }


async def session_again(
    request: Request, portal: Portal, seen: Reading, session_id: uuid.UUID, **values: Any
) -> Response:
    """The session's page again after a booking failed (422)."""
    async with portal.again(seen) as fresh:
        return await session_view(request, portal, fresh, session_id, status_code=422, **values)


@router.get("/sessions/{session_id}")
async def session_page(
    request: Request, session_id: str, portal: PortalDep, seen: ManagerReading
) -> Response:
    """A session's page, with the bookings just made (?booked=) or cancelled (?cancelled=1)."""
    key = path_id(session_id)
    message = None
    results: list[dict[str, Any]] = []
    booked_ids = parse_uuids(v for v in request.query_params.get("booked", "").split(",") if v)
    if booked_ids:
        found = await results_of(seen.session, seen.principal, booked_ids[:MAX_PAGE_SIZE])
        results = [found[i] for i in booked_ids if i in found]
        message = seen.t["training_booked"]
    elif request.query_params.get("cancelled") == "1":
        message = seen.t["training_cancelled"]
    elif request.query_params.get("saved") in SESSION_SAVED:
        message = seen.t[SESSION_SAVED[request.query_params["saved"]]]
    return await session_view(request, portal, seen, key, results=results, message=message)


async def bookable(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID, wanted: list[uuid.UUID]
) -> dict[uuid.UUID, Any]:
    """The chosen contacts; NotFound unless the partner may see the session and every one."""
    if len(wanted) > MAX_PAGE_SIZE:
        raise NotFound()
    if session_id not in await training.get_sessions(session, principal, [session_id]):
        raise NotFound()
    # A contact the partner may not see reads as not found, and nothing is booked.
    people = await contacts.get_contacts(session, principal, wanted)
    if len(people) != len(wanted):
        raise NotFound()
    return people


@router.post("/sessions/{session_id}/book")
async def book(request: Request, session_id: str, portal: PortalDep, seen: ManagerForm) -> Response:
    """Book the ticked contacts onto the session, each on its own: one refused (already
    booked, say) leaves the others booked and is shown next to that contact."""
    parsed = path_id(session_id)
    posted = (await portal.form_lists(request)).getlist("contact")
    chosen = parse_uuids(v for v in posted if isinstance(v, str))
    if chosen is None:
        raise NotFound()
    wanted = list(dict.fromkeys(chosen))
    principal, t = seen.principal, seen.t
    async with portal.db() as session:
        people = await bookable(session, principal, parsed, wanted)
    if not wanted:
        errors = {"contact": t["training_choose_contacts"]}
        return await session_again(
            request, portal, seen, parsed, errors=errors, message=t["fix_errors"]
        )
    made: dict[uuid.UUID, uuid.UUID] = {}
    failed: dict[uuid.UUID, str] = {}
    # One unit of work; each contact in a savepoint, so one refusal leaves the others booked.
    async with portal.write() as session:
        for contact_id in wanted:
            try:
                async with session.begin_nested():
                    booking = await training.book_training(
                        session, principal, session_id=parsed, contact_id=contact_id
                    )
                made[contact_id] = booking.id
            except DomainError as exc:
                failed[contact_id] = _error_text(exc, t)
    if not failed:
        ids = ",".join(str(made[c]) for c in wanted)
        return portal.redirect(f"/portal/sessions/{parsed}?booked={ids}")
    async with portal.db() as session:
        found = await results_of(session, principal, list(made.values()))
    results = [
        found[made[contact_id]]
        if contact_id in made and made[contact_id] in found
        else {
            "id": contact_id,
            "name": _name(people[contact_id]),
            "status": None,
            "position": None,
            "error": failed.get(contact_id, ""),
        }
        for contact_id in wanted
    ]
    return await session_again(
        request,
        portal,
        seen,
        parsed,
        ticked=list(failed),
        errors={f"contact-{c}": text for c, text in failed.items()},
        results=results,
        message=t["training_some_not_booked"],
    )


# -- cancelling a booking -------------------------------------------------------------------


async def booking_on_session(
    session: AsyncSession, principal: Principal, session_id: str, booking_id: str
) -> tuple[uuid.UUID, Any]:
    """The path's session id and booking; NotFound unless the partner may see the booking
    and it is on that session."""
    sid, bid = path_id(session_id), path_id(booking_id)
    row = (await training.get_bookings(session, principal, [bid])).get(bid)
    if row is None or row.session_id != sid:
        raise NotFound()
    return sid, row


async def cancel_view(
    request: Request,
    portal: Portal,
    seen: Reading,
    session_id: str,
    booking_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    reason: str = "",
) -> Response:
    """The page asking to confirm cancelling a booking (NotFound unless on the session)."""
    session, principal = seen.session, seen.principal
    sid, row = await booking_on_session(session, principal, session_id, booking_id)
    run = or_404((await training.get_sessions(session, principal, [sid])).get(sid))
    course = (await training.get_courses(session, principal, [run.course_id])).get(run.course_id)
    language = portal.language_of(request)
    return portal.render(
        request,
        seen.data,
        "training_cancel.html",
        status_code,
        session_id=sid,
        booking_id=row.id,
        contact=_name(row, "contact__"),
        status=row.status,
        title=course.title if course else "",
        when=format_span(run.starts_at, run.ends_at, run.time_zone, language)["when"],
        errors=errors or {},
        reason=reason,
    )


@router.get("/sessions/{session_id}/bookings/{booking_id}/cancel")
async def cancel_page(
    request: Request, session_id: str, booking_id: str, portal: PortalDep, seen: ManagerReading
) -> Response:
    """The page asking to confirm cancelling a booking."""
    return await cancel_view(request, portal, seen, session_id, booking_id)


@router.post("/sessions/{session_id}/bookings/{booking_id}/cancel")
async def cancel(
    request: Request, session_id: str, booking_id: str, portal: PortalDep, seen: ManagerForm
) -> Response:
    """Cancel a booking (the same service call as the API's cancelBooking)."""
    async with portal.db() as session:
        sid, row = await booking_on_session(session, seen.principal, session_id, booking_id)
    reason = seen.form.get("reason")
    try:
        async with portal.write() as session:
            await training.cancel_booking(
                session, seen.principal, booking_id=row.id, reason=reason or None
            )
        return portal.redirect(f"/portal/sessions/{sid}?cancelled=1")
    except DomainError as exc:
        reason_error = [e for e in exc.errors if e.field == "reason"]
        errors = {"reason" if reason_error else "booking": _error_text(exc, seen.t)}
    async with portal.again(seen) as fresh:
        return await cancel_view(
            request,
            portal,
            fresh,
            session_id,
            booking_id,
            status_code=422,
            errors=errors,
            reason=reason or "",
        )
