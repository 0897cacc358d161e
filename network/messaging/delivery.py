"""Delivering the outbox: claim a batch, render, send over one SMTP connection, record.

One batch is one transaction on the claim connection: it locks up to `batch_size` due
PENDING rows (`FOR UPDATE ... SKIP LOCKED`, so any number of workers share the outbox and
never take the same row), sends each message, and at the end writes every row's new state
and commits. The row locks are the claim: they last exactly as long as the worker's
connection, so a killed worker releases its batch at once, with no lease to expire.

Each message the SMTP server accepts gets a receipt (`outbox_receipts`), committed on a
second connection before the next message is sent. A worker killed mid-batch rolls back
the claim but leaves the receipts: the next claim marks those messages SENT without
sending them again. What no system can close is the gap between the server's "250" and the
receipt's commit (well under a millisecond): a crash exactly there sends that one message
again, with the same Message-ID.

Temporary failures (no connection, a 4xx answer, a dropped connection) are retried with
exponential backoff; a 5xx answer to a message fails it for good with the server's words,
and so does exhausting `max_attempts`. Each address is checked again by the system's one
rule (network/kit/emails.py) before it goes on the wire: one that fails it (a row written
before the rule, say), or one with a non-ASCII local part when the relay does not offer
SMTPUTF8, fails its own message with the reason and the batch goes on.

Consent (network/messaging/purposes.py, network/consent/): a message whose purpose needs
consent is SKIPPED, with the purpose named in `last_error`, when its contact has withdrawn
that purpose (the claim reads the ledger's derived cache, `contacts.email_opt_outs`, in the
same statement); a transactional message is never skipped for consent. Each message that
needs consent carries RFC 8058 one-click unsubscribe headers and a link in its footers.

Erasure (network/messaging/suppression.py): delivery is the last gate. The claim asks, in the
same statement, whether each message's recipient is erased (its contact erased, or no contact
and a suppressed address no active user holds); such a message, one a transaction that began
before the erasure wrote after it, is SKIPPED ("recipient erased") and, like the messages
erasure itself skips, loses its address, context and attachments, in one more statement per
batch that has any.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from functools import cached_property
from typing import Any, cast

import aiosmtplib
from jinja2 import TemplateError
from sqlalchemy import Row, Table, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from network.auth.principal import SYSTEM
from network.config import Settings
from network.consent.links import unsubscribe_url
from network.contacts.models import Contact
from network.db import act_as_on, utcnow
from network.kit.emails import EmailAddress, InvalidEmail, parse_email
from network.kit.enums import ConsentPurpose
from network.kit.pii import erased_address
from network.messaging.mime import Attachment, build_message
from network.messaging.models import (
    OutboxAttachment,
    OutboxMessage,
    OutboxReceipt,
    OutboxStatus,
)
from network.messaging.purposes import needs_consent
from network.messaging.rendering import Renderer, Unsubscribe
from network.messaging.suppression import RECIPIENT_ERASED, recipient_erased

logger = logging.getLogger("network.messaging")

outbox = cast(Table, OutboxMessage.__table__)
contacts = cast(Table, Contact.__table__)
receipts = cast(Table, OutboxReceipt.__table__)
files = cast(Table, OutboxAttachment.__table__)
MAX_ERROR = 2000
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to hand messages over."""

    host: str
    port: int
    sender: str  # the From header, e.g. "Network CRM <no-reply@citizenpowered.example>"
    timeout: float = 30.0
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    start_tls: bool = False

    @cached_property
    def envelope_from(self) -> str:
        """The bare address of the sender (MAIL FROM)."""
        return parseaddr(self.sender)[1]

    @cached_property
    def from_header(self) -> str:
        """The sender as a header value (a non-ASCII display name is encoded)."""
        name, address = parseaddr(self.sender)
        return formataddr((name, address), charset="utf-8")

    @cached_property
    def domain(self) -> str:
        """The sender's domain, used on the right of Message-IDs."""
        return self.envelope_from.rpartition("@")[2] or "localhost"

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpServer:
        """The relay named by SMTP_* settings."""
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            timeout=settings.smtp_timeout_seconds,
            username=settings.smtp_username,
            password=settings.smtp_password,
            use_tls=settings.smtp_use_tls,
            start_tls=settings.smtp_start_tls,
        )


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff after temporary failures."""

    base_seconds: float = 30.0
    max_seconds: float = 3600.0

    def delay(self, attempts: int) -> timedelta:
        """How long to wait after the `attempts`-th failed attempt."""
        exponent = min(max(attempts - 1, 0), 30)
        return timedelta(seconds=min(self.base_seconds * 2**exponent, self.max_seconds))


@dataclass(slots=True)
class Courier:
    """Everything delivery needs: the database (twice), the SMTP relay, templates, policy.

    `receipts` may be the same engine as `engine`; a worker gives it its own small engine
    with `synchronous_commit=off`, which a worker crash cannot undo (only a PostgreSQL
    crash can lose the last fraction of a second of receipts).
    """

    engine: AsyncEngine
    receipts: AsyncEngine
    smtp: SmtpServer
    renderer: Renderer
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    batch_size: int = 100

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        engine: AsyncEngine,
        receipts: AsyncEngine | None = None,
        renderer: Renderer | None = None,
    ) -> Courier:
        """A courier configured by the OUTBOX_* and SMTP_* settings."""
        return cls(
            engine=engine,
            receipts=receipts or engine,
            smtp=SmtpServer.from_settings(settings),
            renderer=renderer or Renderer(),
            retry=RetryPolicy(
                base_seconds=settings.outbox_retry_base_seconds,
                max_seconds=settings.outbox_retry_max_seconds,
            ),
            batch_size=settings.outbox_batch_size,
        )


@dataclass(frozen=True, slots=True)
class Retry:
    """Messages to try again at one time, after the same number of attempts."""

    at: datetime
    attempts: int
    ids: list[uuid.UUID]


@dataclass(slots=True)
class BatchReport:
    """What one batch did."""

    claimed: int = 0
    sent: list[uuid.UUID] = field(default_factory=list)
    failed: list[uuid.UUID] = field(default_factory=list)
    skipped: list[uuid.UUID] = field(default_factory=list)
    retries: list[Retry] = field(default_factory=list)
    recovered: int = 0  # SENT from a receipt left by an earlier, interrupted batch


@dataclass(slots=True)
class _Outcome:
    id: uuid.UUID
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None


class _ConnectFailed(Exception):
    """No SMTP connection could be made: every message still unsent waits for a retry."""


class _NoSmtpUtf8(Exception):
    """The relay does not offer SMTPUTF8, which the recipient's address needs."""


