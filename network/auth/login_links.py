"""One-time links by email: passwordless sign-in for member users, and password resets.

Only the SHA-256 of a link's token is stored; a sign-in link works once and for 15 minutes,
a password-reset link (purpose PASSWORD_RESET) once and for 60 minutes. Asking for a link
(`ask_for_login_link`, `ask_for_password_reset`) only owes a job for the address: the job
(`request_login_link`, `request_password_reset`) looks it up, so the answer reveals nothing,
not even by its time. A member whose contact is archived gets no link and cannot use one.
The member's certificate cookie names the portal session the link started (its
portal_sessions row), signed with SECRET_KEY (network.kit.signing): that row and its user are
checked on every request, so signing out, a password reset, revoking the user's sessions or
deactivating the user ends it at once, as it ends the portal session.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.models import PASSWORD_RESET, SIGN_IN, LoginLink, User
from network.auth.principal import Principal
from network.auth.service import (
    HashedPassword,
    find_user_who_may_sign_in,
    hash_token,
    may_sign_in,
    portal_session_user,
    principal_for,
    revoke_tokens,
    store_password,
)
from network.config import get_settings
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.enums import Role
from network.kit.owed import Ask, Job, owe_ask
from network.kit.signing import sign, unsign
from network.messaging.service import queue_email

LINK_LIFETIME = timedelta(minutes=15)
RESET_LIFETIME = timedelta(minutes=60)
SESSION_LIFETIME = timedelta(hours=12)
COOKIE_NAME = "network_member"
# Was "member-session" when the cookie named the user alone: those cookies no longer verify.
COOKIE_PURPOSE = "member-portal-session"
MAX_EMAIL = 320


def reset_url(token: str) -> str:
    """The absolute address of a password-reset link, under BASE_URL."""
    return f"{get_settings().base_url.rstrip('/')}/portal/password/reset/{token}"


async def language_of_user(session: AsyncSession, user: User) -> str | None:
    """The language to write to a user in: the one chosen in the portal, else the contact's."""
    if user.language:
        return user.language
    if user.contact_id is None:
        return None
    return await session.scalar(select(Contact.language).where(Contact.id == user.contact_id))


def login_url(token: str) -> str:
    """The absolute address of a sign-in link, under BASE_URL."""
    return f"{get_settings().base_url.rstrip('/')}/login/{token}"


def _askable(email: str) -> bool:
    """Whether an address is worth a job at all (the same cheap check whoever it is)."""
    return bool(email) and len(email) <= MAX_EMAIL and "\x00" not in email


def ask_for_login_link(session: AsyncSession, email: str) -> Ask | None:
    """Owe the job that emails a sign-in link to `email` if it is a member's (sent after the
    commit; no lookup now, so the answer takes as long for any address); None if malformed."""
    return owe_ask(session, Job.SEND_LOGIN_LINK, email) if _askable(email) else None


def ask_for_password_reset(session: AsyncSession, email: str) -> Ask | None:
    """Owe the job that emails a password-reset link to `email` if it has a portal account
    (as `ask_for_login_link`); None if malformed."""
    return owe_ask(session, Job.SEND_PASSWORD_RESET, email) if _askable(email) else None


async def _new_link(session: AsyncSession, link_id: uuid.UUID | None) -> uuid.UUID | None:
    """The id for a new link: a fresh one, or the ask's unless a link has it already (the
    job ran before)."""
    if link_id is None:
        return uuid.uuid4()
    return None if await session.get(LoginLink, link_id) is not None else link_id


