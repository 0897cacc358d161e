"""My training: what a member contact signed in to the portal sees of their own training.

Their bookings and those they made for colleagues (each with a Cancel link to
network.portal.member_training, where they also book), the network meetings they are invited
to (with Yes / No / Maybe buttons that call the same `rsvp` as the API), their certificates to
download, and their CPD hours this year.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.certificates import service as certificates
from network.db import utcnow
from network.kit.enums import RsvpResponse
from network.kit.errors import DomainError
from network.meetings import repository as meetings
from network.meetings import service as meeting_service
from network.meetings.formatting import format_span
from network.portal.deps import MemberForm, MemberReading, PortalDep, area_router, path_id
from network.portal.exits import NotFound
from network.portal.web import PAGE_SIZE, Portal, Reading
from network.training import service as training
from network.training.enums import BookingStatus

MEETINGS_SHOWN = 20  # upcoming meetings on the page: a contact is invited to a handful
CERTIFICATES_SHOWN = 100  # a contact earns a few certificates a year
ANSWERS = list(RsvpResponse)
CANCELLABLE = (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)
# Why an answer was refused, in the page's words (the service's codes -> label keys).
RSVP_ERRORS = {"STARTED": "mine_started", "CANCELLED": "mine_cancelled"}


router = area_router()


async def training_view(
    request: Request,
    portal: Portal,
    seen: Reading,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    message: str | None = None,
) -> Response:
    """My training: the contact's bookings, meetings, certificates and CPD hours."""
    session, principal = seen.session, seen.principal
    contact_id = principal.contact_id
    if contact_id is None:
        raise NotFound()
    language = portal.language_of(request)
    try:
        # Their own bookings and the ones they made for colleagues (network.training.scope).
        booked = await training.list_bookings(
            session,
            principal,
            training.BookingQuery(),
            first=PAGE_SIZE,
            after=request.query_params.get("after"),
        )
    except DomainError:  # a cursor that is not one of ours
        raise NotFound() from None
    runs = await training.get_sessions(
        session, principal, list({row.session_id for row in booked.rows})
    )
    courses = await training.get_courses(
        session, principal, list({row.course_id for row in runs.values()})
    )
    now = utcnow()
    items = []
    for row in booked.rows:
        run = runs.get(row.session_id)
        if run is None:
            continue
        course = courses.get(run.course_id)
        items.append(
            {
                "title": course.title if course else "",
                "when": format_span(run.starts_at, run.ends_at, run.time_zone, language)["when"],
                "status": row.status,
                "position": row.waitlist_position,
                "id": row.id,
                "for": None
                if row.contact_id == contact_id
                else f"{row.contact__first_name} {row.contact__last_name}",
                "cancellable": row.status in CANCELLABLE and now < run.starts_at,
            }
        )
    upcoming = await _upcoming_meetings(session, principal, contact_id, now, language)
    issued = await certificates.list_certificates(
        session,
        principal,
        certificates.CertificateQuery(contact_id=contact_id),
        first=CERTIFICATES_SHOWN,
        after=None,
    )
    year = now.year
    hours = dict(await certificates.cpd_hours_by_year(session, principal, contact_id))
    return portal.render(
        request,
        seen.data,
        "training.html",
        status_code,
        bookings=items,
        cursor=booked.end_cursor if booked.has_next_page else None,
        meetings=upcoming,
        answers=ANSWERS,
        certificates=issued.rows,
        cpd_hours=hours.get(year, 0),
        year=year,
        errors=errors or {},
        message=message,
    )


async def _upcoming_meetings(
    session: AsyncSession,
    principal: Principal,
    contact_id: uuid.UUID,
    now: datetime,
    language: str,
) -> list[dict[str, Any]]:
    """The network meetings the contact is invited to that have not started, with answers."""
    invited = await meetings.upcoming_invitations(
        session, principal, contact_id, now=now, limit=MEETINGS_SHOWN
    )
    found = await meetings.get_meetings(
        session, principal, list({row.meeting_id for row in invited})
    )
    upcoming: list[dict[str, Any]] = []
    for invitation in invited:
        meeting = found.get(invitation.meeting_id)
        if meeting is None:
            continue
        upcoming.append(
            {
                "id": meeting.id,
                "title": meeting.title,
                "when": format_span(
                    meeting.starts_at, meeting.ends_at, meeting.time_zone, language
                )["when"],
                "where": meeting.venue or meeting.online_url or "",
                "answer": invitation.response,
            }
        )
    return upcoming


async def answer_refused(
    request: Request, portal: Portal, seen: Reading, meeting_id: uuid.UUID, key: str
) -> Response:
    """My training again, with why the answer to the meeting was refused (422)."""
    async with portal.again(seen) as fresh:
        errors = {str(meeting_id): seen.t[key]}
        return await training_view(request, portal, fresh, status_code=422, errors=errors)


@router.get("/training")
async def my_training(request: Request, portal: PortalDep, seen: MemberReading) -> Response:
    """My training: the signed-in member contact's own page."""
    saved = request.query_params.get("answered") == "1"
    message = seen.t["mine_answered"] if saved else None
    if request.query_params.get("cancelled") == "1":
        message = seen.t["mbook_cancelled"]
    return await training_view(request, portal, seen, message=message)


@router.post("/training/meetings/{meeting_id}/rsvp")
async def answer(
    request: Request, meeting_id: str, portal: PortalDep, seen: MemberForm
) -> Response:
    """Answer an invitation with Yes, No or Maybe (the same `rsvp` as the API)."""
    meeting = path_id(meeting_id)
    response = seen.form.get("response", "")
    if response not in RsvpResponse.__members__:
        return await answer_refused(request, portal, seen, meeting, "choose")
    try:
        async with portal.write() as session:
            await meeting_service.rsvp(
                session,
                seen.principal,
                meeting_id=meeting,
                contact_id=seen.principal.contact_id,
                response=RsvpResponse(response),
            )
    except DomainError as exc:
        codes = {e.code for e in exc.errors}
        if codes & {"NOT_FOUND", "NOT_INVITED"}:
            raise NotFound() from None
        key = next((RSVP_ERRORS[c] for c in codes if c in RSVP_ERRORS), "mine_rsvp_failed")
        return await answer_refused(request, portal, seen, meeting, key)
    return portal.redirect("/portal/training?answered=1")
