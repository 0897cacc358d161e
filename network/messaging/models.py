"""The outbox: one row per email owed, its attachments, and the SMTP server's receipts."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, created_at_column, updated_at_column, uuid_pk
from network.kit.columns import enum_column_type
from network.kit.pii import ROW_WRITTEN, Category, Erase, not_personal, personal

_SENT = "to deliver the emails owed to the person, and to show staff what was sent"
_BODIES = "delivered: for 90 days (retention rule OUTBOX_BODIES), then pruned"
_RECORD = "as long as the outbox row: when and whether an email went out"


def _record() -> dict[str, Any]:
    return personal(Category.COMMUNICATION, _SENT, _RECORD, Erase.KEEP)


class OutboxStatus(enum.StrEnum):
    """Where an owed email stands."""

    PENDING = "PENDING"  # not delivered yet (maybe waiting for a retry)
    SENT = "SENT"  # the SMTP server accepted it
    FAILED = "FAILED"  # a permanent failure, or too many temporary ones
    SKIPPED = "SKIPPED"  # the contact opted out of this kind of email


class OutboxMessage(Base):
    """An email owed to someone, written in the same transaction as the change that caused it.

    `dedup_key` names what the message is about (for example
    `meeting-reminder:<meeting>:<contact>:<offset>`); it is unique, so asking twice for the
    same message cannot produce a second email. `context` is the plain data the template is
    rendered from at delivery time.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        # What workers claim and the sweep counts: the due pending messages, oldest first.
        Index(
            "ix_outbox_messages_due",
            "next_attempt_at",
            "id",
            postgresql_where=text("status = 'PENDING'"),
        ),
        Index("ix_outbox_messages_sort", "created_at", "id"),
        Index("ix_outbox_messages_status_sort", "status", "created_at", "id"),
        Index("ix_outbox_messages_to_email", "to_email"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    dedup_key: Mapped[str] = mapped_column(
        String(300), unique=True, info=not_personal("what the email is about, by ids")
    )
    template: Mapped[str] = mapped_column(String(100), info=not_personal("a template's name"))
    language: Mapped[str] = mapped_column(String(2), info=_record())
    to_email: Mapped[str] = mapped_column(
        String(320), info=personal(Category.COMMUNICATION, _SENT, _RECORD, Erase.REPLACE)
    )
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str | None] = mapped_column(
        String(40), info=not_personal("programme, training or newsletter")
    )
    # Why we write: a ConsentPurpose, or TRANSACTIONAL for what needs no consent.
    purpose: Mapped[str] = mapped_column(
        String(40),
        default="TRANSACTIONAL",
        server_default="TRANSACTIONAL",
        info=not_personal("a consent purpose, or TRANSACTIONAL"),
    )
    context: Mapped[dict[str, Any]] = mapped_column(
        JSONB,
        default=dict,
        info=personal(Category.COMMUNICATION, _SENT, _BODIES, Erase.SCRUB),
    )
    attachment_count: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column_type(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    max_attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(
        info=not_personal("when delivery is tried next: bookkeeping")
    )
    # The SMTP server's refusal may quote the address.
    last_error: Mapped[str | None] = mapped_column(
        Text, info=personal(Category.COMMUNICATION, _SENT, _RECORD, Erase.SCRUB)
    )
    sent_at: Mapped[datetime | None] = mapped_column(info=_record())
    created_at: Mapped[datetime] = created_at_column(_record())
    updated_at: Mapped[datetime] = updated_at_column(not_personal(ROW_WRITTEN))


class OutboxAttachment(Base):
    """A file sent with an outbox message (an .ics invite, a certificate PDF)."""

    __tablename__ = "outbox_attachments"

    message_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    filename: Mapped[str] = mapped_column(
        String(200), info=personal(Category.COMMUNICATION, _SENT, _BODIES, Erase.DELETE)
    )
    content_type: Mapped[str] = mapped_column(String(200), info=not_personal("a MIME type"))
    content: Mapped[bytes] = mapped_column(
        LargeBinary, info=personal(Category.COMMUNICATION, _SENT, _BODIES, Erase.DELETE)
    )


class OutboxReceipt(Base):
    """The SMTP server accepted this message: committed at once, outside the claim's transaction.

    A worker holds its batch's rows locked until the batch ends; each receipt is committed on
    a second connection the moment the server answers 250, so a worker killed mid-batch leaves
    behind exactly which messages went out, and the next claim marks them SENT instead of
    sending them again. No foreign key: inserting one must not wait for the claim's row lock.
    """

    __tablename__ = "outbox_receipts"

    message_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    accepted_at: Mapped[datetime] = mapped_column(info=_record())
    reply: Mapped[str] = mapped_column(
        Text, info=personal(Category.COMMUNICATION, _SENT, _RECORD, Erase.SCRUB)
    )