async def request_login_link(
    session: AsyncSession,
    email: str,
    *,
    link_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> None:
    """Email a one-time sign-in link if `email` belongs to a member user who may sign in;
    else nothing. With `link_id` (an ask's id) a second run does nothing."""
    if not _askable(email):
        return
    user = await find_user_who_may_sign_in(session, email)
    if user is None or user.role is not Role.MEMBER:
        return
    new_id = await _new_link(session, link_id)
    if new_id is None:
        return
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    link = LoginLink(
        id=new_id,
        user_id=user.id,
        token_hash=hash_token(token),
        expires_at=now + LINK_LIFETIME,
    )
    session.add(link)
    await session.flush()
    await queue_email(
        session,
        template="login_link",
        to_email=user.email,
        language=await language_of_user(session, user),
        context={"name": user.name, "login_url": login_url(token), "minutes": 15},
        dedup_key=f"login-link:{link.id}",
        contact_id=user.contact_id,
    )


async def redeem_login_link(
    session: AsyncSession, token: str, *, now: datetime | None = None
) -> uuid.UUID | None:
    """Use a sign-in link once: the user's id if the link is unused and unexpired, else None."""
    now = now or utcnow()
    link = await _live_link(session, token, SIGN_IN, now, lock=True)
    if link is None:
        return None
    link.used_at = now
    await session.flush()
    return link.user_id if await may_sign_in(session, link.user_id) else None


async def sign_in_link_user(
    session: AsyncSession, token: str, *, now: datetime | None = None
) -> User | None:
    """The active user a live (unused, unexpired) sign-in link is for, without using it:
    for the page that asks to confirm the sign-in."""
    link = await _live_link(session, token, SIGN_IN, now or utcnow(), lock=False)
    if link is None or not await may_sign_in(session, link.user_id):
        return None
    return await session.get(User, link.user_id)


async def _live_link(
    session: AsyncSession, token: str, purpose: str, now: datetime, *, lock: bool
) -> LoginLink | None:
    """The unused, unexpired link of this purpose with this token, if any."""
    if not token or len(token) > 100:
        return None
    statement = select(LoginLink).where(
        LoginLink.token_hash == hash_token(token), LoginLink.purpose == purpose
    )
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    link = (await session.scalars(statement)).one_or_none()
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    return link


async def request_password_reset(
    session: AsyncSession,
    email: str,
    *,
    link_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> None:
    """Email a one-time password-reset link if `email` belongs to a portal user (a partner's
    user or a member) who may sign in; else nothing, so the answer reveals no account. With
    `link_id` (an ask's id) a second run does nothing."""
    if not _askable(email):
        return
    user = await find_user_who_may_sign_in(session, email)
    if user is None or user.role not in (Role.PARTNER, Role.MEMBER):
        return
    new_id = await _new_link(session, link_id)
    if new_id is None:
        return
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    link = LoginLink(
        id=new_id,
        user_id=user.id,
        token_hash=hash_token(token),
        purpose=PASSWORD_RESET,
        expires_at=now + RESET_LIFETIME,
    )
    session.add(link)
    await session.flush()
    minutes = int(RESET_LIFETIME.total_seconds() // 60)
    await queue_email(
        session,
        template="password_reset",
        to_email=user.email,
        language=await language_of_user(session, user),
        context={"name": user.name, "reset_url": reset_url(token), "minutes": minutes},
        dedup_key=f"password-reset:{link.id}",
        contact_id=user.contact_id,
    )


async def reset_link_is_live(
    session: AsyncSession, token: str, *, now: datetime | None = None
) -> bool:
    """Whether a password-reset token is unused and unexpired, for a user who may sign in
    (for showing its form)."""
    link = await _live_link(session, token, PASSWORD_RESET, now or utcnow(), lock=False)
    return link is not None and await may_sign_in(session, link.user_id)


async def reset_password(
    session: AsyncSession, token: str, hashed: HashedPassword, *, now: datetime | None = None
) -> User | None:
    """Use a password-reset link once: set the new password (hashed beforehand with
    network.auth.service.hash_password, outside the transaction), end the user's portal
    sessions, revoke their bearer tokens, use up their other reset links, and return the user;
    None if the link is unknown, used or expired (or the user inactive)."""
    now = now or utcnow()
    link = await _live_link(session, token, PASSWORD_RESET, now, lock=True)
    if link is None or not await may_sign_in(session, link.user_id):
        return None
    user = await session.get(User, link.user_id)
    if user is None:
        return None
    await store_password(session, user, hashed, now=now)
    # A reset is what someone does who fears their account is known to another: end it all.
    await revoke_tokens(session, [user.id], now=now)
    link.used_at = now
    await session.flush()
    audit.record(session, principal_for(user), "user.password_reset", "User", user.id)
    return user


def session_cookie(portal_session_id: uuid.UUID) -> str:
    """The signed value of a member's certificate cookie: the id of their portal session."""
    return sign(get_settings().secret_key, COOKIE_PURPOSE, str(portal_session_id))


async def principal_from_cookie(
    session: AsyncSession, cookie: str, *, now: datetime | None = None
) -> Principal | None:
    """The member behind a certificate cookie, or None if it is forged, or its portal session
    is revoked or expired, or the user is inactive or not a member (one query)."""
    value = unsign(get_settings().secret_key, COOKIE_PURPOSE, cookie)
    if value is None:
        return None
    try:
        portal_session_id = uuid.UUID(value)
    except ValueError:
        return None
    user = await portal_session_user(session, portal_session_id, now=now)
    if user is None or user.role is not Role.MEMBER:
        return None
    return principal_for(user)


# LoginLink and the purposes live in network.auth.models; they are named here too.
__all__ = [
    "COOKIE_NAME",
    "LINK_LIFETIME",
    "PASSWORD_RESET",
    "RESET_LIFETIME",
    "SESSION_LIFETIME",
    "SIGN_IN",
    "LoginLink",
    "ask_for_login_link",
    "ask_for_password_reset",
    "language_of_user",
    "login_url",
    "principal_from_cookie",
    "redeem_login_link",
    "request_login_link",
    "request_password_reset",
    "reset_link_is_live",
    "reset_password",
    "reset_url",
    "session_cookie",
    "sign_in_link_user",
]