class _Relay:
    """One SMTP connection per batch, opened on first use, opened again after it drops."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server
        self.client: aiosmtplib.SMTP | None = None

    async def send(self, to: EmailAddress, data: bytes) -> str:
        """Hand one message over; the server's answer to DATA (e.g. "Ok: queued as 1A2B")."""
        client = self.client or await self._connect()
        options, encoding = [], "ascii"
        if to.needs_smtputf8:
            if not client.supports_extension("smtputf8"):
                raise _NoSmtpUtf8
            options, encoding = ["SMTPUTF8"], "utf-8"
        # mail/rcpt/data rather than sendmail: one message, one recipient, parsed once; and
        # one deadline for the three (a timer) rather than one wait_for task per command.
        try:
            async with asyncio.timeout(self.server.timeout):
                await client.mail(
                    self.server.envelope_from, options=options, encoding=encoding, timeout=None
                )
                await client.rcpt(to.wire, encoding=encoding, timeout=None)
                response = await client.data(data, timeout=None)
        except aiosmtplib.SMTPResponseException:
            try:
                await client.rset()
            except (aiosmtplib.SMTPException, OSError):
                self.drop()
            raise
        return response.message

    async def _connect(self) -> aiosmtplib.SMTP:
        client = aiosmtplib.SMTP(
            hostname=self.server.host,
            port=self.server.port,
            timeout=self.server.timeout,
            use_tls=self.server.use_tls,
            start_tls=self.server.start_tls,
            username=self.server.username,
            password=self.server.password,
        )
        try:
            await client.connect()
            if client.last_ehlo_response is None:
                await client.ehlo()
        except (aiosmtplib.SMTPException, OSError) as exc:
            client.close()
            raise _ConnectFailed(_describe(exc)) from exc
        self.client = client
        return client

    def drop(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    async def close(self) -> None:
        if self.client is not None:
            try:
                await self.client.quit()
            except (aiosmtplib.SMTPException, OSError):
                self.client.close()
            self.client = None


def _describe(exc: BaseException) -> str:
    """The server's answer ("550 5.1.1 No such user"), or what went wrong without one."""
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}"[:MAX_ERROR]
    return f"{type(exc).__name__}: {exc or 'no answer in time'}"[:MAX_ERROR]


