"""Issued CPD certificates and the per-year counters that number them without gaps."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from network.certificates.enums import CertificateStatus
from network.db import Base, created_at_column, uuid_pk
from network.kit.columns import enum_column_type
from network.kit.pii import WITH_HISTORY, Category, Erase, not_personal, personal

_CERTIFIED = "what the certificate certifies, for its holder and anyone verifying it"
_KEPT = f"{WITH_HISTORY}; verification keeps answering after erasure, the name withheld"


def _certified() -> dict[str, object]:
    return personal(Category.TRAINING, _CERTIFIED, _KEPT, Erase.KEEP)


class CertificateCounter(Base):
    """The last number issued in a year; locked FOR UPDATE by the issuing transaction."""

    __tablename__ = "certificate_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Certificate(Base):
    """A CPD certificate: a record that never changes once issued, except its status.

    The snapshot columns (holder, course, dates, hours, language) and the PDF with its SHA-256
    are what was certified; later edits to the contact or course do not reach them. A booking
    holds at most one VALID certificate.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        # A booking holds at most one VALID certificate: a revoked one stays on the record
        # (its verify page says REVOKED), and attendance confirmed again may earn a new one.
        Index(
            "uq_certificates_booking_valid",
            "booking_id",
            unique=True,
            postgresql_where=text("status = 'VALID'"),
        ),
        Index("ix_certificates_session_sort", "session_id", "number"),
        Index("ix_certificates_contact", "contact_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    number: Mapped[str] = mapped_column(
        String(20), unique=True, info=not_personal("a sequential number per year")
    )
    verification_code: Mapped[str] = mapped_column(
        String(64), unique=True, info=not_personal("a random code printed on the certificate")
    )
    booking_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bookings.id", ondelete="RESTRICT"))
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="RESTRICT")
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id", ondelete="RESTRICT"))
    # NULL once the holder is erased: verification then says "holder's name withheld".
    holder_name: Mapped[str | None] = mapped_column(
        String(300), info=personal(Category.IDENTITY, _CERTIFIED, _KEPT)
    )
    course_title: Mapped[str] = mapped_column(String(200), info=_certified())
    session_starts_at: Mapped[datetime] = mapped_column(info=_certified())
    session_ends_at: Mapped[datetime] = mapped_column(info=_certified())
    session_date_text: Mapped[str] = mapped_column(String(200), info=_certified())
    cpd_hours: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    language: Mapped[str] = mapped_column(String(2), info=_certified())
    issued_at: Mapped[datetime] = created_at_column(_certified())
    # What else was certified, as issued (network.certificates.pdf.Particulars): provider,
    # accreditation, trainer, format, learning outcomes, organisation, signatory.
    particulars: Mapped[dict[str, object]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb"), info=_certified()
    )
    # NULL once the holder is erased (the PDF carries the name); sha256 stays as the record.
    pdf: Mapped[bytes | None] = mapped_column(
        LargeBinary, deferred=True, info=personal(Category.TRAINING, _CERTIFIED, _KEPT)
    )
    sha256: Mapped[str] = mapped_column(
        String(64), info=not_personal("a digest of the PDF: the record that it never changed")
    )
    status: Mapped[CertificateStatus] = mapped_column(
        enum_column_type(CertificateStatus), default=CertificateStatus.VALID
    )
    revoked_at: Mapped[datetime | None] = mapped_column(info=_certified())
    revoked_reason: Mapped[str | None] = mapped_column(
        Text,
        info=personal(
            Category.TRAINING, "why a certificate was revoked (free text)", _KEPT, Erase.SCRUB
        ),
    )
    replaces_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="RESTRICT")
    )
    replaced_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="RESTRICT")
    )
