"""Users (staff, partner users, member contacts), their API tokens, portal sessions and
one-time links by email."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, created_at_column, uuid_pk
from network.kit.columns import enum_column_type
from network.kit.enums import Role
from network.kit.pii import (
    ROW_WRITTEN,
    UNTIL_EXPIRY,
    Category,
    Erase,
    not_personal,
    personal,
)

_ACCOUNT = "to let the person sign in and to know who did what"
_USER_KEPT = "while the user may sign in; a member user is anonymised with its contact"
_SESSION = "to keep a signed-in person signed in, and to end it"


class User(Base):
    """Someone who can sign in: staff, a partner's user, or a member contact."""

    __tablename__ = "users"
    __table_args__ = (
        # A contact has at most one login (two would each act as that contact).
        Index(
            "uq_users_contact_id",
            "contact_id",
            unique=True,
            postgresql_where=text("contact_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    email: Mapped[str] = mapped_column(
        String(320),
        unique=True,
        info=personal(Category.ACCOUNT, _ACCOUNT, _USER_KEPT, Erase.REPLACE),
    )
    name: Mapped[str] = mapped_column(
        String(200), info=personal(Category.IDENTITY, _ACCOUNT, _USER_KEPT, Erase.REPLACE)
    )
    role: Mapped[Role] = mapped_column(enum_column_type(Role))
    partner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE")
    )
    password_hash: Mapped[str | None] = mapped_column(
        String(255), info=personal(Category.ACCOUNT, _ACCOUNT, _USER_KEPT)
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    # The portal language the user last chose (en, cy or fr); None until they choose one.
    language: Mapped[str | None] = mapped_column(
        String(2),
        info=personal(
            Category.ACCOUNT, "to show the portal in the chosen language", _USER_KEPT, Erase.KEEP
        ),
    )
    created_at: Mapped[datetime] = created_at_column(not_personal(ROW_WRITTEN))


class ApiToken(Base):
    """A bearer token; only its SHA-256 and a short prefix are stored, so a leaked table leaks
    no token. It works until it expires or is revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[bytes] = mapped_column(
        LargeBinary(32), unique=True, info=not_personal("the SHA-256 of a random token")
    )
    # "ncrm_" and the next 8 characters: names the token in `network tokens list` without being
    # usable; None for tokens issued before it was kept.
    prefix: Mapped[str | None] = mapped_column(
        String(16), info=not_personal("the first characters of a random token")
    )
    created_at: Mapped[datetime] = created_at_column(
        personal(Category.ACCOUNT, _SESSION, UNTIL_EXPIRY, Erase.DELETE)
    )
    expires_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        info=personal(Category.ACCOUNT, _SESSION, UNTIL_EXPIRY, Erase.DELETE),
    )
    # Written at most once a minute per token (network.auth.service.TOUCH_INTERVAL).
    last_used_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        info=personal(Category.ACCOUNT, _SESSION, UNTIL_EXPIRY, Erase.DELETE),
    )
    revoked_at: Mapped[datetime | None] = mapped_column(
        info=personal(Category.ACCOUNT, _SESSION, UNTIL_EXPIRY, Erase.DELETE)
    )


class PortalSignIn(Base):
    """One sign-in to the portal: the session cookie names it, sign-out revokes it."""

    __tablename__ = "portal_sessions"

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = created_at_column(
        personal(Category.ACCOUNT, _SESSION, UNTIL_EXPIRY, Erase.DELETE)
    )
    expires_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        info=personal(Category.ACCOUNT, _SESSION, UNTIL_EXPIRY, Erase.DELETE),
    )
    revoked_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        info=personal(Category.ACCOUNT, _SESSION, UNTIL_EXPIRY, Erase.DELETE),
    )


SIGN_IN = "SIGN_IN"
PASSWORD_RESET = "PASSWORD_RESET"


class LoginLink(Base):
    """A one-time link emailed to a user (a sign-in or a password reset); only its token's
    hash is kept."""

    __tablename__ = "login_links"

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[bytes] = mapped_column(
        LargeBinary(32), unique=True, info=not_personal("the SHA-256 of a random token")
    )
    # SIGN_IN (a member's sign-in link) or PASSWORD_RESET (a portal user's reset link).
    purpose: Mapped[str] = mapped_column(
        String(20),
        default=SIGN_IN,
        server_default=SIGN_IN,
        info=not_personal("which kind of link: SIGN_IN or PASSWORD_RESET"),
    )
    expires_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        info=personal(Category.ACCOUNT, _SESSION, UNTIL_EXPIRY, Erase.DELETE),
    )
    used_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        info=personal(Category.ACCOUNT, _SESSION, UNTIL_EXPIRY, Erase.DELETE),
    )
    created_at: Mapped[datetime] = created_at_column(
        personal(Category.ACCOUNT, _SESSION, UNTIL_EXPIRY, Erase.DELETE)
    )
