"""Erasure: a person anonymised in place, for good, without breaking what others rely on.

The contact's row, its users, bookings, certificates, invitations and outbox messages stay
(the member's counts, CPD hours and attendance statistics stay true; a certificate still
verifies, its holder's name withheld); what names or reaches the person is overwritten,
nulled, scrubbed out of free text or deleted, as the register says (network/kit/pii.py tags):

- the contact: placeholder name, `erased+<id>@erased.invalid`, job title and consent details
  NULL, archived, `erased_at` set; its opt-outs and consent ledger stay (no names in them);
- its users: placeholder name and address, no password, deactivated with every session,
  token and emailed link ended (network.auth.service.end_contact_access), those rows deleted;
- bookings: the cancellation reason NULL; certificates: holder name and PDF NULL (number,
  course, date, hours, SHA-256 and status stay);
- outbox messages to the person (naming their contact, or naming no contact and sent to one
  of their addresses no one else holds): placeholder address, empty context, attachments
  deleted, the pending ones SKIPPED ("recipient erased"); planned meeting reminders SKIPPED;
- their addresses (current and former) join `suppressed_addresses` as keyed digests
  (network.kit.pii.address_digest), so the outbox never writes to them again
  (network/messaging/suppression.py has the rule) -- except an address another live
  (non-erased) contact or an active user still holds: that one stays theirs, unsuppressed
  and unscrubbed outside the person's own rows;
- free text. The person's names are their current and former ones (the values of `email`,
  `first_name`, `last_name`, `name` and `holder_name` in the audit entries about their contact,
  users and certificates, and their certificates' holder names). In rows that belong to them
  (their certificates' revocation reasons; audit entries about their contact, users,
  bookings, certificates and invitations) every address, full name ("First Last",
  "Last, First") and lone first or last name, as whole words in any case, becomes "[erased]".
  In text shared with others (their member's progress notes and initiatives, the agendas and
  cancellation reasons of their meetings and sessions, other audit entries, other people's
  emails, SMTP replies) only their full names and the addresses no one else holds do: a
  lone "Will" or "Hall" there is as likely a colleague's word ("the Town Hall") as theirs,
  and a wrong cut cannot be undone. The rows of a live contact or user sharing their
  address (its audit entries and emails) are left alone;
- their personal-data exports are deleted.

One transaction, idempotent (erasing an erased contact changes nothing), audited as
`contact.erased` with the reason only (who, when, why; not what).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from typing import cast as typed

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    case,
    cast,
    delete,
    not_,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Text

from network.audit import service as audit
from network.audit.models import AuditEvent
from network.auth.models import ApiToken, LoginLink, PortalSignIn, User
from network.auth.policy import require_staff
from network.auth.principal import Principal
from network.auth.service import end_contact_access
from network.certificates.models import Certificate
from network.contacts.models import Contact
from network.contacts.service import load_contact
from network.db import utcnow
from network.initiatives.models import Initiative
from network.kit.emails import InvalidEmail, normalize_email
from network.kit.errors import Errors
from network.kit.pii import address_digest, erased_address
from network.kit.validation import clean_text
from network.meetings.models import (
    MeetingInvitation,
    MeetingReminder,
    NetworkMeeting,
    ReminderStatus,
)
from network.messaging.models import (
    OutboxAttachment,
    OutboxMessage,
    OutboxReceipt,
    OutboxStatus,
)
from network.messaging.suppression import RECIPIENT_ERASED
from network.privacy.models import PersonalDataExport, SuppressedAddress
from network.programme.models import StepProgress
from network.training.models import Booking, TrainingSession

ERASED = "[erased]"
FIRST_NAME = "Erased"
LAST_NAME = "person"
USER_NAME = f"{FIRST_NAME} {LAST_NAME}"
SUPPRESSED_REASON = "erased"
MAX_REASON = 500
# The audit keys whose values name the person (network/contacts/service.py records a contact's
# created and changed fields under these; network/auth/service.py a user's).
ADDRESS_KEYS = ("email",)
NAME_KEYS = ("first_name", "last_name")
FULL_NAME_KEYS = ("name", "holder_name")
# Shapes an audit value may take when it records a change rather than the new value.
CHANGE_KEYS = ("before", "old", "from", "after", "new", "to")


def placeholder_email(row_id: uuid.UUID | None) -> str:
    """The address an erased contact or user is left with (network.kit.pii.erased_address)."""
    return erased_address(row_id)


def _normalized(address: str) -> str:
    try:
        return normalize_email(address)
    except InvalidEmail:
        return address.strip().lower()


@dataclass(frozen=True, slots=True)
class ErasureResult:
    """The erased contact and when; `already_erased` when this call had nothing left to do."""

    contact_id: uuid.UUID
    erased_at: datetime
    already_erased: bool


@dataclass(slots=True)
class Identity:
    """Everything that ever named or reached the person: addresses (normalised), full names
    and lone first and last names, current and former."""

    addresses: set[str] = field(default_factory=set)
    full_names: set[str] = field(default_factory=set)
    lone_names: set[str] = field(default_factory=set)

    def add_person(self, first: str | None, last: str | None) -> None:
        """A first and last name: each alone, and the two as full names both ways round."""
        parts = [p.strip() for p in (first, last) if p and p.strip()]
        self.lone_names.update(parts)
        if len(parts) == 2:
            self.full_names.update({f"{parts[0]} {parts[1]}", f"{parts[1]}, {parts[0]}"})


@dataclass(frozen=True, slots=True)
class LiveHolders:
    """Who else, alive, holds some of the person's addresses: those addresses, and the
    contacts and users holding them (their rows are theirs, left alone)."""

    addresses: frozenset[str]
    contact_ids: frozenset[uuid.UUID]
    user_ids: frozenset[uuid.UUID]

    def records(self) -> list[tuple[str, uuid.UUID]]:
        """The (entity type, id) of the holders, as the audit trail names them."""
        return [
            *(("Contact", i) for i in self.contact_ids),
            *(("User", i) for i in self.user_ids),
        ]


class Scrubber:
    """Cuts words out of text and JSON: each term as a whole word, in any case (the spaces
    inside a term match any run of white space)."""

    def __init__(self, terms: Iterable[str]) -> None:
        # Longest first, so a full name goes before the first name inside it.
        kept = sorted({t.strip() for t in terms if len(t.strip()) >= 2}, key=len, reverse=True)
        self.terms = kept
        alternatives = "|".join(_word_pattern(t) for t in kept)
        self.pattern = re.compile(alternatives, re.IGNORECASE) if kept else None

    def text(self, value: str) -> str:
        """The text with every term replaced by "[erased]"."""
        return self.pattern.sub(ERASED, value) if self.pattern is not None else value

    def json(self, value: Any) -> Any:
        """The same for every string inside a JSON value (keys are kept)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.json(v) for k, v in value.items()}
        return value

    def like_any(self, column: Any) -> ColumnElement[bool]:
        """Rows whose column (as text) may hold a term: the candidates to scrub."""
        text_of = cast(column, Text)
        return or_(*(text_of.ilike(_like_pattern(t), escape="\\") for t in self.terms))


