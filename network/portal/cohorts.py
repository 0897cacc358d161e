"""Home (the partner's cohorts) and a cohort's page: the progress matrix and its form, the
cohort's network meetings (schedule, reschedule, cancel) and a meeting's invitations."""

from __future__ import annotations

import uuid
from datetime import date
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal, PrincipalKind
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
    field_errors,
    local_times,
    meeting_item,
    meetings_of,
)
from network.portal.web import PAGE_SIZE, STEPS, Portal, PortalSession, parse_uuid
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
        data: PortalSession,
        session: AsyncSession,
        principal: Principal,
        cohort_id: uuid.UUID,
        *,
        status_code: int = 200,
        form: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        message: str | None = None,
        which: str = "progress",
    ) -> Response:
        found = await programme.get_cohorts(session, principal, [cohort_id])
        cohort = found.get(cohort_id)
        if cohort is None:
            return portal.not_found(request, data)
        ids = (await programme.member_ids_of_cohorts(session, principal, [cohort_id])).get(
            cohort_id, []
        )
        people = await members.get_members(session, principal, ids)
        records = (await programme.progress_of_cohorts(session, principal, [cohort_id])).get(
            cohort_id, []
        )
        cells = {(r.member_id, StarStep(r.step)): r for r in records}
        rows = [{"id": mid, "name": people[mid].name} for mid in ids if mid in people]
        upcoming, past = await meetings_of(
            session, principal, cohort_id, request.query_params.get("after")
        )
        tallies = await meetings.response_counts(
            session, principal, [m.id for m in (*upcoming.rows, *past.rows)]
        )
        language = portal.language_of(request)
        return portal.render(
            request,
            data,
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
            past_cursor=past.end_cursor if past.has_next_page else None,
            time_zones=COMMON_TIME_ZONES,
        )

    @router.get("/cohorts/{cohort_id}")
    async def cohort_page(request: Request, cohort_id: str) -> Response:
        data = portal.read_session(request)
        async with portal.db() as session:
            principal = await portal.guard(request, session, data)
            if isinstance(principal, Response):
                return principal
            parsed = parse_uuid(cohort_id)
            if parsed is None:
                return portal.not_found(request, data)
            t = portal.labels(request)
            saved = request.query_params.get("saved")
            message = t[SAVED[saved]] if saved in SAVED else None
            chosen = {k: request.query_params.get(k, "") for k in ("member", "step")}
            return await cohort_view(
                request, data, session, principal, parsed, form=chosen, message=message
            )

    @router.post("/cohorts/{cohort_id}/progress")
    async def record_progress(request: Request, cohort_id: str) -> Response:
        data = portal.read_session(request)
        ok, form = await portal.csrf_ok(request, data)
        if not ok:
            return portal.forbidden(request, data)
        t = portal.labels(request)
        parsed = parse_uuid(cohort_id)
        if parsed is None:
            return portal.not_found(request, data)
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
        notes = form.get("notes", "").strip() or None
        plan = form.get("action_plan", "").strip() or None
        async with portal.db() as session:
            principal = await portal.guard(request, session, data)
            if isinstance(principal, Response):
                return principal
            if parsed not in await programme.get_cohorts(session, principal, [parsed]):
                return portal.not_found(request, data)
        if not errors and step is not None and status is not None:
            try:
                async with portal.write() as session:
                    await programme.record_step_progress(
                        session,
                        principal,
                        cohort_id=parsed,
                        member_id=member_id,
                        step=step,
                        status=status,
                        notes=notes,
                        action_plan=plan,
                        started_on=dates.get("started_on"),
                        completed_on=dates.get("completed_on"),
                    )
                return portal.redirect(f"/portal/cohorts/{parsed}?saved=1")
            except DomainError as exc:
                errors.update(portal.field_errors(exc, FIELD_NAMES))
        async with portal.db() as session:
            return await cohort_view(
                request,
                data,
                session,
                principal,
                parsed,
                status_code=422,
                form=form,
                errors=errors,
                message=t["fix_errors"],
            )

    # -- network meetings ----------------------------------------------------------------------

    async def meeting_view(
        request: Request,
        data: PortalSession,
        session: AsyncSession,
        principal: Principal,
        cohort_id: uuid.UUID,
        meeting_id: uuid.UUID,
        *,
        status_code: int = 200,
        form: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        message: str | None = None,
        which: str = "",
    ) -> Response:
        cohort = (await programme.get_cohorts(session, principal, [cohort_id])).get(cohort_id)
        meeting = (await meetings.get_meetings(session, principal, [meeting_id])).get(meeting_id)
        if cohort is None or meeting is None or meeting.cohort_id != cohort_id:
            return portal.not_found(request, data)
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
            data,
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
        )

    async def visible_ids(
        request: Request,
        data: PortalSession,
        session: AsyncSession,
        cohort_id: str,
        meeting_id: str | None = None,
    ) -> tuple[Principal, uuid.UUID, uuid.UUID | None] | Response:
        """The partner, the cohort id and the meeting id, each visible; else the answer."""
        principal = await portal.guard(request, session, data)
        if isinstance(principal, Response):
            return principal
        cohort = parse_uuid(cohort_id)
        meeting = parse_uuid(meeting_id) if meeting_id is not None else None
        if cohort is None or (meeting_id is not None and meeting is None):
            return portal.not_found(request, data)
        if cohort not in await programme.get_cohorts(session, principal, [cohort]):
            return portal.not_found(request, data)
        if meeting is not None:
            found = (await meetings.get_meetings(session, principal, [meeting])).get(meeting)
            if found is None or found.cohort_id != cohort:
                return portal.not_found(request, data)
        return principal, cohort, meeting

    @router.post("/cohorts/{cohort_id}/meetings")
    async def schedule(request: Request, cohort_id: str) -> Response:
        data = portal.read_session(request)
        ok, form = await portal.csrf_ok(request, data)
        if not ok:
            return portal.forbidden(request, data)
        t = portal.labels(request)
        async with portal.db() as session:
            checked = await visible_ids(request, data, session, cohort_id)
        if isinstance(checked, Response):
            return checked
        principal, cohort, _ = checked
        errors: dict[str, str] = {}
        step = _step(form.get("after_step", ""))
        if step is None:
            errors["after_step"] = t["cm_choose"]
        starts_at, ends_at = local_times(form, errors, t)
        # The service checks the other fields even when the form already has errors (so all
        # are shown at once); with such errors nothing it did is kept.
        try:
            async with portal.write() as session:
                meeting = await meetings_service.schedule_meeting(
                    session,
                    principal,
                    cohort_id=cohort,
                    after_step=step,
                    title=form.get("title"),
                    starts_at=starts_at,
                    ends_at=ends_at,
                    time_zone=form.get("time_zone"),
                    venue=form.get("venue"),
                    online_url=form.get("online_url"),
                    agenda=form.get("agenda"),
                )
                if errors:
                    raise FormInvalid
            return portal.redirect(f"/portal/cohorts/{cohort}/meetings/{meeting.id}?saved=1")
        except DomainError as exc:
            for name, text in field_errors(exc, t).items():
                errors.setdefault(name, text)
        except FormInvalid:
            pass
        async with portal.db() as session:
            return await cohort_view(
                request,
                data,
                session,
                principal,
                cohort,
                status_code=422,
                form=form,
                errors=errors,
                message=t["cm_fix_errors"],
                which="schedule",
            )

    @router.get("/cohorts/{cohort_id}/meetings/{meeting_id}")
    async def meeting_page(request: Request, cohort_id: str, meeting_id: str) -> Response:
        data = portal.read_session(request)
        async with portal.db() as session:
            checked = await visible_ids(request, data, session, cohort_id, meeting_id)
            if isinstance(checked, Response):
                return checked
            principal, cohort, meeting = checked
            assert meeting is not None
            t = portal.labels(request)
            saved = request.query_params.get("saved")
            message = t[MEETING_SAVED[saved]] if saved in MEETING_SAVED else None
            return await meeting_view(
                request, data, session, principal, cohort, meeting, message=message
            )

    @router.post("/cohorts/{cohort_id}/meetings/{meeting_id}/reschedule")
    async def reschedule(request: Request, cohort_id: str, meeting_id: str) -> Response:
        data = portal.read_session(request)
        ok, form = await portal.csrf_ok(request, data)
        if not ok:
            return portal.forbidden(request, data)
        t = portal.labels(request)
        async with portal.db() as session:
            checked = await visible_ids(request, data, session, cohort_id, meeting_id)
        if isinstance(checked, Response):
            return checked
        principal, cohort, meeting = checked
        assert meeting is not None
        errors: dict[str, str] = {}
        starts_at, ends_at = local_times(form, errors, t)
        try:
            async with portal.write() as session:
                await meetings_service.reschedule_meeting(
                    session,
                    principal,
                    meeting,
                    title=form.get("title"),
                    starts_at=starts_at,
                    ends_at=ends_at,
                    time_zone=form.get("time_zone"),
                    venue=form.get("venue"),
                    online_url=form.get("online_url"),
                    agenda=form.get("agenda"),
                )
                if errors:
                    raise FormInvalid
            return portal.redirect(f"/portal/cohorts/{cohort}/meetings/{meeting}?saved=1")
        except DomainError as exc:
            for name, text in field_errors(exc, t).items():
                errors.setdefault(name, text)
        except FormInvalid:
            pass
        async with portal.db() as session:
            return await meeting_view(
                request,
                data,
                session,
                principal,
                cohort,
                meeting,
                status_code=422,
                form=form,
                errors=errors,
                message=t["cm_fix_errors"],
                which="reschedule",
            )

    @router.post("/cohorts/{cohort_id}/meetings/{meeting_id}/cancel")
    async def cancel(request: Request, cohort_id: str, meeting_id: str) -> Response:
        data = portal.read_session(request)
        ok, form = await portal.csrf_ok(request, data)
        if not ok:
            return portal.forbidden(request, data)
        t = portal.labels(request)
        async with portal.db() as session:
            checked = await visible_ids(request, data, session, cohort_id, meeting_id)
        if isinstance(checked, Response):
            return checked
        principal, cohort, meeting = checked
        assert meeting is not None
        errors: dict[str, str] = {}
        if form.get("confirm") != "yes":
            errors["confirm"] = t["cm_confirm_needed"]
        if not errors:
            try:
                async with portal.write() as session:
                    await meetings_service.cancel_meeting(
                        session, principal, meeting, reason=form.get("reason")
                    )
                return portal.redirect(f"/portal/cohorts/{cohort}/meetings/{meeting}?saved=2")
            except DomainError as exc:
                errors.update(field_errors(exc, t))
        async with portal.db() as session:
            return await meeting_view(
                request,
                data,
                session,
                principal,
                cohort,
                meeting,
                status_code=422,
                form=form,
                errors=errors,
                message=t["cm_fix_errors"],
                which="cancel",
            )

    @router.post("/cohorts/{cohort_id}/meetings/{meeting_id}/rsvp")
    async def record_answer(request: Request, cohort_id: str, meeting_id: str) -> Response:
        data = portal.read_session(request)
        ok, form = await portal.csrf_ok(request, data)
        if not ok:
            return portal.forbidden(request, data)
        t = portal.labels(request)
        async with portal.db() as session:
            checked = await visible_ids(request, data, session, cohort_id, meeting_id)
        if isinstance(checked, Response):
            return checked
        principal, cohort, meeting = checked
        assert meeting is not None
        errors: dict[str, str] = {}
        contact_id = parse_uuid(form.get("contact"))
        response = _response(form.get("response", ""))
        if response is None:
            errors["rsvp"] = t["cm_choose"]
        if response is not None:
            try:
                async with portal.write() as session:
                    await meetings_service.rsvp(
                        session,
                        principal,
                        meeting_id=meeting,
                        contact_id=contact_id,
                        response=response,
                    )
                return portal.redirect(f"/portal/cohorts/{cohort}/meetings/{meeting}?saved=3")
            except DomainError as exc:
                errors["rsvp"] = next(iter(field_errors(exc, t).values()))
        async with portal.db() as session:
            return await meeting_view(
                request,
                data,
                session,
                principal,
                cohort,
                meeting,
                status_code=422,
                errors=errors,
                message=t["cm_fix_errors"],
                which="rsvp",
            )


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
