"""What every portal page shares: the signed session cookie, CSRF, the signed-in principal,
rendering a template in the page's language, and writing through a unit of work.

The cookie names a row of portal_sessions (network.auth.service), checked on every request
with the user in one query, so signing out, a password reset or deactivating the user ends
the session at once, wherever the cookie was copied.

A face only: every page calls the same service functions as the GraphQL API, with the
signed-in user's Principal, so it sees exactly what the API would let that user see.
The app holds one `Portal` (app.state.portal); the areas' handlers (network/portal/<area>.py)
get it, the signed-in user and the posted form from the dependencies in network/portal/deps.py,
which raise the exits of network/portal/exits.py (sign in, 404, 403, 400) instead.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import FormData, QueryParams

from network.auth import service as auth
from network.auth.login_links import COOKIE_NAME as MEMBER_COOKIE
from network.auth.principal import ANONYMOUS, Principal, PrincipalKind
from network.config import Settings
from network.db import unit_of_work
from network.jobs import JobQueue
from network.kit.enums import StarStep, StepStatus
from network.kit.errors import DomainError
from network.kit.ids import parse_uuid
from network.kit.signing import sign, unsign
from network.meetings.formatting import STEP_NAMES
from network.portal.i18n import LANGUAGE_NAMES, LANGUAGES, labels, language_or_default

logger = logging.getLogger("network.portal")

SessionFactory = Callable[[], async_sessionmaker[AsyncSession]]
RedisGetter = Callable[[], Redis]
JobsGetter = Callable[[], JobQueue | None]

HERE = Path(__file__).parent
SESSION_COOKIE = "portal_session"
LANGUAGE_COOKIE = "portal_lang"
PURPOSE = "portal-session"
SESSION_SECONDS = 12 * 3600  # a sign-in lasts a working day
STEPS = list(StarStep)
STATUSES = list(StepStatus)
# Staff run the whole network; partners run their cohorts; member contacts see their own
# training.
SIGN_IN_KINDS = (PrincipalKind.STAFF, PrincipalKind.PARTNER, PrincipalKind.MEMBER)
# Who manages cohorts, members, contacts and bookings: staff everywhere, a partner in scope.
MANAGER_KINDS = (PrincipalKind.STAFF, PrincipalKind.PARTNER)
PAGE_SIZE = 25
# Every portal page: never cached (it is someone's data), never framed by another site
# (clickjacking), and its type never guessed.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}
WRITING = "portal-write"  # set in a session's info by Portal.write (it commits by itself)

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(slots=True)
class PortalSession:
    """What the signed session cookie carries: the user (if signed in), the id of their
    portal_sessions row, and the CSRF token. The cookie is signed, not encrypted, so it holds
    no email address: `email` is filled from the database when the session is checked."""

    csrf: str
    user_id: str | None = None
    email: str | None = None  # not in the cookie: set by Portal.principal_of
    issued: int = 0  # when the cookie was made, in Unix seconds; older than SESSION_SECONDS expires
    kind: str | None = None  # PARTNER or MEMBER: which menu the pages show
    session_id: str | None = None  # the portal_sessions row; revoked there, the cookie is dead
    changed: bool = False
    chosen_language: str | None = None  # ?lang= of this request (not in the cookie)


def encode_session(data: PortalSession) -> str:
    raw = orjson.dumps(
        {
            "c": data.csrf,
            "u": data.user_id,
            "t": data.issued,
            "k": data.kind,
            "s": data.session_id,
        }
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def signed_in_cookie(
    secret: str, user_id: uuid.UUID, kind: PrincipalKind, session_id: uuid.UUID
) -> str:
    """The signed value of a new signed-in session cookie, with a fresh CSRF token."""
    data = PortalSession(
        csrf=secrets.token_urlsafe(24),
        user_id=str(user_id),
        issued=int(time.time()),
        kind=kind.value,
        session_id=str(session_id),
    )
    return sign(secret, PURPOSE, encode_session(data))


@dataclass(slots=True)
class Posted:
    """A posted form that carried its session's CSRF token: the session cookie's data, the
    form's text fields and the page's labels."""

    data: PortalSession
    form: dict[str, str]
    t: dict[str, str]


@dataclass(slots=True)
class Reading:
    """A signed-in user's request being answered: the session cookie's data, an open database
    session, the principal, the page's labels and the ids given in the path."""

    data: PortalSession
    session: AsyncSession
    principal: Principal
    t: dict[str, str]
    ids: tuple[uuid.UUID, ...] = ()
    form: dict[str, str] = dataclasses.field(default_factory=dict)  # a posted form's fields


