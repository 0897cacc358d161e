"""A cohort's network meetings: a meeting's page with its invitations, and its reschedule,
cancel and answer forms; also what the cohort page shows of its meetings and how the schedule
and reschedule forms are read. Scheduling is a form on the cohort's page (cohorts.py).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.contacts import service as contacts
from network.db import utcnow
from network.kit.enums import MeetingStatus, Network, RsvpResponse, StarStep
from network.kit.errors import DomainError
from network.kit.ids import parse_uuid
from network.kit.pagination import Page
from network.meetings import repository as meetings
from network.meetings import service as meetings_service
from network.meetings.formatting import format_span
from network.members import service as members
from network.portal.deps import ManagerForm, ManagerReading, PortalDep, area_router, path_id
from network.portal.exits import NotFound
from network.portal.web import PAGE_SIZE, Portal, Reading
from network.programme import service as programme

# The service's meeting input names -> the form's field names.
MEETING_FIELD_NAMES = {
    "afterStep": "after_step",
    "startsAt": "start_time",
    "endsAt": "end_time",
    "timeZone": "time_zone",
    "onlineUrl": "online_url",
    "meetingId": "meeting",
    "cohortId": "meeting",
}
SAVED = {"1": "saved"}
MEETING_SAVED = {"1": "cm_meeting_saved", "2": "cm_meeting_cancelled", "3": "cm_answer_saved"}
# Offered in the time zone list; any other IANA name may be typed.
COMMON_TIME_ZONES = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Amsterdam",
    "Europe/Lisbon",
    "UTC",
)
# The schedule form's time zone until one is typed: where each network's cohorts meet.
NETWORK_TIME_ZONES = {
    Network.CITIZEN_POWERED_CITY: "Europe/Paris",
    Network.CITIZEN_POWERED_COUNCIL: "Europe/London",
}
# A form's time is a wall-clock time in the meeting's zone: HH:MM or HH:MM:SS, no offset.
CLOCK_TIME = re.compile(r"\d{2}:\d{2}(:\d{2})?")

router = area_router()


class FormInvalid(Exception):
    """The form had errors of its own: roll back whatever the service did."""


def field_errors(
    exc: DomainError, t: dict[str, str], names: dict[str, str] | None = None
) -> dict[str, str]:
    """The service's errors by form field (`names`: API name -> form name, the meeting forms'
    by default), in the page's language where a label has them."""
    names = MEETING_FIELD_NAMES if names is None else names
    found: dict[str, str] = {}
    for e in exc.errors:
        name = names.get(e.field, e.field)
        text = t.get(f"cm_err_{e.field}_{e.code}") or t.get(f"cm_err_{e.code}") or e.message
        found.setdefault(name, text)
    return found


def local_times(
    form: dict[str, str], errors: dict[str, str], t: dict[str, str]
) -> tuple[datetime | None, datetime | None]:
    """The start and end as local (naive) times from the date and the two times."""
    day: date | None = None
    text = form.get("date", "").strip()
    if not text:
        errors["date"] = t["cm_err_REQUIRED"]
    else:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            errors["date"] = t["cm_bad_date"]
    moments: list[datetime | None] = []
    for name in ("start_time", "end_time"):
        value = form.get(name, "").strip()
        moment: datetime | None = None
        if not value:
            errors[name] = t["cm_err_REQUIRED"]
        else:
            try:
                if not CLOCK_TIME.fullmatch(value):
                    raise ValueError(value)
                clock = time.fromisoformat(value)
                moment = datetime.combine(day, clock) if day else None
            except ValueError:
                errors[name] = t["cm_bad_time"]
        moments.append(moment)
    return moments[0], moments[1]


def default_time_zone(network: Any) -> str:
    """The schedule form's time zone for a cohort of `network` (London when unknown)."""
    try:
        return NETWORK_TIME_ZONES[Network(network)]
    except ValueError:
        return "Europe/London"


