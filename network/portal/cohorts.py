"""Home (the partner's cohorts) and a cohort's page: the progress matrix and its form, and
the form scheduling a network meeting. A meeting's own page is in cohort_meetings.py, the
cohort's members in members.py and its CSV files in cohort_exports.py."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import Request
from fastapi.responses import Response

from network.auth.principal import PrincipalKind
from network.db import utcnow
from network.kit.enums import StarStep, StepStatus
from network.kit.errors import DomainError
from network.kit.ids import parse_uuid
from network.meetings import repository as meetings
from network.meetings import service as meetings_service
from network.meetings.formatting import format_span
from network.members import service as members
from network.portal.cohort_meetings import (
    COMMON_TIME_ZONES,
    SAVED,
    default_time_zone,
    field_errors,
    meeting_fields,
    meeting_item,
    meetings_of,
    written,
)
from network.portal.deps import (
    ManagerForm,
    ManagerReading,
    PortalDep,
    UserReading,
    area_router,
    path_id,
)
from network.portal.exits import or_404
from network.portal.members import visible_cohort
from network.portal.scoping import partner_filter
from network.portal.web import STEPS, Portal, Reading
from network.programme import service as programme

# The service's input names (as the API spells them) -> the form's field names.
FIELD_NAMES = {
    "memberId": "member",
    "startedOn": "started_on",
    "completedOn": "completed_on",
    "actionPlan": "action_plan",
}

router = area_router()


@router.get("")
@router.get("/")
async def home(request: Request, portal: PortalDep, seen: UserReading) -> Response:
    """The partner's cohorts (staff: every cohort, by partner), each with its step, progress
    and next meeting; a member contact's home is their own training."""
    session, principal = seen.session, seen.principal
    if principal.kind is PrincipalKind.MEMBER:
        return portal.redirect("/portal/training")
    chosen = await partner_filter(seen, request.query_params.get("partner"))
    query = programme.CohortQuery(partner_id=chosen.partner_id)
    after = request.query_params.get("after")
    try:
        page = await programme.list_cohorts(session, principal, query, first=100, after=after)
    except DomainError:  # a cursor that is not one of ours: start again
        page = await programme.list_cohorts(session, principal, query, first=100, after=None)
    rows = list(page.rows)
    ids = [row.id for row in rows]
    member_ids = await programme.member_ids_of_cohorts(session, principal, ids)
    progress = await programme.progress_of_cohorts(session, principal, ids)
    upcoming = await meetings.next_meetings_of_cohorts(session, principal, ids, utcnow())
    language = portal.language_of(request)
    cards = []
    for row in rows:
        mids = member_ids.get(row.id, [])
        records = progress.get(row.id, [])
        done = sum(1 for r in records if r.status == StepStatus.COMPLETED)
        total = len(mids) * len(STEPS)
        meeting = upcoming.get(row.id)
        cards.append(
            {
                "id": row.id,
                "name": row.name,
                "step": programme.current_step(mids, records),
                "members": len(mids),
                "percent": round(100 * done / total) if total else 0,
                "meeting": meeting,
                "meeting_when": format_span(
                    meeting.starts_at, meeting.ends_at, meeting.time_zone, language
                )["when"]
                if meeting
                else None,
            }
        )
    return portal.render(
        request,
        seen.data,
        "home.html",
        cohorts=cards,
        partner_filter=chosen,
        cursor=page.end_cursor if page.has_next_page else None,
    )


async def cohort_view(
    request: Request,
    portal: Portal,
    seen: Reading,
    cohort_id: uuid.UUID,
    *,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    which: str = "progress",
) -> Response:
    """The cohort's page (NotFound unless the partner's)."""
    session, principal = seen.session, seen.principal
    cohort = or_404(await visible_cohort(session, principal, cohort_id))
    ids = (await programme.member_ids_of_cohorts(session, principal, [cohort_id])).get(
        cohort_id, []
    )
    people = await members.get_members(session, principal, ids)
    records = (await programme.progress_of_cohorts(session, principal, [cohort_id])).get(
        cohort_id, []
    )
    cells = {(r.member_id, StarStep(r.step)): r for r in records}
    rows = [{"id": mid, "name": people[mid].name} for mid in ids if mid in people]
    query = request.query_params
    upcoming, past = await meetings_of(
        session, principal, cohort_id, query.get("after"), query.get("upcoming_after")
    )
    tallies = await meetings.response_counts(
        session, principal, [m.id for m in (*upcoming.rows, *past.rows)]
    )
    language = portal.language_of(request)
    return portal.render(
        request,
        seen.data,
        "cohort.html",
        status_code,
        cohort=cohort,
        rows=rows,
        cells=cells,
        current=programme.current_step(ids, records),
        form=form or {},
        errors=errors or {},
        message=message,
        which=which,
        upcoming=[meeting_item(m, tallies, language) for m in upcoming.rows],
        past=[meeting_item(m, tallies, language) for m in past.rows],
        upcoming_cursor=upcoming.end_cursor if upcoming.has_next_page else None,
        past_cursor=past.end_cursor if past.has_next_page else None,
        time_zones=COMMON_TIME_ZONES,
        default_time_zone=default_time_zone(cohort.network),
    )


