"""The audit trail: who did what to which object, and when."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Identity, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, created_at_column
from network.kit.pii import Category, Erase, not_personal, personal

_AUDIT = "to account for who changed what, and when"
_AUDIT_KEPT = "as long as the records it is about; names and addresses scrubbed by erasure"


class AuditEvent(Base):
    """One recorded change, written in the same transaction as the change itself."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    occurred_at: Mapped[datetime] = created_at_column(
        personal(Category.AUDIT, _AUDIT, _AUDIT_KEPT, Erase.KEEP)
    )
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    actor_role: Mapped[str] = mapped_column(String(16), info=not_personal("a principal kind"))
    action: Mapped[str] = mapped_column(String(64), info=not_personal("e.g. contact.updated"))
    entity_type: Mapped[str] = mapped_column(String(64), info=not_personal("a model's name"))
    entity_id: Mapped[uuid.UUID]
    changes: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, info=personal(Category.AUDIT, _AUDIT, _AUDIT_KEPT, Erase.SCRUB)
    )
