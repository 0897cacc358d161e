"""Home (the partner's cohorts) and a cohort's page: the progress matrix and its form."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal, PrincipalKind
from network.db import utcnow
from network.kit.enums import MeetingStatus, StarStep, StepStatus
from network.kit.errors import DomainError
from network.meetings import repository as meetings
from network.meetings.formatting import format_span
from network.members import service as members
from network.portal.web import STEPS, Portal, PortalSession, parse_uuid
from network.programme import service as programme

# The service's input names (as the API spells them) -> the form's field names.
FIELD_NAMES = {
    "memberId": "member",
    "startedOn": "started_on",
    "completedOn": "completed_on",
    "actionPlan": "action_plan",
}


def add_routes(router: APIRouter, portal: Portal) -> None:
    """/portal/ (home), /portal/cohorts/{id} and its progress form."""

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
            language = portal.language_of(request)
            cards = []
            for row in rows:
                mids = member_ids.get(row.id, [])
                records = progress.get(row.id, [])
                done = sum(1 for r in records if r.status == StepStatus.COMPLETED)
                total = len(mids) * len(STEPS)
                upcoming = await meetings.list_meetings(
                    session,
                    principal,
                    meetings.MeetingQuery(
                        cohort_id=row.id, starts_from=utcnow(), status=MeetingStatus.SCHEDULED
                    ),
                    first=1,
                    after=None,
                )
                meeting = upcoming.rows[0] if upcoming.rows else None
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
            saved = request.query_params.get("saved") == "1"
            message = portal.labels(request)["saved"] if saved else None
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
