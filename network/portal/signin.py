"""Signing in and out of the portal: email and password (with limits per client and per
account, network/auth/throttle.py), a password reset by email, and a one-time sign-in link for
member contacts.

Every session is a row of portal_sessions: signing out or resetting the password ends it
server-side (and the member's certificate cookie with it, which names the same row). Asking
for a reset or a link only owes a job (the job looks the address up), so the answer is the
same, in the same time, whether or not the address has an account; both are rate-limited per
address and per client in Redis. A password try is counted before the check, so parallel
guesses cannot slip past the limits, and before any lookup or hash, so a client over its limit
costs no argon2; argon2 runs in a worker thread while no database session is open.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from network.auth import login_links
from network.auth import service as auth
from network.auth.models import User
from network.auth.principal import PrincipalKind
from network.auth.throttle import Attempt, SignInThrottle, too_many_asks
from network.kit.errors import DomainError
from network.kit.ids import parse_uuid
from network.portal.deps import CsrfForm, Labels, PortalDep, SessionData, area_router
from network.portal.exits import portal_of
from network.portal.web import SIGN_IN_KINDS, Portal, PortalSession, Posted

MAX_EMAIL = 320


def landing_of(kind: PrincipalKind) -> str:
    """Where a user lands after signing in: partners on their cohorts, members on training."""
    return "/portal/training" if kind is PrincipalKind.MEMBER else "/portal/"


def client_of(request: Request) -> str:
    """The client address the limits count (the proxy-aware one, when a proxy is trusted)."""
    return request.client.host if request.client else "unknown"


def throttle_of(portal: Portal) -> SignInThrottle:
    """The password limits, on the portal's Redis, waiting for it at most the configured time."""
    settings = portal.settings
    return SignInThrottle(
        portal.redis(), settings.secret_key, timeout=settings.sign_in_limit_timeout_seconds
    )


async def too_many_email_asks(portal: Portal, request: Request, what: str, email: str) -> bool:
    """Whether this address or this client has asked for too many emails of `what` lately."""
    settings = portal.settings
    return await too_many_asks(
        portal.redis(),
        what,
        email,
        client_of(request),
        secret=settings.secret_key,
        patience=settings.sign_in_limit_timeout_seconds,
    )


def wait_message(t: dict[str, str], attempt: Attempt) -> str:
    """The page's words for a wait: "in a minute", or in so many minutes."""
    minutes = attempt.minutes
    return t["locked"] if minutes == 1 else t["signin_wait_minutes"].format(minutes=minutes)


router = area_router()


def login_again(
    request: Request,
    portal: Portal,
    data: PortalSession,
    status: int = 200,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    link_form: dict[str, str] | None = None,
    link_errors: dict[str, str] | None = None,
) -> Response:
    """The sign-in page (again), with what was typed and why it was refused."""
    return portal.render(
        request,
        data,
        "login.html",
        status,
        form=form or {},
        errors=errors or {},
        message=message,
        link_form=link_form or {},
        link_errors=link_errors or {},
    )


async def checked_session(request: Request, data: SessionData) -> PortalSession:
    """The session cookie's data, signed out if it names a session that has ended (revoked
    elsewhere, by a password reset or by staff): one query, and only when it names a user."""
    if data.user_id is not None:
        portal = portal_of(request)
        async with portal.db() as session:
            await portal.principal_of(session, data)
        if data.user_id is None:
            data.changed = True  # keep the CSRF token, forget the dead sign-in
    return data


async def checked_form(request: Request, posted: CsrfForm) -> Posted:
    """The posted form (CSRF checked), its session checked as `checked_session` does."""
    await checked_session(request, posted.data)
    return posted


Checked = Annotated[PortalSession, Depends(checked_session)]
CheckedForm = Annotated[Posted, Depends(checked_form)]


def welcome(portal: Portal, user: User, session_id: uuid.UUID) -> Response:
    """To the user's landing page, signed in with the portal session `session_id`."""
    kind = auth.principal_for(user).kind
    response = portal.redirect(landing_of(kind))
    portal.signed_in(response, user.id, kind, session_id, user.language)
    return response


@router.get("/login")
async def login_page(request: Request, portal: PortalDep, data: Checked, t: Labels) -> Response:
    """The sign-in page: a password form and a form asking for a sign-in link."""
    sent = request.query_params.get("link_sent") == "1"
    return login_again(request, portal, data, message=t["signin_link_sent"] if sent else None)


