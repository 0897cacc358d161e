"""The consent ledger: one row per consent given or withdrawn; rows are never changed."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, created_at_column
from network.kit.columns import enum_column_type
from network.kit.enums import ConsentChannel, ConsentPurpose
from network.kit.pii import Category, Erase, personal

_CONSENT = "proof of what the person agreed to, for as long as we write to them"
_KEPT = "as long as the contact, then erased with it (the purpose and date stay, unnamed)"


class ConsentEvent(Base):
    """A person gave or withdrew consent to one purpose. The current consent of a purpose is
    its latest event; `Contact.email_opt_outs` is kept equal to the purposes withdrawn."""

    __tablename__ = "consent_events"
    __table_args__ = (Index("ix_consent_events_contact", "contact_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    purpose: Mapped[ConsentPurpose] = mapped_column(enum_column_type(ConsentPurpose))
    given: Mapped[bool]
    wording_version: Mapped[str] = mapped_column(
        String(40), info=personal(Category.CONSENT, _CONSENT, _KEPT, Erase.KEEP)
    )
    channel: Mapped[ConsentChannel] = mapped_column(enum_column_type(ConsentChannel))
    recorded_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = created_at_column(
        personal(Category.CONSENT, _CONSENT, _KEPT, Erase.KEEP)
    )