def meeting_fields(
    form: dict[str, str], errors: dict[str, str], t: dict[str, str]
) -> dict[str, Any]:
    """The schedule and reschedule forms' values for the service (times read as local)."""
    starts_at, ends_at = local_times(form, errors, t)
    return {
        "title": form.get("title"),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "time_zone": form.get("time_zone"),
        "venue": form.get("venue"),
        "online_url": form.get("online_url"),
        "agenda": form.get("agenda"),
    }


def meeting_item(
    meeting: Any, tallies: dict[uuid.UUID, dict[RsvpResponse | None, int]], language: str
) -> dict[str, Any]:
    """What a meetings list shows of one meeting."""
    counts = tallies.get(meeting.id, {})
    return {
        "id": meeting.id,
        "title": meeting.title,
        "when": format_span(meeting.starts_at, meeting.ends_at, meeting.time_zone, language)[
            "when"
        ],
        "step": StarStep(meeting.after_step),
        # A scheduled meeting that has ended was held (the list says so, not "Scheduled").
        "status": "HELD"
        if meeting.status == MeetingStatus.SCHEDULED and meeting.ends_at <= utcnow()
        else MeetingStatus(meeting.status).value,
        "yes": counts.get(RsvpResponse.YES, 0),
        "no": counts.get(RsvpResponse.NO, 0),
        "maybe": counts.get(RsvpResponse.MAYBE, 0),
        "none": counts.get(None, 0),
        "venue": meeting.venue,
        "online_url": meeting.online_url,
    }


async def meetings_of(
    session: AsyncSession,
    principal: Principal,
    cohort_id: uuid.UUID,
    after: str | None,
    upcoming_after: str | None = None,
) -> tuple[Page, Page]:
    """A page of the cohort's upcoming meetings (soonest first) and a page of its past ones
    (latest first); a forged or stale cursor starts its list from the beginning."""
    now = utcnow()
    upcoming = meetings.MeetingQuery(cohort_id=cohort_id, starts_from=now)
    past = meetings.MeetingQuery(cohort_id=cohort_id, starts_before=now, newest_first=True)
    return (
        await _meeting_page(session, principal, upcoming, upcoming_after),
        await _meeting_page(session, principal, past, after),
    )


async def _meeting_page(
    session: AsyncSession, principal: Principal, query: meetings.MeetingQuery, after: str | None
) -> Page:
    try:
        return await meetings.list_meetings(session, principal, query, first=PAGE_SIZE, after=after)
    except DomainError:
        return await meetings.list_meetings(session, principal, query, first=PAGE_SIZE, after=None)


async def written(
    portal: Portal,
    write: Callable[[AsyncSession], Awaitable[Any]],
    errors: dict[str, str],
    t: dict[str, str],
) -> Any | None:
    """Schedule or reschedule in one unit of work, kept only when neither the form nor the
    service found an error (the service checks every field even when the form has errors,
    so all are shown at once); the meeting, or None with `errors` filled in."""
    try:
        async with portal.write() as session:
            meeting = await write(session)
            if errors:
                raise FormInvalid
        return meeting
    except DomainError as exc:
        for name, text in field_errors(exc, t).items():
            errors.setdefault(name, text)
    except FormInvalid:
        pass
    return None


# -- a meeting's page -----------------------------------------------------------------------


async def visible_meeting(
    session: AsyncSession, principal: Principal, cohort_id: str, meeting_id: str
) -> tuple[Any, Any]:
    """The path's cohort and its meeting; NotFound unless the cohort is the partner's and
    the meeting is of that cohort."""
    cohort_key, meeting_key = path_id(cohort_id), path_id(meeting_id)
    cohort = (await programme.get_cohorts(session, principal, [cohort_key])).get(cohort_key)
    meeting = (await meetings.get_meetings(session, principal, [meeting_key])).get(meeting_key)
    if cohort is None or meeting is None or meeting.cohort_id != cohort_key:
        raise NotFound()
    return cohort, meeting


