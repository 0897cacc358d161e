"""Users, API tokens and passwords; turning a bearer token into a Principal; ending access."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import uuid
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import CursorResult, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.models import PASSWORD_RESET, ApiToken, LoginLink, PortalSignIn, User
from network.auth.policy import require_staff
from network.auth.principal import ANONYMOUS, Principal, PrincipalKind
from network.config import get_settings
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.emails import lookup_email
from network.kit.enums import Role
from network.kit.errors import DomainError, Errors
from network.kit.validation import clean_email, clean_text
from network.partners.service import find_partner_id

TOKEN_PREFIX = "ncrm_"
# What of a token is kept in clear to name it: "ncrm_" and 8 of its 43 random characters.
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
# A token's last_used_at is written at most this often, not on every request.
TOUCH_INTERVAL = timedelta(minutes=1)
MIN_PASSWORD = 10
PORTAL_SESSION_LIFETIME = timedelta(hours=12)  # a sign-in lasts a working day
PORTAL_LANGUAGES = ("en", "cy", "fr")
# argon2 takes tens of milliseconds of CPU and memory per hash: at most this many at once, each
# in a worker thread, so a burst of sign-ins queues instead of stalling the event loop.
HASHING_SLOTS = 4
_hasher = PasswordHasher()
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class HashedPassword:
    """A new password, already hashed (see hash_password), ready to be stored."""

    value: str


async def _off_the_loop(work: Callable[[], T]) -> T:
    """Run CPU-heavy `work` in a worker thread, at most HASHING_SLOTS at a time."""
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:  # one semaphore per event loop (tests run several loops)
        slots = _slots[loop] = asyncio.Semaphore(HASHING_SLOTS)
    async with slots:
        return await asyncio.to_thread(work)


@cache
def _dummy_hash() -> str:
    """A hash no password matches, verified when there is no real one, to take as long."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_token(token: str) -> bytes:
    """SHA-256 of a token: tokens are long and random, so a fast hash is enough."""
    return hashlib.sha256(token.encode()).digest()


async def may_sign_in(session: AsyncSession, user_id: uuid.UUID) -> bool:
    """Whether this user may sign in now: an active user (a member user is active exactly
    while its contact is not archived, see end_contact_access)."""
    statement = select(User.id).where(User.id == user_id, User.is_active.is_(True))
    return await session.scalar(statement) is not None


async def find_user_who_may_sign_in(session: AsyncSession, email: str) -> User | None:
    """The active user with this email, if any (see may_sign_in)."""
    statement = select(User).where(User.email == lookup_email(email), User.is_active.is_(True))
    return (await session.scalars(statement)).one_or_none()


def principal_for(user: User) -> Principal:
    """The principal a signed-in user acts as."""
    kind = {
        Role.STAFF: PrincipalKind.STAFF,
        Role.PARTNER: PrincipalKind.PARTNER,
        Role.MEMBER: PrincipalKind.MEMBER,
    }[user.role]
    return Principal(
        kind=kind,
        user_id=user.id,
        email=user.email,
        partner_id=user.partner_id,
        contact_id=user.contact_id,
    )


async def check_token(
    session: AsyncSession, token: str, *, now: datetime | None = None
) -> tuple[Principal | None, uuid.UUID | None]:
    """The principal behind a bearer token (None: unknown, expired or revoked) and the token's
    id when its last use is due to be recorded (`record_token_use`, at most once a minute).

    Reads only and is never cached, so a revocation holds at once on every process."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None, None
    now = now or utcnow()
    statement = (
        select(User, ApiToken.id, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == hash_token(token),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
            User.is_active.is_(True),
        )
    )
    row = (await session.execute(statement)).one_or_none()
    if row is None:
        return None, None
    user, token_id, last_used_at = row
    due = last_used_at is None or last_used_at <= now - TOUCH_INTERVAL
    return principal_for(user), token_id if due else None


async def authenticate_token(
    session: AsyncSession, token: str, *, now: datetime | None = None
) -> Principal | None:
    """`check_token`'s principal, its use recorded when due (flushed, not committed)."""
    principal, due = await check_token(session, token, now=now)
    if due is not None:
        await record_token_use(session, due, now=now)
    return principal