def _answer_code(exc: BaseException) -> int | None:
    """The SMTP reply code of a refused message, if the server answered one."""
    if isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code > 0:
        return exc.code
    return None


def _claim_statement(ids: Sequence[uuid.UUID] | None, now: datetime, limit: int) -> Any:
    statement = (
        select(
            outbox.c.id,
            outbox.c.template,
            outbox.c.language,
            outbox.c.to_email,
            outbox.c.kind,
            outbox.c.purpose,
            outbox.c.contact_id,
            outbox.c.context,
            outbox.c.attempts,
            outbox.c.max_attempts,
            outbox.c.attachment_count,
            contacts.c.email_opt_outs,
            recipient_erased(outbox.c.contact_id, outbox.c.to_email, contacts.c.erased_at).label(
                "recipient_erased"
            ),
            receipts.c.accepted_at.label("receipt_at"),
        )
        .select_from(
            outbox.outerjoin(contacts, contacts.c.id == outbox.c.contact_id).outerjoin(
                receipts, receipts.c.message_id == outbox.c.id
            )
        )
        .where(outbox.c.status == OutboxStatus.PENDING, outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=outbox)
    )
    if ids is not None:
        statement = statement.where(outbox.c.id.in_(list(ids)))
    return statement


async def _attachments(
    connection: AsyncConnection, rows: Sequence[Row[Any]]
) -> dict[uuid.UUID, list[Attachment]]:
    wanted = [
        row.id
        for row in rows
        if row.attachment_count and row.receipt_at is None and not row.recipient_erased
    ]
    found: dict[uuid.UUID, list[Attachment]] = defaultdict(list)
    if wanted:
        statement = (
            select(files.c.message_id, files.c.filename, files.c.content_type, files.c.content)
            .where(files.c.message_id.in_(wanted))
            .order_by(files.c.message_id, files.c.position)
        )
        for item in (await connection.execute(statement)).all():
            found[item.message_id].append(
                Attachment(item.filename, item.content_type, bytes(item.content))
            )
    return found


_RECORD = (
    update(outbox)
    .where(outbox.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        attempts=bindparam("b_attempts"),
        next_attempt_at=bindparam("b_next_attempt_at"),
        last_error=bindparam("b_last_error"),
        sent_at=bindparam("b_sent_at"),
        updated_at=bindparam("b_updated_at"),
    )
)


# The one statement per message, so it speaks asyncpg directly (half the CPU of a Core
# execute); autocommit: each receipt is durable on its own before the next message goes.
_RECEIPT = (
    "INSERT INTO outbox_receipts (message_id, accepted_at, reply) VALUES ($1, $2, $3) "
    "ON CONFLICT (message_id) DO NOTHING"
)


async def deliver_batch(
    courier: Courier, *, ids: Sequence[uuid.UUID] | None = None, now: datetime | None = None
) -> BatchReport:
    """Claim up to one batch of due messages (among `ids`, if given) and deliver it.

    Safe to run any number of times, in any number of processes, at once: a message is
    claimed by one batch at a time and a sent one is never claimed again.
    """
    clock: Clock = (lambda: now) if now is not None else utcnow
    report = BatchReport()
    async with courier.engine.connect() as claim, claim.begin():
        await act_as_on(claim, SYSTEM)  # the claim reads contacts' opt-outs (row-level security)
        statement = _claim_statement(ids, clock(), courier.batch_size)
        rows = (await claim.execute(statement)).all()
        report.claimed = len(rows)
        if not rows:
            return report
        attachments = await _attachments(claim, rows)
        outcomes = await _send_all(courier, rows, attachments, clock)
        await claim.execute(
            _RECORD,
            [
                {
                    "b_id": o.id,
                    "b_status": o.status,
                    "b_attempts": o.attempts,
                    "b_next_attempt_at": o.next_attempt_at,
                    "b_last_error": o.last_error,
                    "b_sent_at": o.sent_at,
                    "b_updated_at": clock(),
                }
                for o in outcomes
            ],
        )
        await _forget_erased(claim, rows)
    retries: dict[tuple[datetime, int], list[uuid.UUID]] = defaultdict(list)
    for row, outcome in zip(rows, outcomes, strict=True):
        if outcome.status is OutboxStatus.SENT:
            report.sent.append(outcome.id)
            report.recovered += row.receipt_at is not None
        elif outcome.status is OutboxStatus.FAILED:
            report.failed.append(outcome.id)
        elif outcome.status is OutboxStatus.SKIPPED:
            report.skipped.append(outcome.id)
        else:
            retries[(outcome.next_attempt_at, outcome.attempts)].append(outcome.id)
    report.retries = [Retry(at, attempts, ids) for (at, attempts), ids in retries.items()]
    return report


