"""Passwordless sign-in for member users: a one-time link by email, then a signed cookie.

Only the SHA-256 of a link's token is stored; a link works once and for 15 minutes. Asking for
a link answers the same whether or not the address has an account (nothing is revealed).
The session cookie is `<user id>~<expiry>` signed with SECRET_KEY (network.kit.signing); the
user is reloaded on every request, so a deactivated user's cookie stops working at once.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, LargeBinary, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from network.auth.models import User
from network.auth.principal import Principal
from network.auth.service import find_user, hash_token, principal_for
from network.config import get_settings
from network.contacts.models import Contact
from network.db import Base, created_at_column, utcnow, uuid_pk
from network.kit.enums import Role
from network.kit.signing import sign, unsign
from network.messaging.service import queue_email

LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
COOKIE_NAME = "network_member"
COOKIE_PURPOSE = "member-session"
MAX_EMAIL = 320


class LoginLink(Base):
    """A one-time sign-in link sent to a member user; only its token's hash is kept."""

    __tablename__ = "login_links"

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()


def login_url(token: str) -> str:
    """The absolute address of a sign-in link, under BASE_URL."""
    return f"{get_settings().base_url.rstrip('/')}/login/{token}"


async def request_login_link(
    session: AsyncSession, email: str, *, now: datetime | None = None
) -> None:
    """Email a one-time sign-in link if `email` belongs to an active member user; else nothing."""
    if not email or len(email) > MAX_EMAIL or "\x00" in email:
        return
    user = await find_user(session, email)
    if user is None or not user.is_active or user.role is not Role.MEMBER:
        return
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    link = LoginLink(
        id=uuid.uuid4(),
        user_id=user.id,
        token_hash=hash_token(token),
        expires_at=now + LINK_LIFETIME,
    )
    session.add(link)
    await session.flush()
    language = None
    if user.contact_id is not None:
        language = await session.scalar(
            select(Contact.language).where(Contact.id == user.contact_id)
        )
    await queue_email(
        session,
        template="login_link",
        to_email=user.email,
        language=language,
        context={"name": user.name, "login_url": login_url(token), "minutes": 15},
        dedup_key=f"login-link:{link.id}",
        contact_id=user.contact_id,
    )


async def redeem_login_link(
    session: AsyncSession, token: str, *, now: datetime | None = None
) -> uuid.UUID | None:
    """Use a sign-in link once: the user's id if the link is unused and unexpired, else None."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    link = (
        await session.scalars(
            select(LoginLink)
            .where(LoginLink.token_hash == hash_token(token))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    link.used_at = now
    await session.flush()
    return link.user_id


def session_cookie(user_id: uuid.UUID, *, now: datetime | None = None) -> str:
    """The signed value of a member's session cookie."""
    expires = int(((now or utcnow()) + SESSION_LIFETIME).timestamp())
    return sign(get_settings().secret_key, COOKIE_PURPOSE, f"{user_id}~{expires}")


async def principal_from_cookie(
    session: AsyncSession, cookie: str, *, now: datetime | None = None
) -> Principal | None:
    """The member behind a session cookie, or None if it is forged, expired or the user gone."""
    value = unsign(get_settings().secret_key, COOKIE_PURPOSE, cookie)
    if value is None:
        return None
    raw_id, _, raw_expiry = value.partition("~")
    try:
        user_id, expiry = uuid.UUID(raw_id), int(raw_expiry)
    except ValueError:
        return None
    if expiry <= (now or utcnow()).timestamp():
        return None
    user = await session.get(User, user_id)
    if user is None or not user.is_active or user.role is not Role.MEMBER:
        return None
    return principal_for(user)