async def invited_of(
    session: AsyncSession, principal: Principal, meeting_id: uuid.UUID, after: str | None
) -> tuple[list[dict[str, Any]], Page]:
    """A page of the meeting's invitations: each contact, its member and its answer."""
    try:
        page = await meetings.list_invitations(
            session, principal, meeting_id, first=PAGE_SIZE, after=after
        )
    except DomainError:  # a forged or stale cursor: start from the beginning
        page = await meetings.list_invitations(
            session, principal, meeting_id, first=PAGE_SIZE, after=None
        )
    found = await contacts.get_contacts(session, principal, [r.contact_id for r in page.rows])
    member_ids = list({c.member_id for c in found.values() if c.member_id is not None})
    people = await members.get_members(session, principal, member_ids)
    invited = []
    for row in page.rows:
        contact = found.get(row.contact_id)
        member = people.get(contact.member_id) if contact and contact.member_id else None
        invited.append(
            {
                "contact_id": row.contact_id,
                "name": f"{row.first_name} {row.last_name}",
                "email": row.email,
                "member": member.name if member else "",
                "response": row.response,
            }
        )
    return invited, page


def current_fields(meeting: Any) -> dict[str, str]:
    """The reschedule form filled in with the meeting as it stands, in its own time zone."""
    zone = ZoneInfo(meeting.time_zone)
    start = meeting.starts_at.astimezone(zone)
    end = meeting.ends_at.astimezone(zone)
    return {
        "title": meeting.title,
        "date": start.date().isoformat(),
        "start_time": f"{start:%H:%M}",
        "end_time": f"{end:%H:%M}",
        "time_zone": meeting.time_zone,
        "venue": meeting.venue or "",
        "online_url": meeting.online_url or "",
        "agenda": meeting.agenda or "",
    }


async def meeting_view(
    request: Request,
    portal: Portal,
    seen: Reading,
    cohort_id: str,
    meeting_id: str,
    *,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    which: str = "",
) -> Response:
    """A meeting's page: the path's cohort and meeting (NotFound unless the partner's)."""
    session, principal = seen.session, seen.principal
    cohort, meeting = await visible_meeting(session, principal, cohort_id, meeting_id)
    after = request.query_params.get("after")
    invited, page = await invited_of(session, principal, meeting.id, after)
    tallies = await meetings.response_counts(session, principal, [meeting.id])
    current = current_fields(meeting)
    changeable = meeting.status == MeetingStatus.SCHEDULED and meeting.starts_at > utcnow()
    return portal.render(
        request,
        seen.data,
        "cohorts_meeting.html",
        status_code,
        cohort=cohort,
        meeting=meeting,
        item=meeting_item(meeting, tallies, portal.language_of(request)),
        invited=invited,
        invitations_cursor=page.end_cursor if page.has_next_page else None,
        changeable=changeable,
        form={**current, **(form or {})} if which != "cancel" else {**current},
        cancel_form=form if which == "cancel" else {},
        errors=errors or {},
        message=message,
        which=which,
        time_zones=COMMON_TIME_ZONES,
        default_time_zone=default_time_zone(cohort.network),
    )


async def meeting_again(
    request: Request,
    portal: Portal,
    seen: Reading,
    ids: tuple[str, str],
    form: dict[str, str] | None,
    errors: dict[str, str],
    which: str,
) -> Response:
    """The meeting's page again, with the posted form `which` and its errors (422)."""
    async with portal.again(seen) as fresh:
        return await meeting_view(
            request,
            portal,
            fresh,
            *ids,
            status_code=422,
            form=form,
            errors=errors,
            message=seen.t["cm_fix_errors"],
            which=which,
        )


