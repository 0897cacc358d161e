"""Users, API tokens and passwords; turning a bearer token into a Principal."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.models import ApiToken, User
from network.auth.policy import require_staff
from network.auth.principal import ANONYMOUS, Principal, PrincipalKind
from network.contacts.models import Contact
from network.kit.enums import Role
from network.kit.errors import DomainError, Errors
from network.kit.validation import clean_email, clean_text
from network.partners.service import find_partner_id

TOKEN_PREFIX = "ncrm_"
MIN_PASSWORD = 10
_hasher = PasswordHasher()


def hash_token(token: str) -> bytes:
    """SHA-256 of a token: tokens are long and random, so a fast hash is enough."""
    return hashlib.sha256(token.encode()).digest()


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


async def authenticate_token(session: AsyncSession, token: str) -> Principal | None:
    """The principal behind a bearer token, or None if the token is unknown or revoked."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    statement = (
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == hash_token(token),
            ApiToken.revoked_at.is_(None),
            User.is_active.is_(True),
        )
    )
    user = (await session.scalars(statement)).one_or_none()
    return principal_for(user) if user else None


async def find_user(session: AsyncSession, email: str) -> User | None:
    """The user with this email, if any."""
    return (
        await session.scalars(select(User).where(User.email == email.strip().lower()))
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
) -> User:
    """Create a login: staff, a partner's user (needs the partner) or a member (needs a contact)."""
    require_staff(principal, "email")
    errors = Errors()
    clean_mail = clean_email(errors, "email", email)
    clean_name = clean_text(errors, "name", name)
    if clean_mail and await find_user(session, clean_mail):
        errors.add("email", "DUPLICATE", "A user with this email exists already.")
    partner_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    if role is not Role.PARTNER and partner_slug:
        errors.add("partner", "NOT_ALLOWED", "Only a partner user belongs to a partner.")
    if role is not Role.MEMBER and contact_email:
        errors.add("contactEmail", "NOT_ALLOWED", "Only a member user is tied to a contact.")
    if role is Role.PARTNER:
        if not partner_slug:
            errors.add("partner", "REQUIRED", "A partner user needs --partner SLUG.")
        else:
            partner_id = await find_partner_id(session, partner_slug.strip().lower())
            if partner_id is None:
                errors.add("partner", "NOT_FOUND", f"No partner with slug '{partner_slug}'.")
    if role is Role.MEMBER:
        wanted = (contact_email or clean_mail or "").strip().lower()
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


async def create_token(session: AsyncSession, principal: Principal, email: str) -> str:
    """Issue a new bearer token for a user; only its hash is kept."""
    require_staff(principal, "email")
    user = await find_user(session, email)
    if user is None:
        raise DomainError.one("email", "NOT_FOUND", f"No user with email '{email}'.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=hash_token(token))
    session.add(row)
    await session.flush()
    audit.record(session, principal, "token.created", "User", user.id, {"token_id": row.id})
    return token


async def set_password(
    session: AsyncSession, principal: Principal, email: str, password: str
) -> User:
    """Set a user's password (stored as an argon2 hash)."""
    require_staff(principal, "email")
    user = await find_user(session, email)
    if user is None:
        raise DomainError.one("email", "NOT_FOUND", f"No user with email '{email}'.")
    if len(password) < MIN_PASSWORD:
        raise DomainError.one(
            "password", "TOO_SHORT", f"A password needs at least {MIN_PASSWORD} characters."
        )
    user.password_hash = _hasher.hash(password)
    await session.flush()
    audit.record(session, principal, "user.password_set", "User", user.id)
    return user


def verify_password(user: User, password: str) -> bool:
    """Whether the password matches the user's stored hash."""
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except VerificationError:
        return False


__all__ = ["ANONYMOUS", "authenticate_token", "create_token", "create_user", "set_password"]
