"""Training for partners: upcoming and past sessions, booking contacts, cancelling bookings.

A face only: every page reads through the training services with the signed-in partner's
Principal, and every booking or cancellation is the service's own (book_training,
cancel_booking), which locks the session row: the seat race is the service's to settle.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.certificates import service as certificates
from network.contacts import service as contacts
from network.db import utcnow
from network.kit.errors import DomainError
from network.kit.pagination import MAX_PAGE_SIZE
from network.meetings.formatting import format_span
from network.members import service as members
from network.portal.web import PAGE_SIZE, Portal, Reading, parse_uuids
from network.training import bookings as training_bookings
from network.training import catalogue
from network.training import sessions as training_sessions
from network.training.enums import BookingStatus, TrainingSessionStatus

# How many contacts the booking form lists at once (a search box narrows a longer list).
CONTACTS_SHOWN = MAX_PAGE_SIZE
# A booking can be cancelled while it is live and the session has not started.
CANCELLABLE = (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)
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


def add_routes(router: APIRouter, portal: Portal) -> None:
    """/portal/sessions, a session's page, its booking form and cancelling a booking."""

    @router.get("/sessions")
    async def sessions_page(request: Request) -> Response:
        async with portal.reading(request) as seen:
            if isinstance(seen, Response):
                return seen
            session, principal = seen.session, seen.principal
            past = request.query_params.get("past") == "1"
            now = utcnow()
            query = training_sessions.SessionQuery(
                starts_before=now if past else None,
                starts_from=None if past else now,
                newest_first=past,
            )
            try:
                page = await training_sessions.list_sessions(
                    session,
                    principal,
                    query,
                    first=PAGE_SIZE,
                    after=request.query_params.get("after") or None,
                )
            except DomainError:  # a cursor that is not one of ours
                return portal.not_found(request, seen.data)
            rows = list(page.rows)
            counts = await training_sessions.seat_counts(session, [r.id for r in rows])
            courses = await catalogue.get_courses(
                session, principal, list({r.course_id for r in rows})
            )
        language = portal.language_of(request)
        cards = []
        for row in rows:
            seats = counts.get(row.id, training_sessions.SeatCounts())
            course = courses.get(row.course_id)
            cards.append(
                {
                    "id": row.id,
                    "title": course.title if course else "",
                    "when": format_span(row.starts_at, row.ends_at, row.time_zone, language)[
                        "when"
                    ],
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

    async def session_view(
        request: Request,
        seen: Reading,
        *,
        status_code: int = 200,
        ticked: Sequence[uuid.UUID] = (),
        errors: dict[str, str] | None = None,
        results: list[dict[str, Any]] | None = None,
        message: str | None = None,
    ) -> Response:
        """A session's page: the path's session (404 unless the partner may see it)."""
        session, principal, (session_id,) = seen.session, seen.principal, seen.ids
        training = (await training_sessions.get_sessions(session, principal, [session_id])).get(
            session_id
        )
        if training is None:
            return portal.not_found(request, seen.data)
        language = portal.language_of(request)
        now = utcnow()
        query = request.query_params
        course = (await catalogue.get_courses(session, principal, [training.course_id])).get(
            training.course_id
        )
        seats = (await training_sessions.seat_counts(session, [session_id])).get(
            session_id, training_sessions.SeatCounts()
        )
        try:
            booked = await training_bookings.list_bookings(
                session,
                principal,
                training_bookings.BookingQuery(session_id=session_id),
                first=MAX_PAGE_SIZE,
                after=query.get("bookings_after") or None,
            )
        except DomainError:
            return portal.not_found(request, seen.data)
        started = training.starts_at <= now
        issued: dict[uuid.UUID, str] = {}
        if started:
            found = await certificates.list_certificates(
                session,
                principal,
                certificates.CertificateQuery(session_id=session_id),
                first=MAX_PAGE_SIZE,
                after=None,
            )
            issued = {row.booking_id: row.number for row in found.rows}
        open_for_booking = training_sessions.booking_open(training, now)
        search = (query.get("q") or "").strip()
        choices: list[Any] = []
        contacts_cursor = None
        if open_for_booking:
            taken = await training_bookings.booked_contact_ids(session, principal, session_id)
            try:
                listed = await contacts.list_contacts(
                    session,
                    principal,
                    contacts.ContactQuery(search=search or None),
                    first=CONTACTS_SHOWN,
                    after=query.get("after") or None,
                )
            except DomainError:
                return portal.not_found(request, seen.data)
            choices = [c for c in listed.rows if c.id not in taken]
            contacts_cursor = listed.end_cursor if listed.has_next_page else None
        member_ids = {r.contact__member_id for r in booked.rows} | {c.member_id for c in choices}
        names = await members.get_members(
            session, principal, [m for m in member_ids if m is not None]
        )

        def member_name(member_id: uuid.UUID | None) -> str:
            found = names.get(member_id) if member_id is not None else None
            return found.name if found is not None else ""

        groups: dict[str, list[dict[str, Any]]] = {}
        for choice in choices:
            groups.setdefault(member_name(choice.member_id), []).append(
                {"id": choice.id, "name": _name(choice), "email": choice.email}
            )
        rows = [
            {
                "id": row.id,
                "contact": _name(row, "contact__"),
                "member": member_name(row.contact__member_id),
                "status": row.status,
                "position": row.waitlist_position,
                "attended": row.status in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW),
                "certificate": issued.get(row.id),
                "cancellable": row.status in CANCELLABLE and not started,
            }
            for row in booked.rows
        ]
        return portal.render(
            request,
            seen.data,
            "training_session.html",
            status_code,
            training=training,
            title=course.title if course else "",
            certified=bool(course.cpd_certified) if course else False,
            when=format_span(training.starts_at, training.ends_at, training.time_zone, language)[
                "when"
            ],
            cancelled=training.status == TrainingSessionStatus.CANCELLED,
            seats_left=max(0, training.capacity - seats.taken),
            waiting=seats.waiting,
            started=started,
            open_for_booking=open_for_booking,
            rows=rows,
            bookings_cursor=booked.end_cursor if booked.has_next_page else None,
            groups=sorted(groups.items()),
            contacts_cursor=contacts_cursor,
            show_search=bool(search) or contacts_cursor is not None or len(choices) > PAGE_SIZE,
            search=search,
            ticked={str(i) for i in ticked},
            errors=errors or {},
            results=results or [],
            message=message,
        )

    async def results_of(
        session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, dict[str, Any]]:
        """Each booking's contact and where it stands now, by booking id."""
        found = await training_bookings.get_bookings(session, principal, ids)
        return {
            booking_id: {
                "name": _name(row, "contact__"),
                "status": row.status,
                "position": row.waitlist_position,
                "error": None,
            }
            for booking_id, row in found.items()
        }

    async def session_again(request: Request, seen: Reading, **values: Any) -> Response:
        """The session's page again after a booking failed (422)."""
        async with portal.again(seen) as fresh:
            return await session_view(request, fresh, status_code=422, **values)

    @router.get("/sessions/{session_id}")
    async def session_page(request: Request, session_id: str) -> Response:
        async with portal.reading(request, session_id) as seen:
            if isinstance(seen, Response):
                return seen
            message = None
            results: list[dict[str, Any]] = []
            booked_ids = parse_uuids(
                v for v in request.query_params.get("booked", "").split(",") if v
            )
            if booked_ids:
                found = await results_of(seen.session, seen.principal, booked_ids[:MAX_PAGE_SIZE])
                results = [found[i] for i in booked_ids if i in found]
                message = seen.t["training_booked"]
            elif request.query_params.get("cancelled") == "1":
                message = seen.t["training_cancelled"]
            return await session_view(request, seen, results=results, message=message)

    @router.post("/sessions/{session_id}/book")
    async def book(request: Request, session_id: str) -> Response:
        posted = (await portal.form_lists(request)).getlist("contact")
        chosen = parse_uuids(v for v in posted if isinstance(v, str))
        wanted = list(dict.fromkeys(chosen or ()))

        async def bookable(seen: Reading) -> dict[uuid.UUID, Any] | None:
            """The chosen contacts, when the partner may see the session and every one."""
            if chosen is None or len(wanted) > MAX_PAGE_SIZE:
                return None
            if seen.ids[0] not in await training_sessions.get_sessions(
                seen.session, seen.principal, seen.ids
            ):
                return None
            # A contact the partner may not see reads as not found, and nothing is booked.
            people = await contacts.get_contacts(seen.session, seen.principal, wanted)
            return people if len(people) == len(wanted) else None

        checked = await portal.posted_to(request, session_id, find=bookable)
        if isinstance(checked, Response):
            return checked
        _, seen, people = checked
        principal, parsed, t = seen.principal, seen.ids[0], seen.t
        if not wanted:
            return await session_again(
                request,
                seen,
                errors={"contact": t["training_choose_contacts"]},
                message=t["fix_errors"],
            )
        made: dict[uuid.UUID, uuid.UUID] = {}
        failed: dict[uuid.UUID, str] = {}
        # One unit of work; each contact in a savepoint, so one refusal (already booked, say)
        # leaves the others booked and is shown next to that contact.
        async with portal.write() as session:
            for contact_id in wanted:
                try:
                    async with session.begin_nested():
                        booking = await training_bookings.book_training(
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
        results = []
        for contact_id in wanted:
            if contact_id in made and made[contact_id] in found:
                results.append(found[made[contact_id]])
            else:
                results.append(
                    {
                        "id": contact_id,
                        "name": _name(people[contact_id]),
                        "status": None,
                        "position": None,
                        "error": failed.get(contact_id, ""),
                    }
                )
        return await session_again(
            request,
            seen,
            ticked=list(failed),
            errors={f"contact-{c}": text for c, text in failed.items()},
            results=results,
            message=t["training_some_not_booked"],
        )

    async def booking_on_session(seen: Reading) -> Any | None:
        """The path's booking, if the partner may see it and it is on the path's session."""
        session_id, booking_id = seen.ids
        row = (
            await training_bookings.get_bookings(seen.session, seen.principal, [booking_id])
        ).get(booking_id)
        return row if row is not None and row.session_id == session_id else None

    async def cancel_view(
        request: Request,
        seen: Reading,
        *,
        status_code: int = 200,
        errors: dict[str, str] | None = None,
        reason: str = "",
    ) -> Response:
        """The page asking to confirm cancelling a booking (404 unless it is on the session)."""
        session, principal, (sid, bid) = seen.session, seen.principal, seen.ids
        row = await booking_on_session(seen)
        if row is None:
            return portal.not_found(request, seen.data)
        training = (await training_sessions.get_sessions(session, principal, [sid])).get(sid)
        if training is None:
            return portal.not_found(request, seen.data)
        course = (await catalogue.get_courses(session, principal, [training.course_id])).get(
            training.course_id
        )
        language = portal.language_of(request)
        return portal.render(
            request,
            seen.data,
            "training_cancel.html",
            status_code,
            session_id=sid,
            booking_id=bid,
            contact=_name(row, "contact__"),
            status=row.status,
            title=course.title if course else "",
            when=format_span(training.starts_at, training.ends_at, training.time_zone, language)[
                "when"
            ],
            errors=errors or {},
            reason=reason,
        )

    @router.get("/sessions/{session_id}/bookings/{booking_id}/cancel")
    async def cancel_page(request: Request, session_id: str, booking_id: str) -> Response:
        async with portal.reading(request, session_id, booking_id) as seen:
            if isinstance(seen, Response):
                return seen
            return await cancel_view(request, seen)

    @router.post("/sessions/{session_id}/bookings/{booking_id}/cancel")
    async def cancel(request: Request, session_id: str, booking_id: str) -> Response:
        checked = await portal.posted_to(request, session_id, booking_id, find=booking_on_session)
        if isinstance(checked, Response):
            return checked
        form, seen, _ = checked
        sid, bid = seen.ids
        try:
            async with portal.write() as session:
                await training_bookings.cancel_booking(
                    session, seen.principal, booking_id=bid, reason=form.get("reason") or None
                )
            return portal.redirect(f"/portal/sessions/{sid}?cancelled=1")
        except DomainError as exc:
            reason_error = [e for e in exc.errors if e.field == "reason"]
            errors = {"reason" if reason_error else "booking": _error_text(exc, seen.t)}
        async with portal.again(seen) as fresh:
            return await cancel_view(
                request, fresh, status_code=422, errors=errors, reason=form.get("reason", "")
            )