async def record_token_use(
    session: AsyncSession, token_id: uuid.UUID, *, now: datetime | None = None
) -> None:
    """Set a token's last_used_at, unless a concurrent request has just done so."""
    now = now or utcnow()
    await session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - TOUCH_INTERVAL),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


async def find_user(session: AsyncSession, email: str) -> User | None:
    """The user with this email, if any."""
    return (
        await session.scalars(select(User).where(User.email == lookup_email(email)))
    ).one_or_none()


async def create_user(
    session: AsyncSession,
    principal: Principal,
    *,
    email: str | None,
    name: str | None,
    role: Role,
    partner_slug: str | None = None,
    contact_email: str | None = None,
    contact_id: uuid.UUID | None = None,
) -> User:
    """Create a login: staff, a partner's user (needs the partner) or a member (needs a contact).

    A member user's contact is `contact_id` when given (an invitation names the contact), else
    the one live contact whose email is `contact_email` or the user's (the CLI's way)."""
    require_staff(principal, "email")
    errors = Errors()
    clean_mail = clean_email(errors, "email", email)
    clean_name = clean_text(errors, "name", name)
    partner_id: uuid.UUID | None = None
    if role is not Role.PARTNER and partner_slug:
        errors.add("partner", "NOT_ALLOWED", "Only a partner user belongs to a partner.")
    if role is not Role.MEMBER and contact_email:
        errors.add("contactEmail", "NOT_ALLOWED", "Only a member user is tied to a contact.")
    if role is not Role.MEMBER and contact_id is not None:
        errors.add("contactId", "NOT_ALLOWED", "Only a member user is tied to a contact.")
    if role is Role.PARTNER:
        if not partner_slug:
            errors.add("partner", "REQUIRED", "A partner user needs --partner SLUG.")
        else:
            partner_id = await find_partner_id(session, partner_slug.strip().lower())
            if partner_id is None:
                errors.add("partner", "NOT_FOUND", f"No partner with slug '{partner_slug}'.")
    if role is Role.MEMBER and contact_id is not None:
        live = select(Contact.id).where(Contact.id == contact_id, Contact.archived_at.is_(None))
        if await session.scalar(live) is None:
            errors.add("contactId", "NOT_FOUND", "No live contact with this id.")
            contact_id = None
    elif role is Role.MEMBER:
        wanted = lookup_email(contact_email or clean_mail or "")
        contact_ids = (
            await session.scalars(
                select(Contact.id).where(Contact.email == wanted, Contact.archived_at.is_(None))
            )
        ).all()
        if len(contact_ids) != 1:
            errors.add(
                "contactEmail",
                "NOT_FOUND" if not contact_ids else "AMBIGUOUS",
                f"Need exactly one live contact with email '{wanted}'; found {len(contact_ids)}.",
            )
        else:
            contact_id = contact_ids[0]
    if contact_id is not None and await _contact_has_login(session, contact_id):
        errors.add("contactId", "DUPLICATE", "This contact has a login already.")
    elif clean_mail and await find_user(session, clean_mail):
        errors.add("email", "DUPLICATE", "A user with this email exists already.")
    errors.raise_if_any()
    assert clean_mail is not None and clean_name is not None
    user = User(
        email=clean_mail, name=clean_name, role=role, partner_id=partner_id, contact_id=contact_id
    )
    session.add(user)
    await session.flush()
    audit.record(
        session,
        principal,
        "user.created",
        "User",
        user.id,
        {"email": clean_mail, "role": role, "partner_id": partner_id},
    )
    return user


async def _contact_has_login(session: AsyncSession, contact_id: uuid.UUID) -> bool:
    """Whether the contact has a login already, asked under a lock on the contact's row held
    to the end of the transaction: two logins made for one contact at once take turns, and
    the second sees the first (uq_users_contact_id stays the last word)."""
    locked = select(Contact.id).where(Contact.id == contact_id).with_for_update(key_share=True)
    await session.execute(locked)
    return await session.scalar(select(User.id).where(User.contact_id == contact_id)) is not None


