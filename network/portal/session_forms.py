"""Scheduling, changing and cancelling training sessions, for staff.

A face only: the forms call the training service's create_training_session,
update_training_session and cancel_training_session (the API's createTrainingSession,
updateTrainingSession and cancelTrainingSession) with the staff member's Principal. The date
and the two clock times are read as the cohort meeting forms read them (wall-clock times in the
session's zone, network.portal.cohort_meetings.local_times); turning them into UTC, and every
other rule (capacity not below the seats taken, a place to be, one reservation), is the
service's. An edit sends only the fields that changed, so a session that has started can still
get a new venue or trainer, and one with walk-ins beyond its capacity keeps that capacity.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.db import utcnow
from network.kit.errors import DomainError
from network.kit.ids import parse_uuid
from network.kit.pagination import MAX_PAGE_SIZE
from network.meetings.formatting import format_span
from network.members import service as members
from network.portal.cohort_meetings import COMMON_TIME_ZONES, FormInvalid, local_times
from network.portal.deps import PortalDep, StaffForm, StaffReading, area_router, path_id
from network.portal.exits import or_404
from network.portal.i18n import CONTACT_LANGUAGES
from network.portal.web import Portal, Reading
from network.programme import service as programme
from network.training import service as training
from network.training.enums import TrainingSessionStatus

# The service's input names (as the API spells them) -> the form's field names.
SESSION_FIELDS = {
    "courseId": "course",
    "startsAt": "start_time",
    "endsAt": "end_time",
    "timeZone": "time_zone",
    "onlineUrl": "online_url",
    "bookingDeadline": "booking_deadline",
    "reservedCohortId": "reserved_cohort",
    "reservedMemberId": "reserved_member",
    "cancellationReason": "reason",
    "sessionId": "form",
    "id": "form",
    "status": "form",
}
# How the booking deadline's field (a datetime-local input) writes a wall-clock time.
DEADLINE_FORMAT = "%Y-%m-%dT%H:%M"
DEFAULT_TIME_ZONE = "Europe/London"

router = area_router()


def session_errors(exc: DomainError) -> dict[str, str]:
    """The service's errors keyed by the form's field names (the first one of each field)."""
    found: dict[str, str] = {}
    for error in exc.errors:
        found.setdefault(SESSION_FIELDS.get(error.field, error.field), error.message)
    return found


def _deadline(form: dict[str, str], errors: dict[str, str], t: dict[str, str]) -> datetime | None:
    """The booking deadline as a wall-clock time in the session's zone (None when blank)."""
    text = form.get("booking_deadline", "").strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        errors["booking_deadline"] = t["desk_bad_deadline"]
        return None


def _capacity(form: dict[str, str], errors: dict[str, str], t: dict[str, str]) -> int | None:
    text = form.get("capacity", "").strip()
    if not text:
        return None  # the service says it is required
    try:
        return int(text)
    except ValueError:
        errors["capacity"] = t["desk_bad_capacity"]
        return None


def _chosen_id(
    form: dict[str, str], name: str, errors: dict[str, str], t: dict[str, str]
) -> uuid.UUID | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    found = parse_uuid(text)
    if found is None:
        errors[name] = t["desk_choose_offered"]
    return found


def posted_session(
    form: dict[str, str], errors: dict[str, str], t: dict[str, str]
) -> dict[str, Any]:
    """Every field of the session form, read for the service (`errors`: the form's own)."""
    starts_at, ends_at = local_times(form, errors, t)
    return {
        "starts_at": starts_at,
        "ends_at": ends_at,
        "time_zone": form.get("time_zone", "").strip() or None,
        "language": form.get("language", "").strip() or None,
        "capacity": _capacity(form, errors, t),
        "booking_deadline": _deadline(form, errors, t),
        "venue": form.get("venue", "").strip() or None,
        "online_url": form.get("online_url", "").strip() or None,
        "trainer": form.get("trainer", "").strip() or None,
        "reserved_cohort_id": _chosen_id(form, "reserved_cohort", errors, t),
        "reserved_member_id": _chosen_id(form, "reserved_member", errors, t),
    }


def current_form(row: Any) -> dict[str, str]:
    """The edit form filled in with the session as it stands, in its own time zone."""
    zone = ZoneInfo(row.time_zone)
    start, end = row.starts_at.astimezone(zone), row.ends_at.astimezone(zone)
    deadline = row.booking_deadline.astimezone(zone) if row.booking_deadline else None
    return {
        "course": str(row.course_id),
        "date": start.date().isoformat(),
        "start_time": f"{start:%H:%M}",
        "end_time": f"{end:%H:%M}",
        "time_zone": row.time_zone,
        "language": row.language,
        "capacity": str(row.capacity),
        "booking_deadline": f"{deadline:{DEADLINE_FORMAT}}" if deadline else "",
        "venue": row.venue or "",
        "online_url": row.online_url or "",
        "trainer": row.trainer or "",
        "reserved_cohort": str(row.reserved_cohort_id or ""),
        "reserved_member": str(row.reserved_member_id or ""),
    }


