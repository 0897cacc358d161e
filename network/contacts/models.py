"""Contacts: people, usually at a member organisation."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, created_at_column, updated_at_column, uuid_pk
from network.kit.pii import (
    ROW_WRITTEN,
    WITH_CONTACT,
    Category,
    Erase,
    not_personal,
    personal,
)

_WRITE = "to write to the person about the programme, their training and meetings"
_NAME = "to address the person and name them on bookings, certificates and lists"
_CONSENT = "proof of what the person agreed to be written about, when and how"


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
    email: Mapped[str] = mapped_column(
        String(320), info=personal(Category.CONTACT, _WRITE, WITH_CONTACT, Erase.REPLACE)
    )
    first_name: Mapped[str] = mapped_column(
        String(200), info=personal(Category.IDENTITY, _NAME, WITH_CONTACT, Erase.REPLACE)
    )
    last_name: Mapped[str] = mapped_column(
        String(200), info=personal(Category.IDENTITY, _NAME, WITH_CONTACT, Erase.REPLACE)
    )
    job_title: Mapped[str | None] = mapped_column(
        String(200),
        info=personal(Category.CONTACT, "to know the person's role at the member", WITH_CONTACT),
    )
    language: Mapped[str] = mapped_column(
        String(2),
        default="en",
        info=personal(
            Category.CONTACT,
            "to write and certify in the person's language",
            f"{WITH_CONTACT}; kept unnamed after erasure (language statistics)",
            Erase.KEEP,
        ),
    )
    consent_scope: Mapped[str | None] = mapped_column(
        Text, info=personal(Category.CONSENT, _CONSENT, WITH_CONTACT)
    )
    consent_given_at: Mapped[datetime | None] = mapped_column(
        info=personal(Category.CONSENT, _CONSENT, WITH_CONTACT)
    )
    consent_method: Mapped[str | None] = mapped_column(
        String(100), info=personal(Category.CONSENT, _CONSENT, WITH_CONTACT)
    )
    email_opt_outs: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)),
        default=list,
        server_default="{}",
        info=personal(
            Category.CONSENT,
            "not to send what the person declined",
            f"{WITH_CONTACT}; kept unnamed after erasure",
            Erase.KEEP,
        ),
    )
    archived_at: Mapped[datetime | None] = mapped_column(
        info=not_personal("when staff archived the contact: bookkeeping")
    )
    # Set once, by erasure (network/privacy/erasure.py): the person is anonymised for good.
    erased_at: Mapped[datetime | None] = mapped_column(
        info=not_personal("when the person was erased: the proof that they were")
    )
    created_at: Mapped[datetime] = created_at_column(not_personal(ROW_WRITTEN))
    updated_at: Mapped[datetime] = updated_at_column(not_personal(ROW_WRITTEN))