async def create_token(session: AsyncSession, principal: Principal, email: str) -> str:
    """Issue a new bearer token for a user; only its hash is kept."""
    require_staff(principal, "email")
    user = await _user_or_error(session, email)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        token_hash=hash_token(token),
        prefix=token[:SHOWN_PREFIX_LENGTH],
        expires_at=utcnow() + timedelta(days=get_settings().token_ttl_days),
    )
    session.add(row)
    await session.flush()
    audit.record(session, principal, "token.created", "User", user.id, {"token_id": row.id})
    return token


async def set_password(
    session: AsyncSession, principal: Principal, email: str, password: str
) -> User:
    """Set a user's password (stored as an argon2 hash)."""
    require_staff(principal, "email")
    hashed = await hash_password(password)  # before the first query: no connection held
    user = await _user_or_error(session, email)
    await store_password(session, user, hashed)
    audit.record(session, principal, "user.password_set", "User", user.id)
    return user


async def hash_password(password: str) -> HashedPassword:
    """The argon2 hash of a new password, computed off the event loop; a password too short
    raises DomainError (TOO_SHORT)."""
    if len(password) < MIN_PASSWORD:
        raise DomainError.one(
            "password", "TOO_SHORT", f"A password needs at least {MIN_PASSWORD} characters."
        )
    return HashedPassword(await _off_the_loop(lambda: _hasher.hash(password)))


