"""Administering users (staff only): listing them, inviting a partner user or a member
contact, sending a password reset, ending their portal sessions, and their API tokens.

An invitation creates the user (network.auth.service.create_user) and owes an email in the
same transaction: a partner user gets a one-time link to choose a password (the
password-reset machinery of network.auth.login_links, for INVITATION_LIFETIME), a member
contact the address of the portal's sign-in page (members sign in with emailed links). No
page or API ever shows or sets a password here: resetting one emails the user a link.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, false, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.login_links import RESET_LIFETIME, language_of_user, reset_url
from network.auth.models import PASSWORD_RESET, ApiToken, LoginLink, PortalSignIn, User
from network.auth.policy import require_staff
from network.auth.principal import Principal
from network.auth.service import PORTAL_LANGUAGES, create_user, hash_token
from network.config import get_settings
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.emails import lookup_email
from network.kit.enums import Role
from network.kit.errors import DomainError, Errors, NotFound
from network.kit.loading import rows_by_id
from network.kit.pagination import Page, keyset_page
from network.kit.search import contains_text
from network.kit.validation import clean_language
from network.messaging.service import queue_email
from network.partners.models import Partner

INVITATION_LIFETIME = timedelta(days=7)
INVITATION = "user_invitation"  # the email template
users = User.__table__.c
# Every column but the password's hash: lists and pages never carry it.
LISTED = [c for c in User.__table__.c if c.key != "password_hash"]


@dataclass(slots=True)
class UserQuery:
    """Filters for listing users; None means "any"."""

    partner_id: uuid.UUID | None = None
    role: Role | None = None
    active: bool | None = None
    search: str | None = None  # part of the name or the email


def readable(principal: Principal) -> Select[Any]:
    """The users the principal may see: all of them for staff, none for others."""
    statement = select(*LISTED)
    return statement if principal.sees_everything else statement.where(false())


async def list_users(
    session: AsyncSession,
    principal: Principal,
    query: UserQuery,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """A page of users (staff only), by email."""
    require_staff(principal, "users")
    statement = readable(principal)
    if query.partner_id is not None:
        statement = statement.where(users.partner_id == query.partner_id)
    if query.role is not None:
        statement = statement.where(users.role == query.role)
    if query.active is not None:
        statement = statement.where(users.is_active.is_(query.active))
    if query.search and query.search.strip():
        statement = statement.where(
            contains_text(users.name, query.search) | contains_text(users.email, query.search)
        )
    return await keyset_page(session, statement, [users.email, users.id], first=first, after=after)


async def get_users(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Row[Any]]:
    """Visible users by id (missing or hidden ones are absent)."""
    return await rows_by_id(session, readable(principal), ids)


async def live_session_counts(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """How many live (unrevoked, unexpired) portal sessions each user has (staff only)."""
    require_staff(principal, "id")
    statement = (
        select(PortalSignIn.user_id, func.count())
        .where(
            PortalSignIn.user_id.in_(ids),
            PortalSignIn.revoked_at.is_(None),
            PortalSignIn.expires_at > utcnow(),
        )
        .group_by(PortalSignIn.user_id)
    )
    return {row[0]: row[1] for row in (await session.execute(statement)).all()}


async def _issue_reset_link(
    session: AsyncSession, user: User, lifetime: timedelta, *, now: datetime | None = None
) -> tuple[LoginLink, str]:
    """A new one-time password link for the user (its token, shown once, in the email)."""
    token = secrets.token_urlsafe(32)
    link = LoginLink(
        id=uuid.uuid4(),
        user_id=user.id,
        token_hash=hash_token(token),
        purpose=PASSWORD_RESET,
        expires_at=(now or utcnow()) + lifetime,
    )
    session.add(link)
    await session.flush()
    return link, token


def sign_in_url() -> str:
    """The absolute address of the portal's sign-in page, under BASE_URL."""
    return f"{get_settings().base_url.rstrip('/')}/portal/login"


