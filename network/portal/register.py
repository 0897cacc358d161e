"""A session's register, for staff: booking several contacts at once, the waiting list with
"confirm now", attendance as a checklist at the door (walk-ins too), and the certificates.

A face only: every form calls one service function with the signed-in staff member's
Principal (training: book_contacts, confirm_booking, record_walk_in; network.usecases.attendance:
mark_attendance, clear_attendance, which revoke the certificates a correction undoes;
certificates: issue_certificates, revoke_certificate, reissue_certificate); the services lock
the session row, so the seat race and the certificate rules are theirs to settle. After a
change the page redirects (303) back to the register with a short message; a refusal shows the
register again (422) with the service's message next to what it is about.

The page works without JavaScript and on a phone: attendance is one form, a large tap target per
person and one row of buttons that records the same mark for everyone ticked.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.certificates import service as certificates
from network.contacts import service as contacts
from network.db import utcnow
from network.kit.errors import DomainError
from network.kit.pagination import MAX_PAGE_SIZE, Page
from network.meetings.formatting import format_span
from network.members import service as members
from network.portal.deps import PortalDep, StaffForm, StaffReading, area_router, path_id
from network.portal.exits import NotFound, or_404
from network.portal.web import Portal, Reading, parse_uuids
from network.training import service as training
from network.training.enums import BookingStatus, TrainingSessionStatus
from network.usecases import attendance as attendance_cases

# How many contacts a search shows (search more precisely for others).
SEARCH_SHOWN = 25
# Bookings with a place on the register (a cancelled one has none).
ON_REGISTER = (
    BookingStatus.CONFIRMED,
    BookingStatus.WAITLISTED,
    BookingStatus.ATTENDED,
    BookingStatus.NO_SHOW,
)
# ?done=<what> after a change: the short message the register then shows.
DONE = {
    "confirmed": "register_confirmed",
    "attendance": "register_attendance_saved",
    "walk_in": "register_walk_in_saved",
    "issued": "register_issued",
    "revoked": "register_revoked",
    "reissued": "register_reissued",
}
# The most bookings one attendance post may name (the service's own limit).
MAX_ATTENDANCE = 500
# What the attendance form's buttons record.
ACTIONS = ("attended", "no_show", "clear")

router = area_router()


def _name(row: Any, prefix: str = "") -> str:
    return f"{getattr(row, prefix + 'first_name')} {getattr(row, prefix + 'last_name')}".strip()


def _messages(exc: DomainError) -> str:
    return " ".join(e.message for e in exc.errors)


def register_url(session_id: uuid.UUID, query: str = "", anchor: str = "") -> str:
    """The register's address, with a query and an anchor."""
    return f"/portal/sessions/{session_id}/register{'?' + query if query else ''}{anchor}"


async def _every(load: Any) -> list[Any]:
    """Every row of a paged listing (`load(after)` gives one page)."""
    rows: list[Any] = []
    after: str | None = None
    while True:
        page: Page = await load(after)
        rows += page.rows
        if not page.has_next_page:
            return rows
        after = page.end_cursor


async def _bookings(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID
) -> list[Any]:
    """The session's bookings, in the order they were made."""
    query = training.BookingQuery(session_id=session_id)
    return await _every(
        lambda after: training.list_bookings(
            session, principal, query, first=MAX_PAGE_SIZE, after=after
        )
    )


async def _certificates(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID
) -> dict[uuid.UUID, Any]:
    """Each booking's current certificate (the newest of a reissued one), by booking id."""
    query = certificates.CertificateQuery(session_id=session_id)
    rows = await _every(
        lambda after: certificates.list_certificates(
            session, principal, query, first=MAX_PAGE_SIZE, after=after
        )
    )
    current: dict[uuid.UUID, Any] = {}
    for row in sorted(rows, key=lambda r: r.issued_at):
        current[row.booking_id] = row
    return current


async def _search(
    session: AsyncSession, principal: Principal, text: str, booked: set[uuid.UUID]
) -> tuple[list[Any], bool]:
    """Contacts in any member matching `text` who hold no live booking on the session, and
    whether there were more than shown."""
    if not text:
        return [], False
    found = await contacts.list_contacts(
        session,
        principal,
        contacts.ContactQuery(search=text),
        first=SEARCH_SHOWN,
        after=None,
    )
    return [c for c in found.rows if c.id not in booked], found.has_next_page


