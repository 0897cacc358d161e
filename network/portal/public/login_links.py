"""A member's one-time sign-in link, `/login/{token}`.

The GET opens a page with a "Sign in" button (in the member's language, else the browser's)
and uses nothing up, so a mail scanner following the link does not burn it. The POST uses the
link: it starts a portal session and sets its cookie, plus the signed HttpOnly, SameSite=Lax
certificate cookie (it names that portal session) that the PDF and ZIP downloads accept
instead of a bearer token, then goes on to /portal/training. A link that is unknown, used or
expired gets a 404 page in the browser's language. No CSRF token is possible before signing in
(the link's token is the secret); a POST a browser marks as cross-site only shows the page
again.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from network.auth import login_links
from network.auth import service as auth
from network.auth.models import PortalSignIn, User
from network.portal import web as portal_web
from network.portal.deps import PortalDep
from network.portal.i18n import LANGUAGES as PORTAL_LANGUAGES
from network.portal.public.pages import (
    LINK_LABELS,
    SIGN_IN_LABELS,
    public_language,
    render_public,
)
from network.portal.web import Portal

router = APIRouter()


class _Refused(Exception):
    """The link names no user who may sign in: roll back whatever redeeming it did."""


@router.get("/login/{token}", name="member_login_page", response_class=HTMLResponse)
async def member_login_page(token: str, request: Request, portal: PortalDep) -> Response:
    """The page of a sign-in link: one button to use it (nothing is used up by a GET)."""
    async with portal.db() as session:
        user = await login_links.sign_in_link_user(session, token)
        language = await login_links.language_of_user(session, user) if user else None
    if user is None:
        return invalid_link_page(request)
    return confirm_page(request, token, language)


@router.post("/login/{token}", name="member_login", response_class=HTMLResponse)
async def member_login(token: str, request: Request, portal: PortalDep) -> Response:
    """Use the link: a portal session with its cookies, then on to My training."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        # Another site posting a link's token would sign this browser in as its owner.
        async with portal.db() as session:
            user = await login_links.sign_in_link_user(session, token)
            language = await login_links.language_of_user(session, user) if user else None
        if user is None:
            return invalid_link_page(request)
        return confirm_page(request, token, language, 403)
    try:
        async with portal.write() as session:
            user_id = await login_links.redeem_login_link(session, token)
            # None also for a user who may no longer sign in (inactive, or contact archived).
            user = await session.get(User, user_id) if user_id is not None else None
            if user is None:
                raise _Refused  # rolled back: a refused link keeps nothing
            portal_row = await auth.start_portal_session(session, user)
    except _Refused:
        return invalid_link_page(request)
    return signed_in_response(portal, user, portal_row)


def signed_in_response(portal: Portal, user: User, portal_row: PortalSignIn) -> Response:
    """To My training, with the certificate cookie, the portal session and the language."""
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
        secure=portal.secure,
    )
    kind = auth.principal_for(user).kind
    secret = portal.settings.secret_key
    value = portal_web.signed_in_cookie(secret, user.id, kind, portal_row.id)
    response.set_cookie(
        portal_web.SESSION_COOKIE,
        value,
        max_age=portal_web.SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=portal.secure,
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