async def invite_user(
    session: AsyncSession,
    principal: Principal,
    *,
    email: str | None,
    name: str | None,
    role: Role,
    partner_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    language: str | None = None,
) -> User:
    """Invite a partner user (needs the partner) or a member contact (needs the contact; the
    email, if given, must be the contact's own) to the portal (staff only): the user is
    created and owed an invitation email, a link to choose a password (partner users) or the
    sign-in page (member contacts)."""
    require_staff(principal, "email")
    errors = Errors()
    lang = clean_language(errors, "language", language) if language else None
    partner_slug: str | None = None
    if role is Role.STAFF:
        errors.add("role", "NOT_ALLOWED", "Invite a partner user or a member contact.")
    if role is Role.PARTNER:
        if contact_id is not None:
            errors.add("contactId", "NOT_ALLOWED", "Only a member user is tied to a contact.")
        partner = None if partner_id is None else await session.get(Partner, partner_id)
        if partner is None:
            code = "REQUIRED" if partner_id is None else "NOT_FOUND"
            errors.add("partnerId", code, "Choose the partner this user works for.")
        else:
            partner_slug = partner.slug
    if role is Role.MEMBER:
        if partner_id is not None:
            errors.add("partnerId", "NOT_ALLOWED", "Only a partner user belongs to a partner.")
        contact = None if contact_id is None else await session.get(Contact, contact_id)
        if contact is None or contact.archived_at is not None or contact.erased_at is not None:
            code = "REQUIRED" if contact_id is None else "NOT_FOUND"
            errors.add("contactId", code, "Choose a contact who is not archived.")
        else:
            # A member signs in with links sent to the contact's own address, and no other.
            if email and email.strip() and lookup_email(email) != lookup_email(contact.email):
                errors.add("email", "NOT_CONTACT_EMAIL", "Use the contact's own email.")
            email = contact.email
            name = name if name and name.strip() else f"{contact.first_name} {contact.last_name}"
            lang = lang or contact.language
    errors.raise_if_any()
    user = await create_user(
        session,
        principal,
        email=email,
        name=name,
        role=role,
        partner_slug=partner_slug,
        contact_id=contact_id if role is Role.MEMBER else None,
    )
    if lang in PORTAL_LANGUAGES:
        user.language = lang
    context: dict[str, Any] = {
        "name": user.name,
        "sign_in_url": sign_in_url(),
        "password_url": None,
        "days": INVITATION_LIFETIME.days,
    }
    dedup_key = f"user-invitation:{user.id}"
    if role is Role.PARTNER:
        link, token = await _issue_reset_link(session, user, INVITATION_LIFETIME)
        context["password_url"] = reset_url(token)
        dedup_key = f"user-invitation:{link.id}"
    await session.flush()
    await queue_email(
        session,
        template=INVITATION,
        to_email=user.email,
        language=lang,
        context=context,
        dedup_key=dedup_key,
        contact_id=user.contact_id,
    )
    audit.record(session, principal, "user.invited", "User", user.id, {"role": role})
    return user


async def _user(session: AsyncSession, user_id: uuid.UUID | None, field: str = "userId") -> User:
    """The user with this id; NotFound if there is none."""
    user = None if user_id is None else await session.get(User, user_id)
    if user is None:
        raise NotFound(field, "user")
    return user


async def send_password_reset(
    session: AsyncSession, principal: Principal, *, user_id: uuid.UUID | None
) -> User:
    """Email an active partner or member user a one-time link to choose a new password (staff
    only; staff passwords are set with the CLI); their password stays as it is until they use
    it."""
    require_staff(principal, "userId")
    user = await _user(session, user_id)
    if user.role is Role.STAFF:
        # As the self-service reset, which serves partner users and members only.
        message = "Staff passwords are set with `network users set-password`."
        raise DomainError.one("userId", "NOT_ALLOWED", message)
    if not user.is_active:
        raise DomainError.one("userId", "INACTIVE", "This user may not sign in.")
    link, token = await _issue_reset_link(session, user, RESET_LIFETIME)
    await queue_email(
        session,
        template="password_reset",
        to_email=user.email,
        language=await language_of_user(session, user),
        context={
            "name": user.name,
            "reset_url": reset_url(token),
            "minutes": int(RESET_LIFETIME.total_seconds() // 60),
        },
        dedup_key=f"password-reset:{link.id}",
        contact_id=user.contact_id,
    )
    audit.record(session, principal, "user.password_reset_sent", "User", user.id)
    return user


async def end_user_sessions(
    session: AsyncSession, principal: Principal, *, user_id: uuid.UUID | None
) -> tuple[User, int]:
    """Sign a user out of the portal everywhere (staff only): the user and how many live
    sessions were ended. Their API tokens keep working (revoke them one by one)."""
    require_staff(principal, "userId")
    user = await _user(session, user_id)
    statement = (
        update(PortalSignIn)
        .where(
            PortalSignIn.user_id == user.id,
            PortalSignIn.revoked_at.is_(None),
            PortalSignIn.expires_at > utcnow(),
        )
        .values(revoked_at=utcnow())
        .returning(PortalSignIn.id)
        .execution_options(synchronize_session=False)
    )
    ended = len((await session.execute(statement)).all())
    audit.record(session, principal, "user.sessions_ended", "User", user.id, {"count": ended})
    return user, ended


async def user_tokens(
    session: AsyncSession, principal: Principal, user_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ApiToken]]:
    """The API tokens of these users, newest first (staff only; never their secrets, which
    are not kept)."""
    require_staff(principal, "id")
    found: dict[uuid.UUID, list[ApiToken]] = {user_id: [] for user_id in user_ids}
    statement = (
        select(ApiToken)
        .where(ApiToken.user_id.in_(user_ids))
        .order_by(ApiToken.created_at.desc(), ApiToken.id)
    )
    for token in (await session.scalars(statement)).all():
        found[token.user_id].append(token)
    return found


async def revoke_api_token(
    session: AsyncSession, principal: Principal, *, token_id: uuid.UUID | None
) -> ApiToken:
    """Revoke one API token (staff only); every process refuses it from its next request."""
    require_staff(principal, "tokenId")
    token = None if token_id is None else await session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("tokenId", "API token")
    if token.revoked_at is not None:
        raise DomainError.one("tokenId", "ALREADY_REVOKED", "This token is revoked already.")
    token.revoked_at = utcnow()
    await session.flush()
    audit.record(
        session,
        principal,
        "token.revoked",
        "User",
        token.user_id,
        {"token_id": token.id, "prefix": token.prefix},
    )
    return token