def changed_fields(
    values: dict[str, Any], form: dict[str, str], before: dict[str, str]
) -> dict[str, Any]:
    """Of the posted values, those whose fields differ from the session as it stands (a new
    date, clock time or zone sends the times it moves, read in the zone now chosen)."""

    def moved(*names: str) -> bool:
        return any(form.get(n, "").strip() != before[n] for n in names)

    changes: dict[str, Any] = {}
    if moved("time_zone"):
        changes["time_zone"] = values["time_zone"]
    if moved("date", "start_time", "time_zone"):
        changes["starts_at"] = values["starts_at"]
    if moved("date", "end_time", "time_zone"):
        changes["ends_at"] = values["ends_at"]
    if moved("booking_deadline", "time_zone"):
        changes["booking_deadline"] = values["booking_deadline"]
    for name in ("language", "capacity", "venue", "online_url", "trainer"):
        if moved(name):
            changes[name] = values[name]
    if moved("reserved_cohort", "reserved_member"):
        changes["reserved_cohort_id"] = values["reserved_cohort_id"]
        changes["reserved_member_id"] = values["reserved_member_id"]
    return changes


async def saved(
    portal: Portal,
    write: Callable[[AsyncSession], Awaitable[Any]],
    errors: dict[str, str],
) -> Any | None:
    """Write in one unit of work, kept only when neither the form nor the service found an
    error (the service checks every field even when the form has errors, so all are shown at
    once); what `write` returned, or None with `errors` filled in."""
    try:
        async with portal.write() as session:
            done = await write(session)
            if errors:
                raise FormInvalid
        return done
    except DomainError as exc:
        for name, text in session_errors(exc).items():
            errors.setdefault(name, text)
    except FormInvalid:
        pass
    return None


async def choices(
    session: AsyncSession, principal: Principal, form: dict[str, str]
) -> dict[str, Any]:
    """The form's selects: courses, cohorts and members (the one chosen always among them)."""
    courses = await training.list_courses(
        session, principal, training.CourseQuery(), first=MAX_PAGE_SIZE, after=None
    )
    cohorts = await programme.list_cohorts(
        session, principal, programme.CohortQuery(), first=MAX_PAGE_SIZE, after=None
    )
    listed = await members.list_members(
        session, principal, members.MemberQuery(), first=MAX_PAGE_SIZE, after=None
    )
    member_options = [(m.id, m.name) for m in listed.rows]
    chosen = parse_uuid(form.get("reserved_member", ""))
    if chosen is not None and all(i != chosen for i, _ in member_options):
        found = await members.get_members(session, principal, [chosen])
        member_options += [(m.id, m.name) for m in found.values()]
    zones = list(COMMON_TIME_ZONES)
    typed = form.get("time_zone", "").strip()
    if typed and typed not in zones:
        zones.append(typed)  # the session's own zone, or what was posted (the service checks)
    return {
        "courses": [(c.id, c.title) for c in courses.rows],
        "cohorts": [(c.id, c.name) for c in cohorts.rows],
        "member_options": member_options,
        "time_zones": zones,
        "session_languages": CONTACT_LANGUAGES,
    }