async def register_view(
    request: Request,
    portal: Portal,
    seen: Reading,
    session_id: uuid.UUID,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    results: Sequence[dict[str, Any]] = (),
    ticked: Sequence[uuid.UUID] = (),
    search: str | None = None,
    walk_in_search: str | None = None,
    over_capacity: uuid.UUID | None = None,
    reason: str = "",
) -> Response:
    """The register of a session (NotFound unless it exists)."""
    session, principal, query = seen.session, seen.principal, request.query_params
    run = or_404((await training.get_sessions(session, principal, [session_id])).get(session_id))
    course = (await training.get_courses(session, principal, [run.course_id])).get(run.course_id)
    seats = (await training.seat_counts(session, [session_id])).get(
        session_id, training.SeatCounts()
    )
    now = utcnow()
    started, ended = run.starts_at <= now, run.ends_at <= now
    cancelled = run.status == TrainingSessionStatus.CANCELLED
    booked = [b for b in await _bookings(session, principal, session_id) if b.status in ON_REGISTER]
    live = {b.contact_id for b in booked}
    search = (query.get("q") or "").strip() if search is None else search
    walk_in_search = (
        (query.get("walk_in") or "").strip() if walk_in_search is None else walk_in_search
    )
    open_for_booking = training.booking_open(run, now)
    matches, more = (
        await _search(session, principal, search, live) if open_for_booking else ([], False)
    )
    # A refused booking lists the ticked contacts first, each with its error (one already
    # booked, say, is no longer among the search's matches).
    listed = {c.id for c in matches}
    again = [i for i in ticked if i not in listed]
    if again and open_for_booking:
        found = await contacts.get_contacts(session, principal, again)
        matches = [found[i] for i in again if i in found] + list(matches)
    walk_ins, more_walk_ins = (
        await _search(session, principal, walk_in_search, live)
        if started and not cancelled
        else ([], False)
    )
    member_ids = {b.contact__member_id for b in booked} | {
        c.member_id for c in [*matches, *walk_ins]
    }
    names = {
        k: v.name
        for k, v in (
            await members.get_members(session, principal, [m for m in member_ids if m])
        ).items()
    }
    issued = await _certificates(session, principal, session_id) if started else {}
    zone = run.time_zone
    people = [
        {
            "id": b.id,
            "name": _name(b, "contact__"),
            "member": names.get(b.contact__member_id, ""),
            "status": str(b.status),
            "position": b.waitlist_position,
            "walk_in": bool(b.walk_in),
            "booked_at": f"{training.local(b.booked_at, zone):%d %b %Y %H:%M}",
            "certificate": _certificate_view(issued.get(b.id)),
        }
        for b in booked
    ]
    waiting = sorted(
        (p for p in people if p["status"] == "WAITLISTED"), key=lambda p: p["position"]
    )
    at_the_door = sorted(people, key=lambda p: (p["name"].split(" ")[-1].lower(), p["name"]))
    done = DONE.get(query.get("done", ""))
    span = format_span(run.starts_at, run.ends_at, zone, portal.language_of(request))
    return portal.render(
        request,
        seen.data,
        "register.html",
        status_code,
        training=run,
        title=course.title if course else "",
        certified=bool(course.cpd_certified) if course else False,
        when=span["when"],
        starts=f"{span['date']} {span['start_time']} ({span['zone_label']})",
        taken=seats.taken,
        over=seats.taken > run.capacity,
        cancelled=cancelled,
        started=started,
        ended=ended,
        open_for_booking=open_for_booking,
        waiting=waiting,
        people=at_the_door,
        certificates=[p for p in at_the_door if p["certificate"]],
        matches=_choices(matches, names),
        more=more,
        walk_ins=_choices(walk_ins, names),
        more_walk_ins=more_walk_ins,
        search=search,
        walk_in_search=walk_in_search,
        shown=SEARCH_SHOWN,
        ticked={str(i) for i in ticked},
        errors=errors or {},
        message=message or (seen.t[done] if done else None),
        results=results,
        over_capacity=over_capacity,
        reason=reason,
    )


def _choices(found: Sequence[Any], names: dict[uuid.UUID, str]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "name": _name(c),
            "email": c.email,
            "member": names.get(c.member_id, "") if c.member_id else "",
        }
        for c in found
    ]


def _certificate_view(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "id": row.id,
        "number": row.number,
        "status": str(row.status),
        "code": row.verification_code,
        "revoked_reason": row.revoked_reason,
    }


async def register_again(
    request: Request, portal: Portal, seen: Reading, session_id: uuid.UUID, **values: Any
) -> Response:
    """The register again after a change was refused (422)."""
    async with portal.again(seen) as fresh:
        return await register_view(request, portal, fresh, session_id, status_code=422, **values)