async def store_password(
    session: AsyncSession, user: User, hashed: HashedPassword, *, now: datetime | None = None
) -> None:
    """Keep a new password's hash, end every portal session of the user, and use up every
    password-reset link still open for them (an older email must not reset it again)."""
    user.password_hash = hashed.value
    await session.flush()
    await revoke_portal_sessions(session, user.id)
    await session.execute(
        update(LoginLink)
        .where(
            LoginLink.user_id == user.id,
            LoginLink.purpose == PASSWORD_RESET,
            LoginLink.used_at.is_(None),
        )
        .values(used_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


def verify_password(user: User, password: str) -> bool:
    """Whether the password matches the user's stored hash (as slow when there is none).
    Blocking: in a request, use check_password."""
    if not user.password_hash:
        _waste_a_verification(password)
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except VerificationError:
        return False


def _waste_a_verification(password: str) -> None:
    """Verify against a dummy hash: a missing account or password costs as much as a real one."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_dummy_hash(), password)


async def check_password(user: User | None, password: str) -> User | None:
    """The user if they are active and the password is theirs, else None. Verified in a worker
    thread (hold no database session meanwhile); no user costs the same verification, so
    timing does not reveal accounts."""
    if user is None:
        await _off_the_loop(lambda: _waste_a_verification(password))
        return None
    valid = await _off_the_loop(lambda: verify_password(user, password))
    return user if valid and user.is_active else None


async def authenticate_password(session: AsyncSession, email: str, password: str) -> User | None:
    """The user with this email and password if they may sign in, else None; an unknown email
    costs the same argon2 verification as a known one, so timing does not reveal accounts."""
    return await check_password(await find_user_who_may_sign_in(session, email), password)


async def start_portal_session(
    session: AsyncSession, user: User, *, now: datetime | None = None
) -> PortalSignIn:
    """Record a new sign-in to the portal; its id goes into the signed session cookie."""
    now = now or utcnow()
    row = PortalSignIn(
        id=uuid.uuid4(), user_id=user.id, created_at=now, expires_at=now + PORTAL_SESSION_LIFETIME
    )
    session.add(row)
    await session.flush()
    return row


async def portal_session_user(
    session: AsyncSession, session_id: uuid.UUID, *, now: datetime | None = None
) -> User | None:
    """The active user of a live (unrevoked, unexpired) portal session, in one query."""
    statement = (
        select(User)
        .join(PortalSignIn, PortalSignIn.user_id == User.id)
        .where(
            PortalSignIn.id == session_id,
            PortalSignIn.revoked_at.is_(None),
            PortalSignIn.expires_at > (now or utcnow()),
            User.is_active.is_(True),
        )
    )
    return (await session.scalars(statement)).one_or_none()


async def revoke_portal_session(session: AsyncSession, session_id: uuid.UUID) -> None:
    """End one portal session (sign-out): its cookie stops working, wherever it was copied."""
    await session.execute(
        update(PortalSignIn)
        .where(PortalSignIn.id == session_id, PortalSignIn.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def revoke_portal_sessions(session: AsyncSession, user_id: uuid.UUID) -> int:
    """End every live portal session of a user; the number ended."""
    return await _revoke_sessions(session, [user_id], utcnow())


async def _revoke_sessions(
    session: AsyncSession, user_ids: Sequence[uuid.UUID], now: datetime
) -> int:
    """End every live portal session of these users; the number ended."""
    result = await session.execute(
        update(PortalSignIn)
        .where(PortalSignIn.user_id.in_(user_ids), PortalSignIn.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return _count(result)


async def revoke_tokens(
    session: AsyncSession,
    user_ids: Sequence[uuid.UUID],
    *,
    prefix: str | None = None,
    now: datetime | None = None,
) -> int:
    """Revoke these users' unrevoked bearer tokens (only those with `prefix`, if given); the
    number revoked. Every process sees it on the token's next request (no cache)."""
    statement = update(ApiToken).where(
        ApiToken.user_id.in_(user_ids), ApiToken.revoked_at.is_(None)
    )
    if prefix is not None:
        statement = statement.where(ApiToken.prefix == prefix)
    statement = statement.values(revoked_at=now or utcnow())
    return _count(await session.execute(statement.execution_options(synchronize_session=False)))


def _count(result: object) -> int:
    """The number of rows an UPDATE changed."""
    return int(result.rowcount or 0) if isinstance(result, CursorResult) else 0


@dataclass(frozen=True, slots=True)
class RevokedAccess:
    """What ending a user's access revoked: portal sessions, bearer tokens, unused links."""

    sessions: int
    tokens: int
    links: int = 0


async def revoke_access_of(
    session: AsyncSession, principal: Principal, email: str
) -> RevokedAccess:
    """End every portal session and bearer token of the user with this email (staff only)."""
    require_staff(principal, "email")
    user = await _user_or_error(session, email)
    now = utcnow()
    revoked = RevokedAccess(
        sessions=await _revoke_sessions(session, [user.id], now),
        tokens=await revoke_tokens(session, [user.id], now=now),
    )
    await _revoke_feeds(session, [user.id], user.contact_id, now)
    counts = {"count": revoked.sessions, "tokens": revoked.tokens}
    audit.record(session, principal, "user.sessions_revoked", "User", user.id, counts)
    return revoked


async def revoke_sessions_of(session: AsyncSession, principal: Principal, email: str) -> int:
    """End every portal session and bearer token of the user with this email (staff only);
    the number of portal sessions ended."""
    return (await revoke_access_of(session, principal, email)).sessions


async def end_contact_access(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID
) -> RevokedAccess:
    """End at once every access of the member users tied to a contact and keep them out:
    their portal sessions (and with them the certificate cookies), bearer tokens and unused
    emailed links end, and the users are deactivated, so no password, link or new token works
    until the contact is restored (restore_contact_access).

    The one call for a contact that is archived or about to be erased (audited per user).
    Every request reads these rows (no cache), so every process refuses them at once. The
    flag lives on the user, not only on the contact, because signing in happens before anyone
    is known, when row-level security shows no contact at all."""
    user_ids = list(
        (await session.scalars(select(User.id).where(User.contact_id == contact_id))).all()
    )
    now = utcnow()
    await _set_active(session, user_ids, active=False)
    links = await session.execute(
        update(LoginLink)
        .where(LoginLink.user_id.in_(user_ids), LoginLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    revoked = RevokedAccess(
        sessions=await _revoke_sessions(session, user_ids, now),
        tokens=await revoke_tokens(session, user_ids, now=now),
        links=_count(links),
    )
    await _revoke_feeds(session, user_ids, contact_id, now)
    for user_id in user_ids:
        audit.record(session, principal, "user.access_ended", "User", user_id)
    return revoked


async def _revoke_feeds(
    session: AsyncSession,
    user_ids: Sequence[uuid.UUID],
    contact_id: uuid.UUID | None,
    now: datetime,
) -> None:
    """Revoke the live calendar feeds (network.feeds) of these users and this contact, so
    their old feed addresses stop answering. network.feeds sits above this layer, so this is
    a plain UPDATE of its table."""
    await session.execute(
        text(
            "UPDATE calendar_feeds SET revoked_at = :now WHERE revoked_at IS NULL"
            " AND (user_id = ANY(:users) OR contact_id = :contact)"
        ),
        {"now": now, "users": list(user_ids), "contact": contact_id},
    )


async def restore_contact_access(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID
) -> int:
    """Let the member users of a restored contact sign in again (anew: what
    end_contact_access ended stays ended); the number of users."""
    user_ids = list(
        (await session.scalars(select(User.id).where(User.contact_id == contact_id))).all()
    )
    await _set_active(session, user_ids, active=True)
    for user_id in user_ids:
        audit.record(session, principal, "user.access_restored", "User", user_id)
    return len(user_ids)


async def _set_active(
    session: AsyncSession, user_ids: Sequence[uuid.UUID], *, active: bool
) -> None:
    """Activate or deactivate these users (loaded copies follow)."""
    await session.execute(
        update(User)
        .where(User.id.in_(user_ids))
        .values(is_active=active)
        .execution_options(synchronize_session="fetch")
    )


async def list_tokens(session: AsyncSession, principal: Principal, email: str) -> list[ApiToken]:
    """The bearer tokens of the user with this email, oldest first (staff only)."""
    require_staff(principal, "email")
    user = await _user_or_error(session, email)
    statement = select(ApiToken).where(ApiToken.user_id == user.id)
    return list((await session.scalars(statement.order_by(ApiToken.created_at))).all())


async def revoke_tokens_of(
    session: AsyncSession, principal: Principal, email: str, prefix: str | None = None
) -> int:
    """Revoke the bearer tokens of the user with this email, or only the one whose shown
    prefix `prefix` is (with or without "ncrm_"; a whole token works too); the number revoked."""
    require_staff(principal, "email")
    shown = None if prefix is None else TOKEN_PREFIX + prefix.strip().removeprefix(TOKEN_PREFIX)
    if shown is not None and len(shown := shown[:SHOWN_PREFIX_LENGTH]) < SHOWN_PREFIX_LENGTH:
        message = "Give the prefix as `network tokens list` shows it (ncrm_ and 8 characters)."
        raise DomainError.one("tokenPrefix", "INVALID", message)
    user = await _user_or_error(session, email)
    count = await revoke_tokens(session, [user.id], prefix=shown)
    audit.record(
        session, principal, "token.revoked", "User", user.id, {"count": count, "prefix": shown}
    )
    return count


async def _user_or_error(session: AsyncSession, email: str) -> User:
    """The user with this email; a DomainError (NOT_FOUND) if there is none."""
    user = await find_user(session, email)
    if user is None:
        raise DomainError.one("email", "NOT_FOUND", f"No user with email '{email}'.")
    return user


async def set_language(session: AsyncSession, user_id: uuid.UUID, language: str) -> None:
    """Remember the portal language a user chose (en, cy or fr; anything else is ignored)."""
    if language not in PORTAL_LANGUAGES:
        return
    await session.execute(update(User).where(User.id == user_id).values(language=language))


__all__ = [
    "ANONYMOUS",
    "authenticate_password",
    "authenticate_token",
    "check_password",
    "create_token",
    "create_user",
    "hash_password",
    "set_password",
]