async def cohort_again(
    request: Request,
    portal: Portal,
    seen: Reading,
    cohort_id: uuid.UUID,
    errors: dict[str, str],
    which: str,
) -> Response:
    """The cohort's page again, with the posted form `which` and its errors (422)."""
    message = seen.t["fix_errors" if which == "progress" else "cm_fix_errors"]
    async with portal.again(seen) as fresh:
        return await cohort_view(
            request,
            portal,
            fresh,
            cohort_id,
            status_code=422,
            form=seen.form,
            errors=errors,
            message=message,
            which=which,
        )


@router.get("/cohorts/{cohort_id}")
async def cohort_page(
    request: Request, cohort_id: str, portal: PortalDep, seen: ManagerReading
) -> Response:
    """A cohort's page: its members' progress through the star and its meetings."""
    saved = request.query_params.get("saved")
    message = seen.t[SAVED[saved]] if saved in SAVED else None
    chosen = {k: request.query_params.get(k, "") for k in ("member", "step")}
    return await cohort_view(
        request, portal, seen, path_id(cohort_id), form=chosen, message=message
    )


@router.post("/cohorts/{cohort_id}/progress")
async def record_progress(
    request: Request, cohort_id: str, portal: PortalDep, seen: ManagerForm
) -> Response:
    """Record where a member stands on a step (the same service call as the API)."""
    async with portal.db() as session:
        cohort = or_404(await visible_cohort(session, seen.principal, path_id(cohort_id)))
    form, t = seen.form, seen.t
    errors: dict[str, str] = {}
    member_id = parse_uuid(form.get("member"))
    if member_id is None:
        errors["member"] = t["choose"]
    step = _step(form.get("step", ""))
    if step is None:
        errors["step"] = t["choose"]
    status = _status(form.get("status", ""))
    if status is None:
        errors["status"] = t["choose"]
    dates: dict[str, date | None] = {}
    for name in ("started_on", "completed_on"):
        text = form.get(name, "").strip()
        try:
            dates[name] = date.fromisoformat(text) if text else None
        except ValueError:
            errors[name] = t["bad_date"]
    if not errors and step is not None and status is not None:
        try:
            async with portal.write() as session:
                await programme.record_step_progress(
                    session,
                    seen.principal,
                    cohort_id=cohort.id,
                    member_id=member_id,
                    step=step,
                    status=status,
                    notes=form.get("notes", "").strip() or None,
                    action_plan=form.get("action_plan", "").strip() or None,
                    started_on=dates.get("started_on"),
                    completed_on=dates.get("completed_on"),
                )
            return portal.redirect(f"/portal/cohorts/{cohort.id}?saved=1")
        except DomainError as exc:
            errors.update(field_errors(exc, t, FIELD_NAMES))
    return await cohort_again(request, portal, seen, cohort.id, errors, "progress")


@router.post("/cohorts/{cohort_id}/meetings")
async def schedule(
    request: Request, cohort_id: str, portal: PortalDep, seen: ManagerForm
) -> Response:
    """Schedule a network meeting of the cohort (the same service call as the API's
    scheduleNetworkMeeting); the meeting's own page is in cohort_meetings.py."""
    async with portal.db() as session:
        cohort = or_404(await visible_cohort(session, seen.principal, path_id(cohort_id)))
    form, t = seen.form, seen.t
    errors: dict[str, str] = {}
    step = _step(form.get("after_step", ""))
    if step is None:
        errors["after_step"] = t["cm_choose"]
    fields = meeting_fields(form, errors, t)
    meeting = await written(
        portal,
        lambda session: meetings_service.schedule_meeting(
            session, seen.principal, cohort_id=cohort.id, after_step=step, **fields
        ),
        errors,
        t,
    )
    if meeting is None:
        return await cohort_again(request, portal, seen, cohort.id, errors, "schedule")
    return portal.redirect(f"/portal/cohorts/{cohort.id}/meetings/{meeting.id}?saved=1")


def _step(value: str) -> StarStep | None:
    try:
        return StarStep(value.strip())
    except ValueError:
        return None


def _status(value: str) -> StepStatus | None:
    try:
        return StepStatus(value.strip())
    except ValueError:
        return None