async def _forget_erased(connection: AsyncConnection, rows: Sequence[Row[Any]]) -> None:
    """The claimed messages to erased recipients lose their address, context and attachments,
    as erasure leaves the messages it skips (network/privacy/erasure.py)."""
    erased = [row for row in rows if row.recipient_erased and row.receipt_at is None]
    if not erased:
        return
    await connection.execute(
        update(outbox)
        .where(outbox.c.id == bindparam("b_id"))
        .values(to_email=bindparam("b_to_email"), context={}, attachment_count=0),
        [{"b_id": row.id, "b_to_email": erased_address(row.contact_id)} for row in erased],
    )
    await connection.execute(delete(files).where(files.c.message_id.in_([r.id for r in erased])))


async def _send_all(
    courier: Courier,
    rows: Sequence[Row[Any]],
    attachments: dict[uuid.UUID, list[Attachment]],
    clock: Clock,
) -> list[_Outcome]:
    outcomes: list[_Outcome] = []
    relay = _Relay(courier.smtp)
    unreachable: str | None = None
    started = clock()  # backoff counts from here, so a batch's retries stay one batch
    async with courier.receipts.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        ledger = (await connection.get_raw_connection()).driver_connection
        try:
            for row in rows:
                if unreachable is not None:
                    outcomes.append(_temporary(courier, row, unreachable, started))
                    continue
                try:
                    outcomes.append(
                        await _deliver_one(courier, relay, ledger, row, attachments, clock, started)
                    )
                except _ConnectFailed as exc:
                    server = f"{courier.smtp.host}:{courier.smtp.port}"
                    unreachable = f"cannot connect to {server}: {exc}"
                    logger.warning("outbox: %s", unreachable)
                    outcomes.append(_temporary(courier, row, unreachable, started))
        finally:
            await relay.close()
    return outcomes


async def _deliver_one(
    courier: Courier,
    relay: _Relay,
    ledger: Any,  # the asyncpg connection under the receipts engine's AsyncConnection
    row: Row[Any],
    attachments: dict[uuid.UUID, list[Attachment]],
    clock: Clock,
    started: datetime,
) -> _Outcome:
    """Deliver one claimed message; raises _ConnectFailed when the relay is unreachable."""
    if row.receipt_at is not None:  # accepted in a batch that died before recording it
        attempts = row.attempts + 1  # that batch's attempt, rolled back with it
        return _Outcome(row.id, OutboxStatus.SENT, attempts, clock(), None, row.receipt_at)
    if row.recipient_erased:
        return _Outcome(row.id, OutboxStatus.SKIPPED, row.attempts, clock(), RECIPIENT_ERASED, None)
    withdrawn = _withdrawn_purpose(row)
    if withdrawn is not None:
        reason = f"the contact withdrew consent to {withdrawn.value} ({withdrawn.kind} emails)"
        return _Outcome(row.id, OutboxStatus.SKIPPED, row.attempts, clock(), reason, None)
    attempts = row.attempts + 1
    try:
        address = parse_email(row.to_email)
    except InvalidEmail as exc:
        error = f"not a deliverable email address: {exc.reason}"
        return _Outcome(row.id, OutboxStatus.FAILED, attempts, clock(), error[:MAX_ERROR], None)
    try:
        data = _compose(courier, row, address, attachments.get(row.id, ()), clock())
    except Exception as exc:  # a broken template must fail its message, not stall the outbox
        if isinstance(exc, TemplateError | LookupError):
            logger.error("outbox: message %s cannot be rendered: %s", row.id, exc)
        else:
            logger.exception("outbox: message %s cannot be rendered", row.id)
        error = f"template {row.template!r} ({row.language}): {type(exc).__name__}: {exc}"
        return _Outcome(row.id, OutboxStatus.FAILED, attempts, clock(), error[:MAX_ERROR], None)
    try:
        reply = await relay.send(address, data)
    except _ConnectFailed:
        raise
    except _NoSmtpUtf8:
        error = "the mail server does not offer SMTPUTF8, which this address needs"
        return _Outcome(row.id, OutboxStatus.FAILED, attempts, clock(), error, None)
    except ValueError as exc:  # aiosmtplib refuses an address it cannot put on the wire
        return _Outcome(row.id, OutboxStatus.FAILED, attempts, clock(), str(exc), None)
    except (aiosmtplib.SMTPException, OSError) as exc:
        code = _answer_code(exc)
        if code is None or code == 421:  # the connection is gone: the next message reconnects
            relay.drop()
        if code is not None and 500 <= code < 600:
            return _Outcome(row.id, OutboxStatus.FAILED, attempts, clock(), _describe(exc), None)
        return _temporary(courier, row, _describe(exc), started)
    accepted_at = clock()
    await ledger.execute(_RECEIPT, row.id, accepted_at, reply[:MAX_ERROR])
    return _Outcome(row.id, OutboxStatus.SENT, attempts, accepted_at, None, accepted_at)