@router.post("/login")
async def login(request: Request, portal: PortalDep, posted: CheckedForm) -> Response:
    """Sign in with email and password (held back a while after repeated failures)."""
    data, form, t = posted.data, posted.form, posted.t
    email = form.get("email", "").strip().lower()
    password = form.get("password", "")
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = t["required"]
    elif len(email) > MAX_EMAIL:  # before any limit is counted for it
        errors["email"] = t["signin_email_invalid"]
    if not password:
        errors["password"] = t["required"]
    if errors:
        return login_again(request, portal, data, 422, form=form, errors=errors)
    throttle = throttle_of(portal)
    # Counted before anything is looked up or hashed: parallel guesses each see the others,
    # and a client over its limit costs one Redis call.
    attempt = await throttle.admit(email, client_of(request))
    if not attempt.admitted:
        answer = login_again(
            request, portal, data, 429, form=form, message=wait_message(t, attempt)
        )
        answer.headers["Retry-After"] = str(int(-(-attempt.retry_after // 1)))
        return answer
    async with portal.db() as session:
        found = await auth.find_user_who_may_sign_in(session, email)
    # The slow argon2 check, in a worker thread, with the database session closed.
    user = await auth.check_password(found, password)
    if user is None:
        return login_again(request, portal, data, 401, form=form, message=t["bad_credentials"])
    await throttle.succeeded(attempt)
    kind = auth.principal_for(user).kind
    if kind not in SIGN_IN_KINDS:
        return login_again(request, portal, data, 403, form=form, message=t["partners_only"])
    async with portal.write() as session:
        row = await auth.start_portal_session(session, user)
    return welcome(portal, user, row.id)


@router.post("/login/link")
async def ask_for_link(request: Request, portal: PortalDep, posted: CheckedForm) -> Response:
    """Email a one-time sign-in link (the same answer, in the same time, whether or not the
    address is known: a job looks it up)."""
    data, form, t = posted.data, posted.form, posted.t
    email = form.get("email", "").strip().lower()
    if not email or len(email) > MAX_EMAIL or "@" not in email:
        link_errors = {"email": t["required"] if not email else t["signin_email_invalid"]}
        return login_again(request, portal, data, 422, link_form=form, link_errors=link_errors)
    if await too_many_email_asks(portal, request, "link", email):
        message = t["signin_too_many"]
        return login_again(request, portal, data, 429, link_form=form, message=message)
    async with portal.write() as session:
        login_links.ask_for_login_link(session, email)
    return portal.redirect("/portal/login?link_sent=1")


@router.post("/logout")
async def logout(portal: PortalDep, posted: CsrfForm) -> Response:
    """End the portal session, here and server-side."""
    session_id = parse_uuid(posted.data.session_id)
    if session_id is not None:
        async with portal.write() as session:
            await auth.revoke_portal_session(session, session_id)
    response = portal.redirect("/portal/login")
    portal.sign_out(response)
    return response


# -- password reset --------------------------------------------------------------------------


@router.get("/password/forgot")
async def forgot_page(request: Request, portal: PortalDep, data: Checked) -> Response:
    """The form asking for a password reset email."""
    sent = request.query_params.get("sent") == "1"
    return portal.render(
        request, data, "signin_forgot.html", form={}, errors={}, sent=sent, message=None
    )


@router.post("/password/forgot")
async def forgot(request: Request, portal: PortalDep, posted: CheckedForm) -> Response:
    """Email a password reset link (the same answer whether or not the address is known)."""
    data, form, t = posted.data, posted.form, posted.t
    email = form.get("email", "").strip().lower()

    def again(status: int, errors: dict[str, str], message: str | None = None) -> Response:
        return portal.render(
            request,
            data,
            "signin_forgot.html",
            status,
            form=form,
            errors=errors,
            sent=False,
            message=message,
        )

    if not email:
        return again(422, {"email": t["required"]})
    if len(email) > MAX_EMAIL or "@" not in email:
        return again(422, {"email": t["signin_email_invalid"]})
    if await too_many_email_asks(portal, request, "reset", email):
        return again(429, {}, t["signin_too_many"])
    async with portal.write() as session:
        login_links.ask_for_password_reset(session, email)
    return portal.redirect("/portal/password/forgot?sent=1")


def gone(request: Request, portal: Portal, data: PortalSession) -> Response:
    """The page of a reset link that is unknown, used or expired."""
    return portal.render(request, data, "signin_reset_gone.html", 410)


@router.get("/password/reset/{token}")
async def reset_page(token: str, request: Request, portal: PortalDep, data: Checked) -> Response:
    """The new-password form of a live reset link."""
    async with portal.db() as session:
        live = await login_links.reset_link_is_live(session, token)
    if not live:
        return gone(request, portal, data)
    response = portal.render(request, data, "signin_reset.html", token=token, errors={})
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.post("/password/reset/{token}")
async def reset(token: str, request: Request, portal: PortalDep, posted: CheckedForm) -> Response:
    """Set the new password, end the user's other sessions and sign in."""
    data, form, t = posted.data, posted.form, posted.t
    password, again = form.get("password", ""), form.get("password_again", "")
    errors: dict[str, str] = {}
    if not password:
        errors["password"] = t["required"]
    elif len(password) < auth.MIN_PASSWORD:
        errors["password"] = t["signin_password_too_short"]
    if not again:
        errors["password_again"] = t["required"]
    elif password and again != password:
        errors["password_again"] = t["signin_passwords_differ"]
    if errors:
        return portal.render(request, data, "signin_reset.html", 422, token=token, errors=errors)
    async with portal.db() as session:
        live = await login_links.reset_link_is_live(session, token)
    if not live:  # no argon2 work for a dead link
        return gone(request, portal, data)
    try:
        # Hashed in a worker thread before the transaction opens (and locks the link).
        hashed = await auth.hash_password(password)
    except DomainError:
        errors = {"password": t["signin_password_too_short"]}
        return portal.render(request, data, "signin_reset.html", 422, token=token, errors=errors)
    async with portal.write() as session:
        user = await login_links.reset_password(session, token, hashed)
        row = await auth.start_portal_session(session, user) if user else None
    if user is None or row is None:
        return gone(request, portal, data)
    return welcome(portal, user, row.id)
