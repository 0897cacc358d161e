"""Home (the partner's cohorts) and a cohort's page: the progress matrix and its form, the
cohort's network meetings (schedule, reschedule, cancel) and a meeting's invitations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import PrincipalKind
from network.contacts import service as contacts
from network.db import utcnow
from network.kit.enums import MeetingStatus, RsvpResponse, StarStep, StepStatus
from network.kit.errors import DomainError
from network.meetings import repository as meetings
from network.meetings import service as meetings_service
from network.meetings.formatting import format_span
from network.members import service as members
from network.portal.cohort_meetings import (
    COMMON_TIME_ZONES,
    MEETING_SAVED,
    SAVED,
    FormInvalid,
    default_time_zone,
    field_errors,
    meeting_fields,
    meeting_item,
    meetings_of,
)
from network.portal.web import PAGE_SIZE, STEPS, Portal, Reading, parse_uuid
from network.programme import service as programme

# The service's input names (as the API spells them) -> the form's field names.
FIELD_NAMES = {
    "memberId": "member",
    "startedOn": "started_on",
    "completedOn": "completed_on",
    "actionPlan": "action_plan",
}


def add_routes(router: APIRouter, portal: Portal) -> None:
    """/portal/ (home), /portal/cohorts/{id} with its progress and schedule forms, and
    /portal/cohorts/{id}/meetings/{id} with its answer, reschedule and cancel forms."""

    @router.get("")
    @router.get("/")
    async def home(request: Request) -> Response:
        data = portal.read_session(request)
        async with portal.db() as session:
            principal = await portal.principal_of(session, data)
            if not principal.is_authenticated:
                return portal.to_login()
            if principal.kind is not PrincipalKind.PARTNER:
                return portal.redirect("/portal/training")
            page = await programme.list_cohorts(
                session, principal, programme.CohortQuery(), first=100, after=None
            )
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
        return portal.render(request, data, "home.html", cohorts=cards)

    async def cohort_view(
        request: Request,
        seen: Reading,
        *,
        status_code: int = 200,
        form: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        message: str | None = None,
        which: str = "progress",
    ) -> Response:
        """The cohort page of the path's cohort (404 unless the partner's)."""
        session, principal, (cohort_id, *_) = seen.session, seen.principal, seen.ids
        found = await programme.get_cohorts(session, principal, [cohort_id])
        cohort = found.get(cohort_id)
        if cohort is None:
            return portal.not_found(request, seen.data)
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

    async def again(
        view: Callable[..., Awaitable[Response]],
        request: Request,
        seen: Reading,
        form: dict[str, str] | None,
        errors: dict[str, str],
        which: str,
    ) -> Response:
        """The cohort's or the meeting's page (`view`) again, with the posted form `which` and
        its errors (422)."""
        message = seen.t["fix_errors" if which == "progress" else "cm_fix_errors"]
        async with portal.again(seen) as fresh:
            return await view(
                request,
                fresh,
                status_code=422,
                form=form,
                errors=errors,
                message=message,
                which=which,
            )

    @router.get("/cohorts/{cohort_id}")
    async def cohort_page(request: Request, cohort_id: str) -> Response:
        async with portal.reading(request, cohort_id) as seen:
            if isinstance(seen, Response):
                return seen
            saved = request.query_params.get("saved")
            message = seen.t[SAVED[saved]] if saved in SAVED else None
            chosen = {k: request.query_params.get(k, "") for k in ("member", "step")}
            return await cohort_view(request, seen, form=chosen, message=message)

    async def visible(seen: Reading) -> Any | None:
        """The path's cohort if it is the partner's, and the meeting after it (if one is
        named) is of that cohort; else None."""
        session, principal, (cohort_id, *meeting_ids) = seen.session, seen.principal, seen.ids
        cohort = (await programme.get_cohorts(session, principal, [cohort_id])).get(cohort_id)
        if cohort is None or not meeting_ids:
            return cohort
        found = await meetings.get_meetings(session, principal, meeting_ids)
        return (
            cohort
            if all(m in found and found[m].cohort_id == cohort_id for m in meeting_ids)
            else None
        )

    @router.post("/cohorts/{cohort_id}/progress")
    async def record_progress(request: Request, cohort_id: str) -> Response:
        checked = await portal.posted_to(request, cohort_id, find=visible)
        if isinstance(checked, Response):
            return checked
        form, seen, _ = checked
        t = seen.t
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
                        cohort_id=seen.ids[0],
                        member_id=member_id,
                        step=step,
                        status=status,
                        notes=form.get("notes", "").strip() or None,
                        action_plan=form.get("action_plan", "").strip() or None,
                        started_on=dates.get("started_on"),
                        completed_on=dates.get("completed_on"),
                    )
                return portal.redirect(f"/portal/cohorts/{seen.ids[0]}?saved=1")
            except DomainError as exc:
                errors.update(field_errors(exc, t, FIELD_NAMES))
        return await again(cohort_view, request, seen, form, errors, "progress")

    # -- network meetings ----------------------------------------------------------------------

    async def meeting_view(
        request: Request,
        seen: Reading,
        *,
        status_code: int = 200,
        form: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        message: str | None = None,
        which: str = "",
    ) -> Response:
        """A meeting's page: the path's cohort and meeting (404 unless the partner's)."""
        session, principal, (cohort_id, meeting_id) = seen.session, seen.principal, seen.ids
        cohort = (await programme.get_cohorts(session, principal, [cohort_id])).get(cohort_id)
        meeting = (await meetings.get_meetings(session, principal, [meeting_id])).get(meeting_id)
        if cohort is None or meeting is None or meeting.cohort_id != cohort_id:
            return portal.not_found(request, seen.data)
        try:
            page = await meetings.list_invitations(
                session,
                principal,
                meeting_id,
                first=PAGE_SIZE,
                after=request.query_params.get("after"),
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
        tallies = await meetings.response_counts(session, principal, [meeting_id])
        language = portal.language_of(request)
        item = meeting_item(meeting, tallies, language)
        zone = ZoneInfo(meeting.time_zone)
        start = meeting.starts_at.astimezone(zone)
        end = meeting.ends_at.astimezone(zone)
        current = {
            "title": meeting.title,
            "date": start.date().isoformat(),
            "start_time": f"{start:%H:%M}",
            "end_time": f"{end:%H:%M}",
            "time_zone": meeting.time_zone,
            "venue": meeting.venue or "",
            "online_url": meeting.online_url or "",
            "agenda": meeting.agenda or "",
        }
        changeable = meeting.status == MeetingStatus.SCHEDULED and meeting.starts_at > utcnow()
        return portal.render(
            request,
            seen.data,
            "cohorts_meeting.html",
            status_code,
            cohort=cohort,
            meeting=meeting,
            item=item,
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

    async def written(
        write: Callable[[AsyncSession], Awaitable[Any]], errors: dict[str, str], t: dict[str, str]
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

    @router.post("/cohorts/{cohort_id}/meetings")
    async def schedule(request: Request, cohort_id: str) -> Response:
        checked = await portal.posted_to(request, cohort_id, find=visible)
        if isinstance(checked, Response):
            return checked
        form, seen, _ = checked
        t = seen.t
        errors: dict[str, str] = {}
        step = _step(form.get("after_step", ""))
        if step is None:
            errors["after_step"] = t["cm_choose"]
        fields = meeting_fields(form, errors, t)
        meeting = await written(
            lambda session: meetings_service.schedule_meeting(
                session, seen.principal, cohort_id=seen.ids[0], after_step=step, **fields
            ),
            errors,
            t,
        )
        if meeting is None:
            return await again(cohort_view, request, seen, form, errors, "schedule")
        return portal.redirect(f"/portal/cohorts/{seen.ids[0]}/meetings/{meeting.id}?saved=1")

    @router.get("/cohorts/{cohort_id}/meetings/{meeting_id}")
    async def meeting_page(request: Request, cohort_id: str, meeting_id: str) -> Response:
        async with portal.reading(request, cohort_id, meeting_id) as seen:
            if isinstance(seen, Response):
                return seen
            saved = request.query_params.get("saved")
            message = seen.t[MEETING_SAVED[saved]] if saved in MEETING_SAVED else None
            return await meeting_view(request, seen, message=message)

    @router.post("/cohorts/{cohort_id}/meetings/{meeting_id}/reschedule")
    async def reschedule(request: Request, cohort_id: str, meeting_id: str) -> Response:
        checked = await portal.posted_to(request, cohort_id, meeting_id, find=visible)
        if isinstance(checked, Response):
            return checked
        form, seen, _ = checked
        t = seen.t
        cohort, meeting = seen.ids
        errors: dict[str, str] = {}
        fields = meeting_fields(form, errors, t)
        done = await written(
            lambda session: meetings_service.reschedule_meeting(
                session, seen.principal, meeting, **fields
            ),
            errors,
            t,
        )
        if done is None:
            return await again(meeting_view, request, seen, form, errors, "reschedule")
        return portal.redirect(f"/portal/cohorts/{cohort}/meetings/{meeting}?saved=1")

    @router.post("/cohorts/{cohort_id}/meetings/{meeting_id}/cancel")
    async def cancel(request: Request, cohort_id: str, meeting_id: str) -> Response:
        checked = await portal.posted_to(request, cohort_id, meeting_id, find=visible)
        if isinstance(checked, Response):
            return checked
        form, seen, _ = checked
        t = seen.t
        cohort, meeting = seen.ids
        errors: dict[str, str] = {}
        if form.get("confirm") != "yes":
            errors["confirm"] = t["cm_confirm_needed"]
        if not errors:
            try:
                async with portal.write() as session:
                    await meetings_service.cancel_meeting(
                        session, seen.principal, meeting, reason=form.get("reason")
                    )
                return portal.redirect(f"/portal/cohorts/{cohort}/meetings/{meeting}?saved=2")
            except DomainError as exc:
                errors.update(field_errors(exc, t))
        return await again(meeting_view, request, seen, form, errors, "cancel")

    @router.post("/cohorts/{cohort_id}/meetings/{meeting_id}/rsvp")
    async def record_answer(request: Request, cohort_id: str, meeting_id: str) -> Response:
        checked = await portal.posted_to(request, cohort_id, meeting_id, find=visible)
        if isinstance(checked, Response):
            return checked
        form, seen, _ = checked
        t = seen.t
        cohort, meeting = seen.ids
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
                        meeting_id=meeting,
                        contact_id=parse_uuid(form.get("contact")),
                        response=response,
                    )
                return portal.redirect(f"/portal/cohorts/{cohort}/meetings/{meeting}?saved=3")
            except DomainError as exc:
                errors["rsvp"] = next(iter(field_errors(exc, t).values()))
        return await again(meeting_view, request, seen, None, errors, "rsvp")


def _step(value: str) -> StarStep | None:
    try:
        return StarStep(value.strip())
    except ValueError:
        return None


def _response(value: str) -> RsvpResponse | None:
    try:
        return RsvpResponse(value.strip())
    except ValueError:
        return None


def _status(value: str) -> StepStatus | None:
    try:
        return StepStatus(value.strip())
    except ValueError:
        return None