@router.get("/sessions/{session_id}/register")
async def register_page(
    request: Request, session_id: str, portal: PortalDep, seen: StaffReading
) -> Response:
    """A session's register, with who was just booked (?booked=) or what was just done (?done=)."""
    key = path_id(session_id)
    booked_ids = parse_uuids(v for v in request.query_params.get("booked", "").split(",") if v)
    results: list[dict[str, Any]] = []
    message = None
    if booked_ids:
        found = await training.get_bookings(
            seen.session, seen.principal, booked_ids[:MAX_PAGE_SIZE]
        )
        results = [
            _result(found[i]) for i in booked_ids if i in found and found[i].session_id == key
        ]
        message = seen.t["register_booked"]
    return await register_view(request, portal, seen, key, results=results, message=message)


def _result(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": _name(row, "contact__"),
        "status": str(row.status),
        "position": row.waitlist_position,
    }


# -- booking several contacts at once --------------------------------------------------------


def _booking_errors(exc: DomainError, wanted: Sequence[uuid.UUID]) -> dict[str, str]:
    """The service's errors by the form's fields: `contactIds.<i>` next to that contact."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        key = "book"
        prefix, _, index = error.field.partition(".")
        if prefix == "contactIds" and index.isdigit() and int(index) < len(wanted):
            key = f"contact-{wanted[int(index)]}"
        errors.setdefault(key, []).append(error.message)
    return {k: " ".join(v) for k, v in errors.items()}


@router.post("/sessions/{session_id}/register/book")
async def book(request: Request, session_id: str, portal: PortalDep, seen: StaffForm) -> Response:
    """Book the ticked contacts at once (all or nothing): confirmed while seats last, then
    waitlisted."""
    key = path_id(session_id)
    posted = (await portal.form_lists(request)).getlist("contact")
    chosen = parse_uuids(v for v in posted if isinstance(v, str))
    if chosen is None or len(chosen) > MAX_PAGE_SIZE:
        raise NotFound()
    wanted = list(dict.fromkeys(chosen))
    search = (seen.form.get("q") or "").strip()
    errors: dict[str, str]
    if not wanted:
        errors = {"book": seen.t["register_choose_contacts"]}
    else:
        try:
            async with portal.write() as session:
                made = await training.book_contacts(
                    session, seen.principal, session_id=key, contact_ids=wanted
                )
            ids = ",".join(str(b.id) for b in made)
            return portal.redirect(register_url(key, f"booked={ids}", "#book"))
        except DomainError as exc:
            errors = _booking_errors(exc, wanted)
    return await register_again(
        request,
        portal,
        seen,
        key,
        errors=errors,
        message=seen.t["register_not_booked"],
        ticked=wanted,
        search=search,
    )


# -- the waiting list ------------------------------------------------------------------------


async def _booking_of(
    portal: Portal, principal: Principal, session_id: uuid.UUID, booking_id: str
) -> Any:
    """The path's booking; NotFound unless it is on the path's session."""
    key = path_id(booking_id)
    async with portal.db() as session:
        row = (await training.get_bookings(session, principal, [key])).get(key)
    if row is None or row.session_id != session_id:
        raise NotFound()
    return row


@router.post("/sessions/{session_id}/register/bookings/{booking_id}/confirm")
async def confirm(
    request: Request, session_id: str, booking_id: str, portal: PortalDep, seen: StaffForm
) -> Response:
    """Confirm a waitlisted booking now; with no seat free, the register asks again, and
    `over_capacity=yes` confirms it over capacity."""
    key = path_id(session_id)
    row = await _booking_of(portal, seen.principal, key, booking_id)
    over = seen.form.get("over_capacity") == "yes"
    try:
        async with portal.write() as session:
            await training.confirm_booking(
                session, seen.principal, booking_id=row.id, over_capacity=over
            )
        return portal.redirect(register_url(key, "done=confirmed", "#waiting"))
    except DomainError as exc:
        if not over and any(e.code == "NO_SEAT_FREE" for e in exc.errors):
            return await register_again(
                request, portal, seen, key, over_capacity=row.id, message=_messages(exc)
            )
        errors = {f"booking-{row.id}": _messages(exc)}
    return await register_again(
        request, portal, seen, key, errors=errors, message=seen.t["register_fix"]
    )


# -- attendance ------------------------------------------------------------------------------


@router.post("/sessions/{session_id}/register/attendance")
async def attendance(
    request: Request, session_id: str, portal: PortalDep, seen: StaffForm
) -> Response:
    """Record the same mark (attended, no-show, or none) for every ticked person."""
    key = path_id(session_id)
    posted = (await portal.form_lists(request)).getlist("booking")
    chosen = parse_uuids(v for v in posted if isinstance(v, str))
    if chosen is None or len(chosen) > MAX_ATTENDANCE:
        raise NotFound()
    wanted = list(dict.fromkeys(chosen))
    action = seen.form.get("action", "")
    reason = (seen.form.get("reason") or "").strip()
    errors: dict[str, str] = {}
    if action not in ACTIONS:
        errors["attendance"] = seen.t["choose"]
    if not wanted:
        errors["attendance"] = seen.t["register_choose_people"]
    if not errors:
        async with portal.db() as session:
            found = await training.get_bookings(session, seen.principal, wanted)
        if len(found) != len(wanted) or any(r.session_id != key for r in found.values()):
            raise NotFound()
        try:
            async with portal.write() as session:
                if action == "clear":
                    await attendance_cases.clear_attendance(
                        session, seen.principal, booking_ids=wanted, reason=reason or None
                    )
                else:
                    await attendance_cases.mark_attendance(
                        session,
                        seen.principal,
                        booking_ids=wanted,
                        attended=action == "attended",
                        reason=reason or None,
                    )
            return portal.redirect(register_url(key, "done=attendance", "#attendance"))
        except DomainError as exc:
            for error in exc.errors:
                field = "reason" if error.field == "reason" else "attendance"
                errors[field] = f"{errors.get(field, '')} {error.message}".strip()
    return await register_again(
        request,
        portal,
        seen,
        key,
        errors=errors,
        message=seen.t["register_fix"],
        ticked=wanted,
        reason=reason,
    )


@router.post("/sessions/{session_id}/register/walk-in")
async def walk_in(
    request: Request, session_id: str, portal: PortalDep, seen: StaffForm
) -> Response:
    """Mark someone who was not booked as attended (a walk-in)."""
    key = path_id(session_id)
    contact_id = path_id(seen.form.get("contact", ""))
    search = (seen.form.get("walk_in") or "").strip()
    try:
        async with portal.write() as session:
            await training.record_walk_in(
                session, seen.principal, session_id=key, contact_id=contact_id
            )
        return portal.redirect(register_url(key, "done=walk_in", "#attendance"))
    except DomainError as exc:
        errors = {"walk-in": _messages(exc)}
    return await register_again(
        request,
        portal,
        seen,
        key,
        errors=errors,
        message=seen.t["register_fix"],
        walk_in_search=search,
    )


# -- certificates ----------------------------------------------------------------------------


@router.post("/sessions/{session_id}/register/certificates")
async def issue(request: Request, session_id: str, portal: PortalDep, seen: StaffForm) -> Response:
    """Issue a certificate to every attendee who has none yet (once the session has ended)."""
    key = path_id(session_id)
    try:
        async with portal.write() as session:
            await certificates.issue_certificates(session, seen.principal, session_id=key)
        return portal.redirect(register_url(key, "done=issued", "#certificates"))
    except DomainError as exc:
        errors = {"certificates": _messages(exc)}
    return await register_again(
        request, portal, seen, key, errors=errors, message=seen.t["register_fix"]
    )


async def _certificate_of(
    portal: Portal, principal: Principal, session_id: uuid.UUID, certificate_id: str
) -> uuid.UUID:
    """The path's certificate id; NotFound unless it is one of the path's session."""
    key = path_id(certificate_id)
    async with portal.db() as session:
        row = (await certificates.get_certificates(session, principal, [key])).get(key)
    if row is None or row.session_id != session_id:
        raise NotFound()
    return key


@router.post("/sessions/{session_id}/register/certificates/{certificate_id}/revoke")
async def revoke(
    request: Request, session_id: str, certificate_id: str, portal: PortalDep, seen: StaffForm
) -> Response:
    """Revoke a certificate with a reason."""
    key = path_id(session_id)
    certificate = await _certificate_of(portal, seen.principal, key, certificate_id)
    reason = seen.form.get("reason", "")
    try:
        async with portal.write() as session:
            await certificates.revoke_certificate(
                session, seen.principal, certificate_id=certificate, reason=reason
            )
        return portal.redirect(register_url(key, "done=revoked", "#certificates"))
    except DomainError as exc:
        errors = {
            f"certificate-{certificate}-reason"
            if e.field == "reason"
            else f"certificate-{certificate}": e.message
            for e in exc.errors
        }
    return await register_again(
        request, portal, seen, key, errors=errors, message=seen.t["register_fix"], reason=reason
    )


@router.post("/sessions/{session_id}/register/certificates/{certificate_id}/reissue")
async def reissue(
    request: Request, session_id: str, certificate_id: str, portal: PortalDep, seen: StaffForm
) -> Response:
    """Reissue a certificate under a new number (the old one is superseded)."""
    key = path_id(session_id)
    certificate = await _certificate_of(portal, seen.principal, key, certificate_id)
    try:
        async with portal.write() as session:
            await certificates.reissue_certificate(
                session, seen.principal, certificate_id=certificate
            )
        return portal.redirect(register_url(key, "done=reissued", "#certificates"))
    except DomainError as exc:
        errors = {f"certificate-{certificate}": _messages(exc)}
    return await register_again(
        request, portal, seen, key, errors=errors, message=seen.t["register_fix"]
    )
