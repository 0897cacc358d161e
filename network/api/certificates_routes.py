"""Certificate files and the public verification page (not GraphQL).

- `GET /certificates/{id}.pdf`: the stored PDF, to staff, to the partner that sees the holder's
  member, and to the holder (a member user); anyone else gets the same 404 as a missing id.
- `GET /training/sessions/{id}/certificates.zip`: a session's current certificates, for staff
  and partners (a partner gets those of the contacts it sees).
- `GET /login/{token}`: a member's one-time sign-in link opens a page with a "Sign in" button
  (in the member's language, else the browser's); the GET uses nothing up, so a mail scanner
  following the link does not burn it. `POST /login/{token}` uses the link: it starts a portal
  session and sets its cookie, plus the signed HttpOnly, SameSite=Lax certificate cookie (it
  names that portal session) that the PDF and ZIP downloads accept instead of a bearer token,
  then goes on to /portal/training. A link that is unknown, used or expired gets a 404 page
  in the browser's language. No CSRF token is possible before signing in (the link's token is
  the secret); a POST a browser marks as cross-site only shows the page again.
- `GET /verify/{code}`: the public page the certificate's QR code opens, with what
  `verifyCertificate` answers, from an autoescaped template in English, Welsh, French, Spanish
  or German (?lang=, else the browser's Accept-Language, else English).
  Lookups are rate-limited per client address with a Redis counter, so guessing codes is slow.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth import login_links
from network.auth import service as auth
from network.auth.models import User
from network.auth.principal import ANONYMOUS, Principal
from network.auth.service import authenticate_token
from network.certificates import service as certificates
from network.config import get_settings
from network.portal import web as portal_web
from network.portal.i18n import LANGUAGES as PORTAL_LANGUAGES
from network.portal.public import (
    LINK_LABELS,
    SIGN_IN_LABELS,
    VERIFY_LABELS,
    format_day,
    language_links,
    public_language,
    render_public,
)
from network.portal.web import templates

logger = logging.getLogger("network.api.certificates")

VERIFY_LIMIT = 30  # lookups per client address per window
VERIFY_WINDOW_SECONDS = 60
NOT_FOUND = "No such certificate."


def verify_path(code: str) -> str:
    """The verification page's path for a code (quoted: the code is whatever was typed)."""
    return f"/verify/{quote(code, safe='')}"


def render_page(
    found: certificates.Verification | None, language: str = "en", code: str = ""
) -> str:
    """The verification page in a language; the template escapes every value."""
    t = VERIFY_LABELS[language]
    values: dict[str, object] = {"status": "UNKNOWN"}
    if found is not None:
        values = {
            "status": found.status.value,
            "revoked_on": format_day(found.revoked_at, language) if found.revoked_at else None,
            "revoked_reason": found.revoked_reason,
            "superseded_by": found.superseded_by_number,
            "facts": [
                (t["number"], found.number),
                (t["holder"], found.holder_name),
                (t["course"], found.course_title),
                (t["date"], found.session_date_text),  # stored in the holder's language
                (t["cpd_hours"], str(found.cpd_hours)),
                (t["issued"], format_day(found.issued_at, language)),
            ],
        }
    return templates.get_template("public_verify.html").render(
        lang=language,
        t=t,
        title=t["title"],
        state="page",
        languages=language_links(verify_path(code)),
        **values,
    )


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