def _word_pattern(term: str) -> str:
    """A term as a whole word; its inner spaces match any run of white space."""
    words = (re.escape(w) for w in term.split())
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "%" + "%".join(escaped.split()) + "%"


async def erase_person(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID, reason: str
) -> ErasureResult:
    """Anonymise a contact in place, for good (staff, or the system's retention jobs)."""
    require_staff(principal, "contactId")
    errors = Errors()
    clean_reason = clean_text(errors, "reason", reason, max_length=MAX_REASON)
    errors.raise_if_any()
    assert clean_reason is not None
    contact = await load_contact(session, principal, contact_id, "contactId")
    if contact.erased_at is not None:
        return ErasureResult(contact.id, contact.erased_at, already_erased=True)
    now = utcnow()
    users = list((await session.scalars(select(User).where(User.contact_id == contact.id))).all())
    identity = await _identity(session, contact, users)
    holders = await _live_holders(session, contact.id, identity.addresses)
    gone = sorted(identity.addresses - holders.addresses)
    # Their own rows lose every trace; text shared with others only what is surely them.
    own = Scrubber([*identity.addresses, *identity.full_names, *identity.lone_names])
    shared = Scrubber([*gone, *identity.full_names])

    await _erase_contact(session, contact, now)
    await _erase_users(session, principal, contact.id, users)
    records = await _scrub_records(session, contact, own, shared)
    records += [("User", u.id) for u in users]
    await _erase_messages(session, contact.id, gone, (own, shared), holders, now)
    await _scrub_audit(session, records, own, shared, holders)
    await session.execute(
        delete(PersonalDataExport).where(PersonalDataExport.contact_id == contact.id)
    )
    if gone:
        await session.execute(
            insert(SuppressedAddress)
            .values(
                [{"address_sha256": address_digest(a), "reason": SUPPRESSED_REASON} for a in gone]
            )
            .on_conflict_do_nothing(index_elements=["address_sha256"])
        )
    audit.record(
        session,
        principal,
        "contact.erased",
        "Contact",
        contact.id,
        {"reason": own.text(clean_reason)},
    )
    await session.flush()
    return ErasureResult(contact.id, now, already_erased=False)


