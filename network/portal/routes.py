"""The partner portal's pages under /portal: sign in, the partner's cohorts, a cohort's matrix.

A face only: every page calls the same service functions as the GraphQL API, with the
signed-in user's Principal, so it sees exactly what the API would let that user see.
"""

from __future__ import annotations

import base64
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth import service as auth
from network.auth.principal import ANONYMOUS, Principal, PrincipalKind
from network.certificates import service as certificates
from network.config import Settings
from network.db import unit_of_work, utcnow
from network.kit.enums import MeetingStatus, StarStep, StepStatus
from network.kit.errors import DomainError
from network.kit.signing import sign, unsign
from network.meetings import repository as meetings
from network.meetings.formatting import STEP_NAMES, format_span
from network.members import service as members
from network.portal.i18n import LANGUAGE_NAMES, LANGUAGES, labels, language_or_default
from network.programme import service as programme
from network.training import bookings, catalogue
from network.training import sessions as training_sessions

logger = logging.getLogger("network.portal")

SessionFactory = Callable[[], async_sessionmaker[AsyncSession]]
RedisGetter = Callable[[], Redis]

HERE = Path(__file__).parent
SESSION_COOKIE = "portal_session"
LANGUAGE_COOKIE = "portal_lang"
PURPOSE = "portal-session"
MAX_FAILURES = 5
LOCK_SECONDS = 60
SESSION_SECONDS = 12 * 3600  # a sign-in lasts a working day
STEPS = list(StarStep)
STATUSES = list(StepStatus)
# Partners run their cohorts; member contacts see their own training.
SIGN_IN_KINDS = (PrincipalKind.PARTNER, PrincipalKind.MEMBER)

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(slots=True)
class PortalSession:
    """What the signed session cookie carries: the user (if signed in) and the CSRF token."""

    csrf: str
    user_id: str | None = None
    email: str | None = None
    issued: int = 0  # when the cookie was made, in Unix seconds; older than SESSION_SECONDS expires
    changed: bool = False


def _encode(data: PortalSession) -> str:
    raw = orjson.dumps({"c": data.csrf, "u": data.user_id, "e": data.email, "t": data.issued})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(value: str) -> PortalSession | None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        data = orjson.loads(raw)
        return PortalSession(
            csrf=str(data["c"]), user_id=data.get("u"), email=data.get("e"), issued=int(data["t"])
        )
    except (ValueError, KeyError, TypeError):
        return None