async def _principal(session: AsyncSession, request: Request) -> Principal:
    """The caller: a bearer token, else a member's sign-in cookie, else anonymous."""
    token = _bearer(request)
    if token:
        return await authenticate_token(session, token) or ANONYMOUS
    cookie = request.cookies.get(login_links.COOKIE_NAME)
    if cookie:
        return await login_links.principal_from_cookie(session, cookie) or ANONYMOUS
    return ANONYMOUS


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def certificates_router(
    sessions: Callable[[], async_sessionmaker[AsyncSession]],
    redis: Callable[[], Redis],
    secret_key: str | None = None,
    base_url: str | None = None,
) -> APIRouter:
    """The certificate routes; the callables give the app's session factory and Redis;
    `secret_key` signs the portal session cookie and `base_url` decides whether cookies are
    Secure, as in the portal (the settings' ones by default)."""
    router = APIRouter()
    portal_secret = secret_key or get_settings().secret_key
    # Behind a proxy that ends TLS the request's own scheme is http: trust BASE_URL instead.
    secure = (base_url or get_settings().base_url).startswith("https://")

    @router.get("/certificates/{certificate_id}.pdf", name="certificate_pdf")
    async def certificate_pdf(certificate_id: str, request: Request) -> Response:
        raw = _uuid(certificate_id)
        found = None
        if raw is not None:
            async with sessions()() as session:
                principal = await _principal(session, request)
                found = await certificates.certificate_pdf(session, principal, raw)
        if found is None:
            raise HTTPException(status_code=404, detail=NOT_FOUND)
        number, document = found
        return Response(
            document,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{number}.pdf"',
                "Cache-Control": "private, no-store",
            },
        )

    @router.get("/training/sessions/{session_id}/certificates.zip", name="certificates_zip")
    async def certificates_zip(session_id: str, request: Request) -> Response:
        raw = _uuid(session_id)
        content = None
        if raw is not None:
            async with sessions()() as session:
                principal = await _principal(session, request)
                content = await certificates.session_zip(session, principal, raw)
        if content is None:
            raise HTTPException(status_code=404, detail="No certificates for this session.")
        return Response(
            content,
            media_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="certificates-{raw}.zip"',
                "Cache-Control": "private, no-store",
            },
        )

    @router.get("/login/{token}", name="member_login_page", response_class=HTMLResponse)
    async def member_login_page(token: str, request: Request) -> Response:
        async with sessions()() as session:
            user = await login_links.sign_in_link_user(session, token)
            language = await login_links.language_of_user(session, user) if user else None
        if user is None:
            return invalid_link_page(request)
        return confirm_page(request, token, language)

    @router.post("/login/{token}", name="member_login", response_class=HTMLResponse)
    async def member_login(token: str, request: Request) -> Response:
        if request.headers.get("sec-fetch-site") == "cross-site":
            # Another site posting a link's token would sign this browser in as its owner.
            async with sessions()() as session:
                user = await login_links.sign_in_link_user(session, token)
                language = await login_links.language_of_user(session, user) if user else None
            if user is None:
                return invalid_link_page(request)
            return confirm_page(request, token, language, 403)
        async with sessions()() as session:
            user_id = await login_links.redeem_login_link(session, token)
            user = await session.get(User, user_id) if user_id is not None else None
            if user is None or not user.is_active:
                return invalid_link_page(request)  # the session closes unused: nothing kept
            portal_row = await auth.start_portal_session(session, user)
            await session.commit()
        # Straight on to My training; the cookies ride on the redirect (browsers keep them).
        response = RedirectResponse(
            "/portal/training",
            status_code=303,
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )
        response.set_cookie(
            login_links.COOKIE_NAME,
            login_links.session_cookie(portal_row.id),
            max_age=int(login_links.SESSION_LIFETIME.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=secure,
        )
        kind = auth.principal_for(user).kind
        value = portal_web.signed_in_cookie(portal_secret, user.id, user.email, kind, portal_row.id)
        response.set_cookie(
            portal_web.SESSION_COOKIE,
            value,
            max_age=portal_web.SESSION_SECONDS,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/portal",
        )
        if user.language:
            response.set_cookie(
                portal_web.LANGUAGE_COOKIE,
                user.language,
                max_age=365 * 24 * 3600,
                httponly=True,
                samesite="lax",
                path="/portal",
            )
        return response

    @router.get("/verify/{code}", name="verify_certificate", response_class=HTMLResponse)
    async def verify_page(code: str, request: Request) -> HTMLResponse:
        language = public_language(
            request.query_params.get("lang"), request.headers.get("accept-language")
        )
        client = request.client.host if request.client else "unknown"
        if await over_limit(redis(), client):
            t = VERIFY_LABELS[language]
            limited = render_public(
                "public_verify.html",
                language,
                429,
                t=t,
                title=t["too_many_title"],
                state="limited",
                languages=language_links(verify_path(code)),
            )
            limited.headers["Retry-After"] = str(VERIFY_WINDOW_SECONDS)
            limited.headers["Vary"] = "Accept-Language"
            return limited
        async with sessions()() as session:
            found = await certificates.verify(session, code)
        return HTMLResponse(
            render_page(found, language, code),
            status_code=200 if found is not None else 404,
            headers={
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
                "Vary": "Accept-Language",
            },
        )

    return router


def confirm_page(
    request: Request, token: str, user_language: str | None, status_code: int = 200
) -> HTMLResponse:
    """The page of a live sign-in link: one button that posts back to use it, in the user's
    language if it is one of the five, else the browser's."""
    language = public_language(user_language, request.headers.get("accept-language"))
    t = SIGN_IN_LABELS[language]
    action = f"/login/{quote(token, safe='')}"
    response = render_public(
        "public_signin.html", language, status_code, t=t, title=t["title"], action=action
    )
    response.headers["Vary"] = "Accept-Language"
    # Its button signs in: no other site may frame the page and trick a click onto it.
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    return response


def invalid_link_page(request: Request) -> HTMLResponse:
    """The 404 page of a sign-in link that is unknown, used or expired, in the browser's language,
    pointing to the portal's sign-in page to ask for a new link."""
    language = public_language(None, request.headers.get("accept-language"))
    ask_again = "/portal/login"
    if language in PORTAL_LANGUAGES:  # the portal speaks fewer languages than the emails
        ask_again += f"?lang={language}"
    t = LINK_LABELS[language]
    response = render_public(
        "public_link.html", language, 404, t=t, title=t["title"], ask_again=ask_again
    )
    response.headers["Vary"] = "Accept-Language"
    return response


def rate_key(client: str) -> str:
    """The Redis key counting a client's verification lookups in the current window."""
    return f"network:verify-rate:{client}"


async def over_limit(redis: Redis, client: str) -> bool:
    """Count one lookup; True once the client has made more than the limit in the window."""
    key = rate_key(client)
    try:
        count = int(await redis.incr(key))
        if count == 1:
            await redis.expire(key, VERIFY_WINDOW_SECONDS)
    except (RedisError, OSError) as exc:  # a missing Redis must not take verification down
        logger.warning("verification rate limit unavailable: %s", exc)
        return False
    return count > VERIFY_LIMIT
