"""Certificate files and the public verification page (not GraphQL).

- `GET /certificates/{id}.pdf`: the stored PDF, to staff, to the partner that sees the holder's
  member, and to the holder (a member user); anyone else gets the same 404 as a missing id.
- `GET /training/sessions/{id}/certificates.zip`: a session's current certificates, for staff
  and partners (a partner gets those of the contacts it sees).
- `GET /login/{token}`: a member's one-time sign-in link; sets the signed HttpOnly,
  SameSite=Lax session cookie that the PDF download accepts instead of a bearer token, and
  signs the member in to the portal too (a portal session), going on to /portal/training.
- `GET /verify/{code}`: a small public HTML page with what `verifyCertificate` answers
  (every value escaped).
  Lookups are rate-limited per client address with a Redis counter, so guessing codes is slow.
"""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Callable

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

logger = logging.getLogger("network.api.certificates")

VERIFY_LIMIT = 30  # lookups per client address per window
VERIFY_WINDOW_SECONDS = 60
NOT_FOUND = "No such certificate."

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Certificate verification</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em;">
<h1>Certificate verification</h1>
{body}
</body></html>
"""


def render_page(found: certificates.Verification | None) -> str:
    """The verification page; every value from the database is HTML-escaped."""
    if found is None:
        return PAGE.format(body='<p id="status">UNKNOWN: no certificate has this code.</p>')
    e = html.escape
    status = f"<strong>{e(found.status.value)}</strong>"
    if found.revoked_at is not None:
        status += f": revoked on {found.revoked_at.date().isoformat()}"
        status += f" ({e(found.revoked_reason or '')})"
    if found.superseded_by_number:
        status += f": replaced by {e(found.superseded_by_number)}"
    facts = [
        ("Certificate number", found.number),
        ("Holder", found.holder_name),
        ("Course", found.course_title),
        ("Date", found.session_date_text),
        ("CPD hours", str(found.cpd_hours)),
        ("Issued", found.issued_at.date().isoformat()),
    ]
    rows = "\n".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts)
    return PAGE.format(body=f'<p id="status">{status}</p>\n<dl>\n{rows}\n</dl>')


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
) -> APIRouter:
    """The certificate routes; the callables give the app's session factory and Redis;
    `secret_key` signs the portal session cookie (the settings' one by default)."""
    router = APIRouter()
    portal_secret = secret_key or get_settings().secret_key

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

    @router.get("/login/{token}", name="member_login", response_class=HTMLResponse)
    async def member_login(token: str, request: Request) -> Response:
        async with sessions()() as session:
            user_id = await login_links.redeem_login_link(session, token)
            user = await session.get(User, user_id) if user_id is not None else None
            portal_row = await auth.start_portal_session(session, user) if user else None
            await session.commit()
        if user_id is None:
            body = "<p>This sign-in link is not valid (it works once, for 15 minutes).</p>"
            return HTMLResponse(
                PAGE.format(body=body).replace("Certificate verification", "Sign in"), 404
            )
        # Straight on to My training; the cookies ride on the redirect (browsers keep them).
        response = RedirectResponse(
            "/portal/training",
            status_code=303,
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )
        response.set_cookie(
            login_links.COOKIE_NAME,
            login_links.session_cookie(user_id),
            max_age=int(login_links.SESSION_LIFETIME.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        if user is not None and portal_row is not None:
            kind = auth.principal_for(user).kind
            value = portal_web.signed_in_cookie(
                portal_secret, user.id, user.email, kind, portal_row.id
            )
            response.set_cookie(
                portal_web.SESSION_COOKIE,
                value,
                max_age=portal_web.SESSION_SECONDS,
                httponly=True,
                samesite="lax",
                secure=request.url.scheme == "https",
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
        client = request.client.host if request.client else "unknown"
        if await over_limit(redis(), client):
            return HTMLResponse("Too many verification requests; try again in a minute.", 429)
        async with sessions()() as session:
            found = await certificates.verify(session, code)
        return HTMLResponse(
            render_page(found),
            status_code=200 if found is not None else 404,
            headers={"Cache-Control": "no-store"},
        )

    return router


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