@router.get("/cohorts/{cohort_id}/meetings/{meeting_id}")
async def meeting_page(
    request: Request, cohort_id: str, meeting_id: str, portal: PortalDep, seen: ManagerReading
) -> Response:
    """A meeting's page, with what was just saved (?saved=)."""
    saved = request.query_params.get("saved")
    message = seen.t[MEETING_SAVED[saved]] if saved in MEETING_SAVED else None
    return await meeting_view(request, portal, seen, cohort_id, meeting_id, message=message)


@router.post("/cohorts/{cohort_id}/meetings/{meeting_id}/reschedule")
async def reschedule(
    request: Request, cohort_id: str, meeting_id: str, portal: PortalDep, seen: ManagerForm
) -> Response:
    """Move or change a meeting (the same service call as the API's rescheduleNetworkMeeting)."""
    async with portal.db() as session:
        cohort, meeting = await visible_meeting(session, seen.principal, cohort_id, meeting_id)
    form, t = seen.form, seen.t
    errors: dict[str, str] = {}
    fields = meeting_fields(form, errors, t)
    done = await written(
        portal,
        lambda session: meetings_service.reschedule_meeting(
            session, seen.principal, meeting.id, **fields
        ),
        errors,
        t,
    )
    if done is None:
        ids = (cohort_id, meeting_id)
        return await meeting_again(request, portal, seen, ids, form, errors, "reschedule")
    return portal.redirect(f"/portal/cohorts/{cohort.id}/meetings/{meeting.id}?saved=1")


@router.post("/cohorts/{cohort_id}/meetings/{meeting_id}/cancel")
async def cancel(
    request: Request, cohort_id: str, meeting_id: str, portal: PortalDep, seen: ManagerForm
) -> Response:
    """Cancel a meeting, once confirmed (the same service call as cancelNetworkMeeting)."""
    async with portal.db() as session:
        cohort, meeting = await visible_meeting(session, seen.principal, cohort_id, meeting_id)
    form, t = seen.form, seen.t
    errors: dict[str, str] = {}
    if form.get("confirm") != "yes":
        errors["confirm"] = t["cm_confirm_needed"]
    if not errors:
        try:
            async with portal.write() as session:
                await meetings_service.cancel_meeting(
                    session, seen.principal, meeting.id, reason=form.get("reason")
                )
            return portal.redirect(f"/portal/cohorts/{cohort.id}/meetings/{meeting.id}?saved=2")
        except DomainError as exc:
            errors.update(field_errors(exc, t))
    ids = (cohort_id, meeting_id)
    return await meeting_again(request, portal, seen, ids, form, errors, "cancel")


@router.post("/cohorts/{cohort_id}/meetings/{meeting_id}/rsvp")
async def record_answer(
    request: Request, cohort_id: str, meeting_id: str, portal: PortalDep, seen: ManagerForm
) -> Response:
    """Record an invitee's answer for them (the same `rsvp` as the API)."""
    async with portal.db() as session:
        cohort, meeting = await visible_meeting(session, seen.principal, cohort_id, meeting_id)
    form, t = seen.form, seen.t
    errors: dict[str, str] = {}
    response = _response(form.get("response", ""))
    if response is None:
        errors["rsvp"] = t["cm_choose"]
    else:
        try:
            async with portal.write() as session:
                await meetings_service.rsvp(
                    session,
                    seen.principal,
                    meeting_id=meeting.id,
                    contact_id=parse_uuid(form.get("contact")),
                    response=response,
                )
            return portal.redirect(f"/portal/cohorts/{cohort.id}/meetings/{meeting.id}?saved=3")
        except DomainError as exc:
            errors["rsvp"] = next(iter(field_errors(exc, t).values()))
    ids = (cohort_id, meeting_id)
    return await meeting_again(request, portal, seen, ids, None, errors, "rsvp")


def _response(value: str) -> RsvpResponse | None:
    try:
        return RsvpResponse(value.strip())
    except ValueError:
        return None