async def _identity(session: AsyncSession, contact: Contact, users: Sequence[User]) -> Identity:
    """The person's addresses and names, current and former: their rows, their certificates'
    holder names, and every value the audit entries about their contact, users and
    certificates recorded under a name or address key (replayed in order, so a first name
    changed alone still pairs with the last name of its time)."""
    identity = Identity()
    identity.addresses.add(_normalized(contact.email))
    identity.add_person(contact.first_name, contact.last_name)
    for user in users:
        identity.addresses.add(_normalized(user.email))
        identity.full_names.add(user.name)
    certificates = select(Certificate.id, Certificate.holder_name).where(
        Certificate.contact_id == contact.id
    )
    certificate_rows = (await session.execute(certificates)).all()
    identity.full_names.update(h for _, h in certificate_rows if h)
    about = [
        ("Contact", contact.id),
        *(("User", u.id) for u in users),
        *(("Certificate", i) for i, _ in certificate_rows),
    ]
    events = (
        await session.execute(
            select(AuditEvent.entity_type, AuditEvent.changes)
            .where(tuple_(AuditEvent.entity_type, AuditEvent.entity_id).in_(about))
            .order_by(AuditEvent.id)
        )
    ).all()
    state: dict[str, str] = {}
    for entity_type, changes in events:
        if not isinstance(changes, dict):
            continue
        for key in ADDRESS_KEYS:
            identity.addresses.update(_normalized(v) for v in _values(changes.get(key)))
        for key in FULL_NAME_KEYS:
            identity.full_names.update(_values(changes.get(key)))
        if entity_type != "Contact":
            continue
        for key in NAME_KEYS:
            values = _values(changes.get(key))
            identity.lone_names.update(values)
            if values:
                state[key] = values[-1]
        identity.add_person(state.get("first_name"), state.get("last_name"))
    identity.addresses.discard("")
    return identity


