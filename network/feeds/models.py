"""A private calendar feed: a secret URL a calendar program polls (only its hash is kept)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, text
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, created_at_column, uuid_pk
from network.kit.pii import Category, Erase, not_personal, personal

_FEED = "to serve the person's own calendar feed, and to let them revoke it"
_KEPT = "while the feed is live; deleted with the contact or user, and by erasure"


class CalendarFeed(Base):
    """A contact's (member contact) or a user's (partner user) calendar feed: exactly one of
    them owns it; at most one live (not revoked) feed each."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        CheckConstraint("(contact_id IS NULL) <> (user_id IS NULL)", name="one_owner"),
        Index(
            "uq_calendar_feeds_live_contact",
            "contact_id",
            unique=True,
            postgresql_where=text("contact_id IS NOT NULL AND revoked_at IS NULL"),
        ),
        Index(
            "uq_calendar_feeds_live_user",
            "user_id",
            unique=True,
            postgresql_where=text("user_id IS NOT NULL AND revoked_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"),
        index=True,
        info=not_personal("whose feed it is (a member contact)"),
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"),
        index=True,
        info=not_personal("whose feed it is (a partner user)"),
    )
    token_sha256: Mapped[bytes] = mapped_column(
        LargeBinary(32), unique=True, info=not_personal("the SHA-256 of a random token")
    )
    created_at: Mapped[datetime] = created_at_column(
        personal(Category.ACCOUNT, _FEED, _KEPT, Erase.DELETE)
    )
    revoked_at: Mapped[datetime | None] = mapped_column(
        info=personal(Category.ACCOUNT, _FEED, _KEPT, Erase.DELETE)
    )
    # Written at most once an hour (network.feeds.service.TOUCH_INTERVAL), not on every poll.
    last_used_at: Mapped[datetime | None] = mapped_column(
        info=personal(Category.ACCOUNT, _FEED, _KEPT, Erase.DELETE)
    )