def portal_router(settings: Settings, sessions: SessionFactory, redis: RedisGetter) -> APIRouter:
    """The portal's routes; `sessions` and `redis` are read when a request comes."""
    router = APIRouter(prefix="/portal", include_in_schema=False)
    secure = settings.base_url.startswith("https://")

    def read_session(request: Request) -> PortalSession:
        token = request.cookies.get(SESSION_COOKIE)
        value = unsign(settings.secret_key, PURPOSE, token) if token else None
        found = _decode(value) if value else None
        if found is not None and 0 <= time.time() - found.issued <= SESSION_SECONDS:
            return found
        return PortalSession(csrf=secrets.token_urlsafe(24), issued=int(time.time()), changed=True)

    def save_session(response: Response, data: PortalSession) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            sign(settings.secret_key, PURPOSE, _encode(data)),
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/portal",
            max_age=SESSION_SECONDS,
        )

    def language_of(request: Request) -> str:
        return language_or_default(
            request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
        )

    def render(
        request: Request,
        data: PortalSession,
        template: str,
        status_code: int = 200,
        **values: Any,
    ) -> HTMLResponse:
        language = language_of(request)
        body = templates.get_template(template).render(
            t=labels(language),
            en=labels("en"),
            lang=language,
            languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            path=request.url.path,
            csrf=data.csrf,
            signed_in=data.user_id is not None,
            email=data.email,
            step_names=STEP_NAMES,
            steps=STEPS,
            statuses=STATUSES,
            **values,
        )
        response = HTMLResponse(
            body, status_code=status_code, headers={"Cache-Control": "no-store"}
        )
        if data.changed:
            save_session(response, data)
        chosen = request.query_params.get("lang")
        if chosen in LANGUAGES and chosen != request.cookies.get(LANGUAGE_COOKIE):
            response.set_cookie(
                LANGUAGE_COOKIE,
                chosen,
                httponly=True,
                samesite="lax",
                path="/portal",
                max_age=365 * 24 * 3600,
            )
        return response

    def not_found(request: Request, data: PortalSession) -> HTMLResponse:
        return render(request, data, "not_found.html", 404)

    def forbidden(request: Request, data: PortalSession) -> HTMLResponse:
        return render(request, data, "forbidden.html", 403)

    async def csrf_ok(request: Request, data: PortalSession) -> tuple[bool, dict[str, str]]:
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        sent = fields.pop("csrf", "")
        ok = bool(sent) and secrets.compare_digest(sent.encode(), data.csrf.encode())
        return ok, fields

    async def principal_of(session: AsyncSession, data: PortalSession) -> Principal:
        if data.user_id is None or data.email is None:
            return ANONYMOUS
        user = await auth.find_user(session, data.email)
        if user is None or not user.is_active or str(user.id) != data.user_id:
            return ANONYMOUS
        principal = auth.principal_for(user)
        return principal if principal.kind in SIGN_IN_KINDS else ANONYMOUS

    def to_login() -> RedirectResponse:
        return RedirectResponse("/portal/login", status_code=303)

    @router.get("/static/portal.css")
    async def stylesheet() -> Response:
        return Response(
            (HERE / "static" / "portal.css").read_bytes(),
            media_type="text/css",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    @router.get("/login")
    async def login_page(request: Request) -> Response:
        data = read_session(request)
        return render(request, data, "login.html", form={}, errors={}, message=None)

    @router.post("/login")
    async def login(request: Request) -> Response:
        data = read_session(request)
        ok, form = await csrf_ok(request, data)
        if not ok:
            return forbidden(request, data)
        t = labels(language_of(request))
        email = form.get("email", "").strip().lower()
        password = form.get("password", "")
        errors: dict[str, str] = {}
        if not email:
            errors["email"] = t["required"]
        if not password:
            errors["password"] = t["required"]
        if errors:
            return render(request, data, "login.html", 422, form=form, errors=errors, message=None)
        key = f"portal:failures:{email}"
        store = redis()
        failures = int(await store.get(key) or 0)
        if failures >= MAX_FAILURES:
            return render(
                request, data, "login.html", 429, form=form, errors={}, message=t["locked"]
            )
        async with sessions()() as session:
            user = await auth.find_user(session, email)
            valid = user is not None and user.is_active and auth.verify_password(user, password)
        if not valid or user is None:
            await store.incr(key)
            await store.expire(key, LOCK_SECONDS)
            return render(
                request, data, "login.html", 401, form=form, errors={}, message=t["bad_credentials"]
            )
        await store.delete(key)
        kind = auth.principal_for(user).kind
        if kind not in SIGN_IN_KINDS:
            return render(
                request, data, "login.html", 403, form=form, errors={}, message=t["partners_only"]
            )
        # A fresh CSRF token on sign-in, so a token seen before it is worthless after.
        signed = PortalSession(
            csrf=secrets.token_urlsafe(24),
            user_id=str(user.id),
            email=email,
            issued=int(time.time()),
        )
        landing = "/portal/" if kind is PrincipalKind.PARTNER else "/portal/training"
        response = RedirectResponse(landing, status_code=303)
        save_session(response, signed)
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        data = read_session(request)
        ok, _ = await csrf_ok(request, data)
        if not ok:
            return forbidden(request, data)
        response = RedirectResponse("/portal/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/portal")
        return response

    @router.get("")
    @router.get("/")
    async def home(request: Request) -> Response:
        data = read_session(request)
        async with sessions()() as session:
            principal = await principal_of(session, data)
            if not principal.is_authenticated:
                return to_login()
            if principal.kind is not PrincipalKind.PARTNER:
                return RedirectResponse("/portal/training", status_code=303)
            page = await programme.list_cohorts(
                session, principal, programme.CohortQuery(), first=100, after=None
            )
            rows = list(page.rows)
            ids = [row.id for row in rows]
            member_ids = await programme.member_ids_of_cohorts(session, principal, ids)
            progress = await programme.progress_of_cohorts(session, principal, ids)
            language = language_of(request)
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
        return render(request, data, "home.html", cohorts=cards)

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
            return not_found(request, data)
        ids = (await programme.member_ids_of_cohorts(session, principal, [cohort_id])).get(
            cohort_id, []
        )
        people = await members.get_members(session, principal, ids)
        records = (await programme.progress_of_cohorts(session, principal, [cohort_id])).get(
            cohort_id, []
        )
        cells = {(r.member_id, StarStep(r.step)): r for r in records}
        rows = [{"id": mid, "name": people[mid].name} for mid in ids if mid in people]
        return render(
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
        data = read_session(request)
        async with sessions()() as session:
            principal = await principal_of(session, data)
            if not principal.is_authenticated:
                return to_login()
            if principal.kind is not PrincipalKind.PARTNER:
                return not_found(request, data)
            try:
                parsed = uuid.UUID(cohort_id)
            except ValueError:
                return not_found(request, data)
            saved = request.query_params.get("saved") == "1"
            message = labels(language_of(request))["saved"] if saved else None
            chosen = {k: request.query_params.get(k, "") for k in ("member", "step")}
            return await cohort_view(
                request, data, session, principal, parsed, form=chosen, message=message
            )

    @router.post("/cohorts/{cohort_id}/progress")
    async def record_progress(request: Request, cohort_id: str) -> Response:
        data = read_session(request)
        ok, form = await csrf_ok(request, data)
        if not ok:
            return forbidden(request, data)
        t = labels(language_of(request))
        try:
            parsed = uuid.UUID(cohort_id)
        except ValueError:
            return not_found(request, data)
        errors: dict[str, str] = {}
        member_id = _uuid(form.get("member", ""))
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
        async with sessions()() as session:
            principal = await principal_of(session, data)
            if not principal.is_authenticated:
                return to_login()
            visible = await programme.get_cohorts(session, principal, [parsed])
            if principal.kind is not PrincipalKind.PARTNER or parsed not in visible:
                return not_found(request, data)
        if not errors and step is not None and status is not None:
            try:
                async with unit_of_work(sessions()) as session:
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
                return RedirectResponse(f"/portal/cohorts/{parsed}?saved=1", status_code=303)
            except DomainError as exc:
                for error in exc.errors:
                    errors[FIELD_NAMES.get(error.field, error.field)] = error.message
        async with sessions()() as session:
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

    @router.get("/training")
    async def my_training(request: Request) -> Response:
        data = read_session(request)
        async with sessions()() as session:
            principal = await principal_of(session, data)
            if principal.kind is not PrincipalKind.MEMBER or principal.contact_id is None:
                return to_login() if not principal.is_authenticated else not_found(request, data)
            contact_id = principal.contact_id
            booked = await bookings.list_bookings(
                session,
                principal,
                bookings.BookingQuery(contact_id=contact_id),
                first=50,
                after=None,
            )
            runs = await training_sessions.get_sessions(
                session, principal, list({row.session_id for row in booked.rows})
            )
            courses = await catalogue.get_courses(
                session, principal, list({row.course_id for row in runs.values()})
            )
            language = language_of(request)
            items = []
            for row in booked.rows:
                run = runs.get(row.session_id)
                if run is None:
                    continue
                course = courses.get(run.course_id)
                items.append(
                    {
                        "title": course.title if course else "",
                        "when": format_span(run.starts_at, run.ends_at, run.time_zone, language)[
                            "when"
                        ],
                        "status": row.status,
                        "position": row.waitlist_position,
                    }
                )
            issued = await certificates.list_certificates(
                session,
                principal,
                certificates.CertificateQuery(contact_id=contact_id),
                first=50,
                after=None,
            )
            year = utcnow().year
            hours = dict(await certificates.cpd_hours_by_year(session, principal, contact_id))
        return render(
            request,
            data,
            "training.html",
            bookings=items,
            certificates=issued.rows,
            cpd_hours=hours.get(year, 0),
            year=year,
        )

    return router


# The service's input names (as the API spells them) -> the form's field names.
FIELD_NAMES = {
    "memberId": "member",
    "startedOn": "started_on",
    "completedOn": "completed_on",
    "actionPlan": "action_plan",
}


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


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
