"""Contacts: people, usually at a member organisation."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, created_at_column, updated_at_column, uuid_pk


class Contact(Base):
    """A person at a member; may exist without a login. Archived contacts are kept, not deleted.

    The trigram index behind name/email search (ix_contacts_search_trgm) is an expression
    index that Alembic cannot compare, so it lives in the migration only (see migrations/env.py).
    """

    __tablename__ = "contacts"
    __table_args__ = (
        Index(
            "uq_contacts_member_email_live",
            "member_id",
            "email",
            unique=True,
            postgresql_where=text("archived_at IS NULL"),
        ),
        Index("ix_contacts_member_sort", "member_id", "last_name", "first_name", "id"),
        Index("ix_contacts_sort", "last_name", "first_name", "id"),
        Index("ix_contacts_email", "email"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    email: Mapped[str] = mapped_column(String(320))
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="en")
    consent_scope: Mapped[str | None] = mapped_column(Text)
    consent_given_at: Mapped[datetime | None]
    consent_method: Mapped[str | None] = mapped_column(String(100))
    email_opt_outs: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), default=list, server_default="{}"
    )
    archived_at: Mapped[datetime | None]
    # Set once, by erasure (network/privacy/erasure.py): the person is anonymised for good.
    erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
