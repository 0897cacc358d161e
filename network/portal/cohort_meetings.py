"""The cohort pages' network meetings: what a meetings list shows of a meeting, the two
meeting lists of a cohort, and reading the schedule and reschedule forms."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.db import utcnow
from network.kit.enums import MeetingStatus, Network, RsvpResponse, StarStep
from network.kit.errors import DomainError
from network.kit.pagination import Page
from network.meetings import repository as meetings
from network.meetings.formatting import format_span
from network.portal.web import PAGE_SIZE

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