def _consent_purpose(row: Row[Any]) -> ConsentPurpose | None:
    """The consent purpose of a message to a contact; None for a transactional one (or one
    to an address that is no contact's), which is never skipped for consent."""
    if row.contact_id is None or not needs_consent(row.purpose):
        return None
    try:
        return ConsentPurpose(row.purpose)
    except ValueError:  # not a purpose this code knows: treat it as needing no consent
        return None


def _withdrawn_purpose(row: Row[Any]) -> ConsentPurpose | None:
    """The message's purpose if its contact has withdrawn consent to it (the ledger's derived
    cache, `contacts.email_opt_outs`, read by the claim); else None."""
    purpose = _consent_purpose(row)
    if purpose is not None and purpose.kind in (row.email_opt_outs or ()):
        return purpose
    return None


def _compose(
    courier: Courier,
    row: Row[Any],
    to: EmailAddress,
    attachments: Sequence[Attachment],
    date: datetime,
) -> bytes:
    # A bulk email (one that needs consent) carries its unsubscribe link: RFC 8058's headers
    # and a visible link in the footer of each language.
    purpose = _consent_purpose(row)
    url = unsubscribe_url(row.contact_id, purpose) if purpose is not None else None
    unsubscribe = Unsubscribe(url, purpose.value) if url and purpose else None
    email = courier.renderer.render(
        row.template, row.language, row.context, unsubscribe=unsubscribe
    )
    return build_message(
        message_id=f"<{row.id}@{courier.smtp.domain}>",
        sender=courier.smtp.from_header,
        to=to.wire,
        subject=email.subject,
        text=email.text,
        html=email.html,
        date=date,
        languages=email.languages,
        attachments=attachments,
        list_unsubscribe=url,
    )


def _temporary(courier: Courier, row: Row[Any], error: str, now: datetime) -> _Outcome:
    """A temporary failure: retry later with backoff, or give up after max_attempts."""
    attempts = row.attempts + 1
    if attempts >= row.max_attempts:
        error = f"gave up after {attempts} attempts; last: {error}"
        return _Outcome(row.id, OutboxStatus.FAILED, attempts, now, error[:MAX_ERROR], None)
    retry_at = now + courier.retry.delay(attempts)
    return _Outcome(row.id, OutboxStatus.PENDING, attempts, retry_at, error[:MAX_ERROR], None)


async def due_count(
    engine: AsyncEngine, *, now: datetime | None = None, older_than: float = 0.0, cap: int = 10_000
) -> int:
    """How many PENDING messages have been due for at least `older_than` seconds (at most cap)."""
    cutoff = (now or utcnow()) - timedelta(seconds=older_than)
    due = (
        select(outbox.c.id)
        .where(outbox.c.status == OutboxStatus.PENDING, outbox.c.next_attempt_at <= cutoff)
        .limit(cap)
        .subquery()
    )
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(due))).scalar_one())