def decode_session(value: str) -> PortalSession | None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        data = orjson.loads(raw)
        return PortalSession(
            csrf=str(data["c"]),
            user_id=data.get("u"),
            issued=int(data["t"]),
            kind=data.get("k"),
            session_id=data.get("s"),
        )
    except (ValueError, KeyError, TypeError):
        return None


class Portal:
    """The shared machinery of the portal's pages; `sessions`, `redis` and `jobs` are read
    when a request comes (the app makes them in its lifespan)."""

    def __init__(
        self,
        settings: Settings,
        sessions: SessionFactory,
        redis: RedisGetter,
        jobs: JobsGetter = lambda: None,
    ) -> None:
        self.settings = settings
        self._sessions = sessions
        self._redis = redis
        self._jobs = jobs
        self.secure = settings.base_url.startswith("https://")

    # -- the database ----------------------------------------------------------------------

    def db(self) -> AsyncSession:
        """A session for reading (use as `async with portal.db() as session`)."""
        return self._sessions()()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One transaction committed at the end; then the jobs it owes are enqueued."""
        jobs = self._jobs()
        flush = jobs.flush if jobs is not None else None
        async with unit_of_work(self._sessions(), after_commit=flush) as session:
            session.info[WRITING] = True
            yield session

    def redis(self) -> Redis:
        return self._redis()

    def jobs(self) -> JobQueue | None:
        return self._jobs()

    # -- the session cookie ------------------------------------------------------------------

    def read_session(self, request: Request) -> PortalSession:
        """The session cookie's data, read once per request (the exit pages reuse it)."""
        cached: PortalSession | None = getattr(request.state, "portal_session", None)
        if cached is not None:
            return cached
        token = request.cookies.get(SESSION_COOKIE)
        value = unsign(self.settings.secret_key, PURPOSE, token) if token else None
        found = decode_session(value) if value else None
        if found is None or not 0 <= time.time() - found.issued <= SESSION_SECONDS:
            found = PortalSession(
                csrf=secrets.token_urlsafe(24), issued=int(time.time()), changed=True
            )
        chosen = request.query_params.get("lang")
        # Only a GET of a page saves ?lang= on the user: a HEAD, a form post or a wrong method
        # shows the page in that language but changes nothing.
        saving = request.method == "GET"
        found.chosen_language = chosen if saving and chosen in LANGUAGES else None
        request.state.portal_session = found
        return found

    def save_session(self, response: Response, data: PortalSession) -> None:
        self._set_session_cookie(
            response, sign(self.settings.secret_key, PURPOSE, encode_session(data))
        )

    def _set_session_cookie(self, response: Response, value: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            value,
            httponly=True,
            samesite="lax",
            secure=self.secure,
            path="/portal",
            max_age=SESSION_SECONDS,
        )

    def signed_in(
        self,
        response: Response,
        user_id: uuid.UUID,
        kind: PrincipalKind,
        session_id: uuid.UUID,
        language: str | None = None,
    ) -> None:
        """Put a new signed-in session (the portal_sessions row `session_id`) on `response`,
        with a fresh CSRF token, and the user's saved language if they have one."""
        self._set_session_cookie(
            response,
            signed_in_cookie(self.settings.secret_key, user_id, kind, session_id),
        )
        if language in LANGUAGES:
            self.remember_language(response, language)

    def sign_out(self, response: Response) -> None:
        """Drop the portal cookie and the certificate-download cookie a sign-in link set."""
        response.delete_cookie(SESSION_COOKIE, path="/portal")
        response.delete_cookie(MEMBER_COOKIE, path="/")

    @staticmethod
    def remember_language(response: Response, language: str) -> None:
        """The language cookie, for anonymous pages and the next visit."""
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            httponly=True,
            samesite="lax",
            path="/portal",
            max_age=365 * 24 * 3600,
        )

    # -- who is asking -----------------------------------------------------------------------

    async def principal_of(self, session: AsyncSession, data: PortalSession) -> Principal:
        """The signed-in partner or member contact, else ANONYMOUS (staff use the API).

        One query: the session's row, live, joined with its active user. A language chosen
        with ?lang= is saved on the user (the only write, and only when it changes)."""
        session_id = parse_uuid(data.session_id) if data.user_id and data.session_id else None
        if session_id is None:
            return ANONYMOUS
        user = await auth.portal_session_user(session, session_id)
        principal = auth.principal_for(user) if user is not None else ANONYMOUS
        if user is None or str(user.id) != data.user_id or principal.kind not in SIGN_IN_KINDS:
            # Signed out elsewhere, revoked or deactivated: the page must not say "signed in".
            data.user_id = data.email = data.kind = data.session_id = None
            return ANONYMOUS
        data.email = user.email  # shown on the page, never kept in the cookie
        chosen = data.chosen_language
        if chosen is not None and chosen != user.language:
            if session.info.get(WRITING):  # committed with the form's own change
                await auth.set_language(session, user.id, chosen)
            else:  # a reading session: keep the choice now, in a unit of work of its own
                async with unit_of_work(session):
                    await auth.set_language(session, user.id, chosen)
        return principal

    @asynccontextmanager
    async def again(self, seen: Reading) -> AsyncIterator[Reading]:
        """The same reader with a new database session (to show a form again after a write
        failed; the session it was checked in is closed by then)."""
        async with self.db() as session:
            yield dataclasses.replace(seen, session=session)

    # -- forms -------------------------------------------------------------------------------

    @staticmethod
    async def form_lists(request: Request) -> FormData:
        """The posted form with repeated fields (starlette caches the parsed form)."""
        return await request.form()

    @staticmethod
    def field_errors(exc: DomainError, names: dict[str, str] | None = None) -> dict[str, str]:
        """A service's field errors keyed by the form's field names (API name -> form name)."""
        names = names or {}
        return {names.get(e.field, e.field): e.message for e in exc.errors}

    # -- pages -------------------------------------------------------------------------------

    def language_of(self, request: Request) -> str:
        return language_or_default(
            request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
        )

    def labels(self, request: Request) -> dict[str, str]:
        return labels(self.language_of(request))

    def render(
        self,
        request: Request,
        data: PortalSession,
        template: str,
        status_code: int = 200,
        **values: Any,
    ) -> HTMLResponse:
        language = self.language_of(request)
        body = templates.get_template(template).render(
            t=labels(language),
            en=labels("en"),
            lang=language,
            languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            **self._page_address(request),
            csrf=data.csrf,
            signed_in=data.user_id is not None,
            email=data.email,
            kind=data.kind,
            step_names=STEP_NAMES,
            steps=STEPS,
            statuses=STATUSES,
            **values,
        )
        response = HTMLResponse(body, status_code=status_code, headers=PAGE_HEADERS)
        if data.changed:
            self.save_session(response, data)
        chosen = request.query_params.get("lang")
        if chosen in LANGUAGES and chosen != request.cookies.get(LANGUAGE_COOKIE):
            self.remember_language(response, chosen)
        return response

    @staticmethod
    def _page_address(request: Request) -> dict[str, Any]:
        """The path and query the language links keep. A page shown for a POST (a form with
        errors) has no address of its own: the links go to the page the form was on."""
        if request.method in ("GET", "HEAD"):
            return {"path": request.url.path, "query": request.query_params}
        referer = urlsplit(request.headers.get("referer", ""))
        if referer.netloc == request.url.netloc and referer.path.startswith("/portal"):
            return {"path": referer.path, "query": QueryParams(referer.query)}
        return {"path": "/portal/", "query": QueryParams()}

    @staticmethod
    def redirect(url: str) -> RedirectResponse:
        """After a successful POST: see the result with a GET (303)."""
        return RedirectResponse(url, status_code=303)


def parse_uuids(values: Iterable[str]) -> list[uuid.UUID] | None:
    """Every value as a UUID, or None when any is not one."""
    parsed = [parse_uuid(v) for v in values]
    return None if any(p is None for p in parsed) else [p for p in parsed if p is not None]


def has_nul(values: Iterable[tuple[str, Any]]) -> bool:
    """Whether any name or text value holds a NUL character (which PostgreSQL refuses)."""
    return any("\x00" in k or (isinstance(v, str) and "\x00" in v) for k, v in values)