def _values(value: Any) -> list[str]:
    """The strings an audit value holds: itself, or a change's before and after."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, dict):
        return [v for key in CHANGE_KEYS for v in _values(value.get(key))]
    if isinstance(value, list):
        return [v for item in value for v in _values(item)]
    return []


async def _live_holders(
    session: AsyncSession, contact_id: uuid.UUID, addresses: Iterable[str]
) -> LiveHolders:
    """The other live (non-erased) contacts and the active users of other contacts (or of
    none) that hold any of these addresses."""
    wanted = sorted(addresses)
    if not wanted:
        return LiveHolders(frozenset(), frozenset(), frozenset())
    contacts = (
        await session.execute(
            select(Contact.id, Contact.email).where(
                Contact.email.in_(wanted), Contact.id != contact_id, Contact.erased_at.is_(None)
            )
        )
    ).all()
    users = (
        await session.execute(
            select(User.id, User.email).where(
                User.email.in_(wanted),
                User.is_active.is_(True),
                or_(User.contact_id.is_(None), User.contact_id != contact_id),
            )
        )
    ).all()
    return LiveHolders(
        addresses=frozenset(_normalized(e) for _, e in [*contacts, *users]),
        contact_ids=frozenset(i for i, _ in contacts),
        user_ids=frozenset(i for i, _ in users),
    )


async def _erase_contact(session: AsyncSession, contact: Contact, now: datetime) -> None:
    contact.first_name = FIRST_NAME
    contact.last_name = LAST_NAME
    contact.email = placeholder_email(contact.id)
    contact.job_title = None
    contact.consent_scope = None
    contact.consent_given_at = None
    contact.consent_method = None
    contact.archived_at = contact.archived_at or now
    contact.erased_at = now
    await session.flush()


async def _erase_users(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID, users: Sequence[User]
) -> None:
    for user in users:
        user.email = placeholder_email(user.id)
        user.name = USER_NAME
        user.password_hash = None
    await session.flush()
    await end_contact_access(session, principal, contact_id)
    user_ids = [u.id for u in users]
    if user_ids:
        for model in (LoginLink, PortalSignIn, ApiToken):
            await session.execute(delete(model).where(model.user_id.in_(user_ids)))


async def _scrub_records(
    session: AsyncSession, contact: Contact, own: Scrubber, shared: Scrubber
) -> list[tuple[str, uuid.UUID]]:
    """Null or scrub the free text of the person's own records (every trace) and of the
    records shared with others (full names and addresses only); the (entity type, id) of
    the person's own records, for the audit trail."""
    booking_ids = list(
        (await session.scalars(select(Booking.id).where(Booking.contact_id == contact.id))).all()
    )
    await session.execute(
        update(Booking)
        .where(Booking.contact_id == contact.id, Booking.cancellation_reason.is_not(None))
        .values(cancellation_reason=None)
    )
    certificate_ids = list(
        (
            await session.scalars(
                select(Certificate.id).where(Certificate.contact_id == contact.id)
            )
        ).all()
    )
    await session.execute(
        update(Certificate)
        .where(Certificate.contact_id == contact.id)
        .values(holder_name=None, pdf=None)
    )
    invitations = select(MeetingInvitation.id).where(MeetingInvitation.contact_id == contact.id)
    invitation_ids = list((await session.scalars(invitations)).all())
    await session.execute(
        update(MeetingReminder)
        .where(
            MeetingReminder.invitation_id.in_(invitations),
            MeetingReminder.status == ReminderStatus.PLANNED,
        )
        .values(status=ReminderStatus.SKIPPED)
    )
    meetings = select(MeetingInvitation.meeting_id).where(
        MeetingInvitation.contact_id == contact.id
    )
    sessions = select(Booking.session_id).where(Booking.contact_id == contact.id)
    await _scrub_table(
        session,
        Certificate.__table__,
        Certificate.contact_id == contact.id,
        ("revoked_reason",),
        own,
    )
    scrubbed_shared = [
        (
            StepProgress.__table__,
            StepProgress.member_id == contact.member_id,
            ("notes", "action_plan"),
        ),
        (Initiative.__table__, Initiative.member_id == contact.member_id, ("description",)),
        (
            NetworkMeeting.__table__,
            NetworkMeeting.id.in_(meetings),
            ("agenda", "cancellation_reason"),
        ),
        (TrainingSession.__table__, TrainingSession.id.in_(sessions), ("cancellation_reason",)),
    ]
    for table, condition, columns in scrubbed_shared:
        await _scrub_table(session, table, condition, columns, shared)
    return [
        ("Contact", contact.id),
        *(("Booking", i) for i in booking_ids),
        *(("Certificate", i) for i in certificate_ids),
        *(("MeetingInvitation", i) for i in invitation_ids),
    ]


async def _scrub_table(
    session: AsyncSession,
    table: Table | Any,
    condition: ColumnElement[bool],
    columns: Sequence[str],
    scrubber: Scrubber,
) -> int:
    """Scrub these text columns of the rows matching `condition`; the rows changed."""
    if scrubber.pattern is None:
        return 0
    cols = [table.c[name] for name in columns]
    rows = (
        await session.execute(
            select(table.c.id, *cols).where(condition, or_(*(scrubber.like_any(c) for c in cols)))
        )
    ).all()
    changed = 0
    for row in rows:
        values = {}
        for name in columns:
            old = getattr(row, name)
            if isinstance(old, str) and (new := scrubber.text(old)) != old:
                values[name] = new
        if values:
            await session.execute(update(table).where(table.c.id == row.id).values(values))
            changed += 1
    return changed


