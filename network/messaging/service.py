"""The outbox: owing an email (`queue_email`), reading the outbox, retrying a message.

Other parts of the domain call `queue_email` inside their own transaction. The row commits
with their change or not at all. Each queued message is owed to the delivery job
(network/kit/owed.py); the unit of work enqueues that job after the commit, and a worker's
sweep delivers anything whose job was lost.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

import orjson
from sqlalchemy import Select, Table, bindparam, false, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from network.audit import service as audit
from network.auth.policy import require_staff
from network.auth.principal import Principal
from network.config import get_settings
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.emails import MAX_INPUT, InvalidEmail, lookup_email, normalize_email
from network.kit.enums import EMAIL_KINDS, TRANSACTIONAL, ConsentPurpose
from network.kit.errors import DomainError, NotFound
from network.kit.loading import rows_by_id
from network.kit.owed import Job, owe, take_owed
from network.kit.pagination import Page, keyset_page
from network.kit.validation import LANGUAGES
from network.messaging.mime import AttachmentLike, is_safe_header_value
from network.messaging.models import OutboxAttachment, OutboxMessage, OutboxStatus
from network.messaging.purposes import purpose_of
from network.messaging.suppression import (
    RECIPIENT_ERASED,
    erased_recipients,
    skipped_for_erasure,
)

if TYPE_CHECKING:
    from network.messaging.rendering import Renderer

logger = logging.getLogger("network.messaging")

outbox = cast(Table, OutboxMessage.__table__)
attachments_table = cast(Table, OutboxAttachment.__table__)
messages = outbox.c
MAX_DEDUP_KEY = 300
MAX_FILE_NAME = 200  # also the longest content type

_NOT_SET = {"sent_at"}  # what a new message does not have yet
# Built once: this runs once per owed email, sometimes hundreds of times in one request.
_INSERT = (
    insert(outbox)
    .values({c.key: bindparam(c.key) for c in outbox.columns if c.key not in _NOT_SET})
    .on_conflict_do_nothing(index_elements=[outbox.c.dedup_key])
    .returning(outbox.c.id)
)


@lru_cache(maxsize=1)
def default_renderer() -> Renderer:
    """The templates under emails/, loaded once per process."""
    # Imported here: Jinja is needed to render an email, not to import the GraphQL schema.
    from network.messaging.rendering import Renderer

    return Renderer()


@dataclass(frozen=True, slots=True)
class QueuedEmail:
    """One email to owe, as `queue_email` takes it (see there for what each field means)."""

    template: str
    to_email: str
    language: str | None
    context: Mapping[str, Any]
    dedup_key: str
    contact_id: uuid.UUID | None = None
    kind: str | None = None
    attachments: Sequence[AttachmentLike] = ()


async def queue_email(
    session: AsyncSession,
    *,
    template: str,
    to_email: str,
    language: str | None,
    context: Mapping[str, Any],
    dedup_key: str,
    contact_id: uuid.UUID | None = None,
    kind: str | None = None,
    attachments: Sequence[AttachmentLike] = (),
) -> uuid.UUID | None:
    """Owe someone an email: add it to the outbox in the caller's transaction.

    - `template`: a name under emails/<language>/ (e.g. "notice"); it must exist in English.
    - `language`: en, cy, fr, es or de (None means en). A template missing in that language
      falls back to English; `cy` gives a bilingual email, Welsh first, then English rendered
      from the same context with `context["en"]` (a dict, if given) laid over it.
    - `context`: plain JSON data the template is rendered from when the email is delivered
      (datetime, date and UUID values are stored as ISO strings); never ORM objects.
    - `dedup_key`: what the email is about, e.g. `meeting-reminder:<meeting>:<contact>:<offset>`.
      It is unique: if a message with this key exists (in any status), nothing is added.
    - `contact_id`: the contact it is for; with `kind` (programme, training or newsletter) the
      contact's opt-outs are checked at delivery time and an opted-out message is SKIPPED.
      The template names the email's purpose (network/messaging/purposes.py): `kind` may be
      left out (the purpose gives it) but must not contradict it.
    - `attachments`: objects with `filename`, `content_type` and `content` (bytes), such as
      `network.messaging.mime.Attachment`.
    - `to_email`: any address; one that network/kit/emails.py refuses (a contact's address
      stored before the rule, say) is written FAILED with the reason in `last_error` and never
      sent, so one odd address never stops the caller's change or the other messages.

    Returns the new message's id, or None when the dedup key was already taken. Flushes the
    session first (so rows the message refers to exist); never commits. Raises ValueError for
    arguments no caller should pass (unknown template, language or kind, a bad dedup key or
    attachment). A thin wrapper over `queue_emails` (one code path).
    """
    created = await queue_emails(
        session,
        [
            QueuedEmail(
                template=template,
                to_email=to_email,
                language=language,
                context=context,
                dedup_key=dedup_key,
                contact_id=contact_id,
                kind=kind,
                attachments=attachments,
            )
        ],
    )
    return created[0] if created else None


async def queue_emails(session: AsyncSession, owed: Sequence[QueuedEmail]) -> list[uuid.UUID]:
    """Owe many emails at once: `queue_email` for each, in one INSERT statement.

    Same validation and semantics as `queue_email`: every message is validated before anything
    is written (one message with a bad argument raises ValueError and writes none; an address
    that cannot be written to only fails its own message); a dedup key already in
    the outbox, or repeated within `owed` (the first one wins), adds nothing. The messages are
    written with one multi-row `INSERT ... ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
    and the attachments of those actually created with one more INSERT (SQLAlchemy splits a
    list past the driver's 32,767 parameters, about 2,300 messages, into more statements).
    A message to an erased person (its contact erased, or no contact and a suppressed address
    no active user holds; network/messaging/suppression.py, one query per call) is written
    SKIPPED with "recipient erased" and never owed to the delivery job; one naming a live
    contact is owed even when an erased person once shared its address.
    Returns the ids of the messages created, in the order of `owed`. Flushes first; never
    commits.
    """
    rows: list[dict[str, Any]] = []
    files: dict[uuid.UUID, Sequence[AttachmentLike]] = {}
    seen: set[str] = set()
    now = utcnow()
    max_attempts = get_settings().outbox_max_attempts
    undeliverable: set[uuid.UUID] = set()
    for email in owed:
        row = _validated(
            email.template,
            email.to_email,
            email.language,
            email.context,
            email.dedup_key,
            email.kind,
            email.attachments,
        )
        if email.dedup_key in seen:
            continue
        seen.add(email.dedup_key)
        message_id = uuid.uuid4()
        row.update(
            id=message_id,
            contact_id=email.contact_id,
            attachment_count=len(email.attachments),
            status=OutboxStatus.PENDING if row["last_error"] is None else OutboxStatus.FAILED,
            attempts=0,
            max_attempts=max_attempts,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        rows.append(row)
        if row["last_error"] is not None:
            undeliverable.add(message_id)
        if email.attachments:
            files[message_id] = email.attachments
    await session.flush()
    if not rows:
        return []
    # An erased person is never written to again: SKIPPED, and not owed to the delivery job.
    erased = await erased_recipients(session, rows)
    for row in rows:
        if row["id"] in erased:
            skipped_for_erasure(row)
            files.pop(row["id"], None)
    undeliverable -= erased
    inserted = await session.execute(_INSERT, rows)
    created = set(inserted.scalars().all())
    ids = [row["id"] for row in rows if row["id"] in created]
    attachments = [
        {
            "message_id": message_id,
            "position": position,
            "filename": attachment.filename,
            "content_type": attachment.content_type,
            "content": attachment.content,
        }
        for message_id in ids
        for position, attachment in enumerate(files.get(message_id, ()))
    ]
    if attachments:
        await session.execute(insert(attachments_table), attachments)
    to_deliver = [i for i in ids if i not in undeliverable and i not in erased]
    if to_deliver:
        owe(session, Job.DELIVER_OUTBOX, to_deliver)
    for message_id in undeliverable & created:  # the address stays out of the log
        logger.warning("outbox: message %s failed: its address cannot be used", message_id)
    return ids


def _validated(
    template: str,
    to_email: str,
    language: str | None,
    context: Mapping[str, Any],
    dedup_key: str,
    kind: str | None,
    attachments: Sequence[AttachmentLike],
) -> dict[str, Any]:
    if not default_renderer().exists(template):
        raise ValueError(f"no email template {template!r} (emails/en/{template}.txt and .html)")
    language = language or "en"
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    if kind is not None and kind not in EMAIL_KINDS:
        raise ValueError(f"kind must be None or one of {', '.join(EMAIL_KINDS)}, not {kind!r}")
    purpose, kind = _purpose_and_kind(template, kind)
    if not dedup_key or len(dedup_key) > MAX_DEDUP_KEY:
        raise ValueError(f"dedup_key must have 1 to {MAX_DEDUP_KEY} characters")
    for attachment in attachments:
        if not 0 < len(attachment.filename) <= MAX_FILE_NAME:
            raise ValueError(f"an attachment needs a file name of 1 to {MAX_FILE_NAME} characters")
        if not isinstance(attachment.content, bytes):
            raise ValueError("an attachment's content must be bytes")
        content_type = attachment.content_type
        if not 0 < len(content_type) <= MAX_FILE_NAME or not is_safe_header_value(content_type):
            raise ValueError(f"bad attachment content type {content_type!r}")
    plain = orjson.loads(orjson.dumps(dict(context)))
    try:
        address, error = normalize_email(to_email), None
    except InvalidEmail as exc:  # kept as given (cut to the column), for staff to see and fix
        address = to_email.strip().replace("\x00", "")[:MAX_INPUT]
        error = f"not a deliverable email address: {exc.reason}"
    return {
        "template": template,
        "language": language,
        "to_email": address,
        "last_error": error,
        "kind": kind,
        "purpose": purpose,
        "context": plain,
        "dedup_key": dedup_key,
    }


def _purpose_and_kind(template: str, kind: str | None) -> tuple[str, str | None]:
    """The email's purpose (network/messaging/purposes.py) and its opt-out kind: a caller's
    `kind` must agree with the template's purpose (ValueError), and a consent purpose's email
    owed without one gets its purpose's kind."""
    purpose = purpose_of(template, kind)
    if kind is None and purpose != TRANSACTIONAL:
        kind = ConsentPurpose(purpose).kind
    return purpose, kind


async def _contact_erased(session: AsyncSession, message: OutboxMessage) -> bool:
    """Is the message's contact erased?"""
    if message.contact_id is None:
        return False
    statement = select(Contact.erased_at).where(Contact.id == message.contact_id)
    return await session.scalar(statement) is not None


def _remember(session: AsyncSession, message_id: uuid.UUID) -> None:
    owe(session, Job.DELIVER_OUTBOX, [message_id])


def take_queued_ids(session: AsyncSession | Session) -> list[uuid.UUID]:
    """The ids of messages queued (or retried) in the committed transaction, forgotten after.

    The unit of work that committed hands them to the job queue (network/jobs.py); ids of
    messages whose transaction rolled back are dropped on rollback, so they are never enqueued.
    """
    return take_owed(session, Job.DELIVER_OUTBOX)


@dataclass(slots=True)
class OutboxQuery:
    """Filters for listing the outbox; None means "any"."""

    status: OutboxStatus | None = None
    template: str | None = None
    to_email: str | None = None


# The list never reads `context` (it can be large); delivery reads it.
LISTED = [column for column in OutboxMessage.__table__.columns if column.key != "context"]
ORDER = (messages.created_at, messages.id)


def readable(principal: Principal) -> Select[Any]:
    """The outbox messages the principal may see: all of them for staff, none for others."""
    statement = select(*LISTED)
    return statement if principal.sees_everything else statement.where(false())


async def list_outbox_messages(
    session: AsyncSession,
    principal: Principal,
    query: OutboxQuery,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """A page of outbox messages (staff only), oldest first."""
    require_staff(principal, "outboxMessages")
    statement = readable(principal)
    if query.status is not None:
        statement = statement.where(messages.status == query.status)
    if query.template:
        statement = statement.where(messages.template == query.template.strip())
    if query.to_email:
        statement = statement.where(messages.to_email == lookup_email(query.to_email))
    return await keyset_page(session, statement, list(ORDER), first=first, after=after)


async def get_outbox_messages(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Any]:
    """Visible outbox messages by id (missing or hidden ones are absent)."""
    return await rows_by_id(session, readable(principal), ids)


PRUNED_CONTEXT: dict[str, Any] = {"pruned": True}
"""The context of a message whose body retention pruned (network/privacy/retention_queries.py):
no template reads it, so what is left cannot be sent again, and it tells a pruned message from
one whose recipient was erased (context {})."""


async def retry_outbox_message(
    session: AsyncSession, principal: Principal, message_id: uuid.UUID | None
) -> OutboxMessage:
    """Deliver a message again now: a FAILED or SKIPPED one, or a PENDING one waiting to retry.

    A SENT message cannot be retried (that would be a second email), nor one to an erased
    person (its contact erased, or skipped as "recipient erased": its address and context are
    gone, and nothing is written to them again), nor one whose body retention pruned (its
    context is PRUNED_CONTEXT, its attachments gone: it would go out empty). The retry gets a fresh
    allowance of attempts; `attempts` keeps counting, and the audit trail records the retry.
    """
    require_staff(principal, "id")
    if message_id is None:
        raise NotFound("id", "outbox message")
    statement = (
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .with_for_update(skip_locked=True)
    )
    message = (await session.scalars(statement)).one_or_none()
    if message is None:
        exists = await session.scalar(select(messages.id).where(messages.id == message_id))
        if exists is None:
            raise NotFound("id", "outbox message")
        raise DomainError.one(
            "id", "BEING_DELIVERED", "This message is being delivered right now; look again soon."
        )
    if message.status is OutboxStatus.SENT:
        raise DomainError.one(
            "id", "ALREADY_SENT", "This message was sent already; retrying would send it twice."
        )
    if message.last_error == RECIPIENT_ERASED or await _contact_erased(session, message):
        raise DomainError.one(
            "id", "RECIPIENT_ERASED", "This message's recipient was erased; it is never sent."
        )
    if message.context == PRUNED_CONTEXT:
        raise DomainError.one(
            "id", "BODY_PRUNED", "This message's body was deleted by retention; it cannot be sent."
        )
    previous = message.status
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = utcnow()
    message.max_attempts = message.attempts + get_settings().outbox_max_attempts
    await session.flush()
    audit.record(
        session,
        principal,
        "outbox_message.retried",
        "OutboxMessage",
        message.id,
        {"previous_status": previous, "attempts": message.attempts},
    )
    _remember(session, message.id)
    return message
