"""Tables of the privacy work: personal-data exports, retention rules, suppressed addresses."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, created_at_column, updated_at_column, uuid_pk
from network.kit.columns import enum_column_type
from network.kit.pii import ROW_WRITTEN, Category, Erase, not_personal, personal

_EXPORT = "to give a person everything held about them, on request"
_EXPORT_KEPT = "the ZIP for 7 days; the record of the request as long as the contact"


def _export() -> dict[str, object]:
    return personal(Category.ACCESS, _EXPORT, _EXPORT_KEPT, Erase.DELETE)


class ExportStatus(enum.StrEnum):
    """Where a personal-data export stands."""

    PENDING = "PENDING"  # asked for; the job has not finished it yet
    READY = "READY"  # the ZIP can be downloaded until expires_at
    FAILED = "FAILED"  # the job could not build it (error says why, without personal data)
    EXPIRED = "EXPIRED"  # past expires_at: the ZIP is deleted, the row kept for the record


class PersonalDataExport(Base):
    """Everything held about one contact, asked for by one user, as a ZIP built by a job."""

    __tablename__ = "personal_data_exports"
    __table_args__ = (
        Index("ix_personal_data_exports_contact", "contact_id", "requested_at"),
        Index("ix_personal_data_exports_requester", "requested_by_user_id", "requested_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    requested_by_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE")
    )
    status: Mapped[ExportStatus] = mapped_column(
        enum_column_type(ExportStatus), default=ExportStatus.PENDING
    )
    requested_at: Mapped[datetime] = created_at_column(_export())
    ready_at: Mapped[datetime | None] = mapped_column(info=_export())
    expires_at: Mapped[datetime | None] = mapped_column(info=_export())
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True, info=_export())
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64), info=not_personal("a digest"))
    error: Mapped[str | None] = mapped_column(
        Text, info=not_personal("why the job failed, written without personal data")
    )


class RetentionRuleKind(enum.StrEnum):
    """What a retention rule applies to (each has a default in network/privacy/retention.py)."""

    INACTIVE_CONTACTS = "INACTIVE_CONTACTS"  # contacts with no activity for N days: erased
    PROSPECT_CONTACTS = "PROSPECT_CONTACTS"  # contacts of PROSPECT members after N days: erased
    ARCHIVED_CONTACTS = "ARCHIVED_CONTACTS"  # archived contacts after N days: erased
    OUTBOX_BODIES = "OUTBOX_BODIES"  # bodies of delivered emails after N days: pruned
    SIGN_IN_RECORDS = "SIGN_IN_RECORDS"  # sessions, links and tokens N days past expiry: deleted


class RetentionRule(Base):
    """How long one kind of personal data is kept, network-wide (partner_id NULL) or for the
    members of one partner (overriding the network-wide rule)."""

    __tablename__ = "retention_rules"
    __table_args__ = (
        Index(
            "uq_retention_rules_partner_kind",
            "partner_id",
            "kind",
            unique=True,
            postgresql_where=text("partner_id IS NOT NULL"),
        ),
        Index(
            "uq_retention_rules_default_kind",
            "kind",
            unique=True,
            postgresql_where=text("partner_id IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    partner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE")
    )
    kind: Mapped[RetentionRuleKind] = mapped_column(enum_column_type(RetentionRuleKind))
    days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class SuppressedAddress(Base):
    """An address that must never be written to again (its person was erased): only the
    SHA-256 of the normalised address is kept, so the list itself names nobody."""

    __tablename__ = "suppressed_addresses"

    address_sha256: Mapped[str] = mapped_column(
        String(64),
        primary_key=True,
        info=personal(
            Category.CONTACT,
            "never to write to an erased person again (only a digest of the address)",
            "for good",
            Erase.KEEP,
        ),
    )
    reason: Mapped[str] = mapped_column(String(40), info=not_personal("e.g. erased"))
    created_at: Mapped[datetime] = created_at_column(not_personal(ROW_WRITTEN))