async def _erase_messages(
    session: AsyncSession,
    contact_id: uuid.UUID,
    gone: Sequence[str],
    scrubbers: tuple[Scrubber, Scrubber],
    holders: LiveHolders,
    now: datetime,
) -> None:
    """The person's emails (naming their contact, or no contact and an address no one else
    holds): unaddressed, emptied, their attachments gone, the pending ones skipped; their full
    name and unshared addresses scrubbed out of other people's emails (not the live holders'
    of a shared address) and SMTP replies."""
    theirs = or_(
        OutboxMessage.contact_id == contact_id,
        and_(OutboxMessage.contact_id.is_(None), OutboxMessage.to_email.in_(gone)),
    )
    message_ids = list((await session.scalars(select(OutboxMessage.id).where(theirs))).all())
    if message_ids:
        pending = OutboxMessage.status == OutboxStatus.PENDING
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(message_ids))
            .values(
                to_email=placeholder_email(contact_id),
                context={},
                attachment_count=0,
                status=case((pending, OutboxStatus.SKIPPED), else_=OutboxMessage.status),
                last_error=case((pending, RECIPIENT_ERASED), else_=OutboxMessage.last_error),
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            delete(OutboxAttachment).where(OutboxAttachment.message_id.in_(message_ids))
        )
    own, shared = scrubbers
    if own.pattern is None:
        return
    outbox = typed(Table, OutboxMessage.__table__)
    mine = outbox.c.contact_id == contact_id
    others = [or_(outbox.c.contact_id.is_(None), outbox.c.contact_id != contact_id)]
    if holders.contact_ids:
        others.append(
            or_(outbox.c.contact_id.is_(None), outbox.c.contact_id.not_in(holders.contact_ids))
        )
    if holders.addresses:
        others.append(outbox.c.to_email.not_in(holders.addresses))
    rows = (
        await session.execute(
            select(outbox.c.id, outbox.c.context, outbox.c.last_error, mine.label("mine")).where(
                or_(
                    # Their own messages' SMTP errors (the context is already gone).
                    and_(mine, own.like_any(outbox.c.last_error)),
                    and_(
                        or_(
                            shared.like_any(outbox.c.context), shared.like_any(outbox.c.last_error)
                        ),
                        *others,
                    ),
                )
            )
        )
    ).all()
    for row in rows:
        scrubber = own if row.mine else shared
        context = scrubber.json(row.context)
        error = scrubber.text(row.last_error) if row.last_error else row.last_error
        if context != row.context or error != row.last_error:
            await session.execute(
                update(outbox)
                .where(outbox.c.id == row.id)
                .values(context=context, last_error=error)
            )
    receipts = typed(Table, OutboxReceipt.__table__)
    replies = (
        await session.execute(
            select(receipts.c.message_id, receipts.c.reply).where(shared.like_any(receipts.c.reply))
        )
    ).all()
    for message_id, reply in replies:
        await session.execute(
            update(receipts)
            .where(receipts.c.message_id == message_id)
            .values(reply=shared.text(reply))
        )


async def _scrub_audit(
    session: AsyncSession,
    records: Sequence[tuple[str, uuid.UUID]],
    own: Scrubber,
    shared: Scrubber,
    holders: LiveHolders,
) -> None:
    """Audit entries keep their keys: values naming the person become "[erased]" (every
    trace in entries about their own records; their full names and unshared addresses in any
    other, except the entries about the live holders of a shared address)."""
    events = typed(Table, AuditEvent.__table__)
    keys = tuple_(events.c.entity_type, events.c.entity_id)
    about_them = keys.in_(records) if records else events.c.id.is_(None)
    others = [not_(keys.in_(holders.records()))] if holders.records() else []
    candidates = or_(about_them, and_(shared.like_any(events.c.changes), *others))
    rows = (
        await session.execute(
            select(events.c.id, events.c.changes, about_them.label("about")).where(candidates)
        )
    ).all()
    for row in rows:
        scrubber = own if row.about else shared
        changes = scrubber.json(row.changes)
        if changes != row.changes:
            await session.execute(
                update(events).where(events.c.id == row.id).values(changes=changes)
            )