async def session_form(
    request: Request,
    portal: Portal,
    seen: Reading,
    *,
    form: dict[str, str],
    row: Any = None,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> Response:
    """The schedule form, or the edit form of the session `row`."""
    session, principal = seen.session, seen.principal
    title = when = ""
    cancelled = False
    if row is not None:
        course = (await training.get_courses(session, principal, [row.course_id])).get(
            row.course_id
        )
        title = course.title if course else ""
        language = portal.language_of(request)
        when = format_span(row.starts_at, row.ends_at, row.time_zone, language)["when"]
        cancelled = row.status == TrainingSessionStatus.CANCELLED
    return portal.render(
        request,
        seen.data,
        "desk_session_form.html",
        status_code,
        training=row,
        title=title,
        when=when,
        cancelled=cancelled,
        form=form,
        errors=errors or {},
        message=seen.t["fix_errors"] if errors else None,
        **await choices(session, principal, form),
    )


async def visible_session(seen: Reading, session_id: str) -> Any:
    """The path's session (NotFound unless there is one)."""
    key = path_id(session_id)
    return or_404((await training.get_sessions(seen.session, seen.principal, [key])).get(key))


@router.get("/sessions/new")
async def new_session_page(request: Request, portal: PortalDep, seen: StaffReading) -> Response:
    """The form scheduling a session (?course= picks the course)."""
    form = {
        "course": request.query_params.get("course", ""),
        "time_zone": DEFAULT_TIME_ZONE,
        "language": "en",
        "capacity": "20",
    }
    return await session_form(request, portal, seen, form=form)


@router.post("/sessions/new")
async def new_session(request: Request, portal: PortalDep, seen: StaffForm) -> Response:
    """Schedule a session (the same service call as the API's createTrainingSession)."""
    form, t = seen.form, seen.t
    errors: dict[str, str] = {}
    values = posted_session(form, errors, t)
    course_id = _chosen_id(form, "course", errors, t)
    made = await saved(
        portal,
        lambda session: training.create_training_session(
            session, seen.principal, course_id=course_id, **values
        ),
        errors,
    )
    if made is not None:
        return portal.redirect(f"/portal/sessions/{made.id}?saved=new")
    async with portal.again(seen) as fresh:
        return await session_form(request, portal, fresh, form=form, status_code=422, errors=errors)


@router.get("/sessions/{session_id}/edit")
async def edit_session_page(
    request: Request, session_id: str, portal: PortalDep, seen: StaffReading
) -> Response:
    """The form changing a session, filled in with the session as it stands."""
    row = await visible_session(seen, session_id)
    return await session_form(request, portal, seen, form=current_form(row), row=row)


@router.post("/sessions/{session_id}/edit")
async def edit_session(
    request: Request, session_id: str, portal: PortalDep, seen: StaffForm
) -> Response:
    """Change a session, sending the fields that changed (the API's updateTrainingSession)."""
    async with portal.again(seen) as fresh:
        row = await visible_session(fresh, session_id)
    before = current_form(row)
    # A field not posted at all (a script's post, say) is kept as it stands.
    form, t = {**before, **seen.form}, seen.t
    errors: dict[str, str] = {}
    changes = changed_fields(posted_session(form, errors, t), form, before)
    done = await saved(
        portal,
        lambda session: training.update_training_session(
            session, seen.principal, row.id, **changes
        ),
        errors,
    )
    if done is not None:
        return portal.redirect(f"/portal/sessions/{row.id}?saved=edit")
    async with portal.again(seen) as fresh:
        row = await visible_session(fresh, session_id)
        form = {**form, "course": str(row.course_id)}
        return await session_form(
            request, portal, fresh, form=form, row=row, status_code=422, errors=errors
        )


# -- cancelling a session -------------------------------------------------------------------


async def cancel_view(
    request: Request,
    portal: Portal,
    seen: Reading,
    session_id: str,
    *,
    status_code: int = 200,
    reason: str = "",
    errors: dict[str, str] | None = None,
) -> Response:
    """The page asking to confirm cancelling a session: how many people will be told."""
    row = await visible_session(seen, session_id)
    session, principal = seen.session, seen.principal
    seats = (await training.seat_counts(session, [row.id])).get(row.id, training.SeatCounts())
    course = (await training.get_courses(session, principal, [row.course_id])).get(row.course_id)
    language = portal.language_of(request)
    return portal.render(
        request,
        seen.data,
        "desk_session_cancel.html",
        status_code,
        training=row,
        title=course.title if course else "",
        when=format_span(row.starts_at, row.ends_at, row.time_zone, language)["when"],
        booked=seats.taken,
        waiting=seats.waiting,
        cancelled=row.status == TrainingSessionStatus.CANCELLED,
        started=row.starts_at <= utcnow(),
        reason=reason,
        errors=errors or {},
        message=seen.t["fix_errors"] if errors else None,
    )


@router.get("/sessions/{session_id}/cancel")
async def cancel_session_page(
    request: Request, session_id: str, portal: PortalDep, seen: StaffReading
) -> Response:
    """The page asking to confirm cancelling a session, with the reason to give."""
    return await cancel_view(request, portal, seen, session_id)


@router.post("/sessions/{session_id}/cancel")
async def cancel_session(
    request: Request, session_id: str, portal: PortalDep, seen: StaffForm
) -> Response:
    """Cancel a session; everyone booked is told why (the API's cancelTrainingSession)."""
    async with portal.again(seen) as fresh:
        row = await visible_session(fresh, session_id)
    reason = seen.form.get("reason", "")
    errors: dict[str, str] = {}
    try:
        async with portal.write() as session:
            await training.cancel_training_session(
                session, seen.principal, session_id=row.id, reason=reason
            )
        return portal.redirect(f"/portal/sessions/{row.id}?saved=cancelled")
    except DomainError as exc:
        errors = session_errors(exc)
    async with portal.again(seen) as fresh:
        return await cancel_view(
            request, portal, fresh, session_id, status_code=422, reason=reason, errors=errors
        )
