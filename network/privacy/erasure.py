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
  (their certificates' revocation reasons; their training evaluations' comments; audit
  entries about their contact, users, bookings, certificates and invitations) every address,
  full name ("First Last", "Last, First") and lone first or last name, as whole words in any
  case, becomes "[erased]".
  In text shared with others (their member's progress notes and initiatives, the agendas and
  cancellation reasons of their meetings and sessions, other audit entries, other people's
  emails, SMTP replies) only their full names and the addresses no one else holds do: a
  lone "Will" or "Hall" there is as likely a colleague's word ("the Town Hall") as theirs,
  and a wrong cut cannot be undone. The rows of a live contact or user sharing their
  address (its audit entries and emails) are left alone;
- their personal-data exports and calendar feeds are deleted.

One transaction, idempotent (erasing an erased contact changes nothing), audited as
`contact.erased` with the reason only (who, when, why; not what).

`erase_people` erases a batch (retention's) with the same result, reading each table of shared
text (outbox bodies and SMTP errors and replies, the audit trail) once for the whole batch
instead of once per person; `erase_person` is a batch of one.
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
    bindparam,
    case,
    cast,
    delete,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
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
from network.feeds.models import CalendarFeed
from network.initiatives.models import Initiative
from network.kit.emails import lookup_email
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
from network.training.models import Booking, TrainingEvaluation, TrainingSession

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

    @staticmethod
    def none() -> LiveHolders:
        return LiveHolders(frozenset(), frozenset(), frozenset())

    def record_set(self) -> frozenset[tuple[str, uuid.UUID]]:
        """The same records, as a set."""
        return frozenset(self.records())

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


# A row of shared text is searched only for the people one of whose terms has all its words
# in it (casefolded words): one pass over each shared table per batch, whatever the number of
# terms. The characters below fold to something that is not
# one word character, or match a letter of another fold when case is ignored (Turkish dotted
# and dotless i, a few Greek and Latin letters with accents): text holding one, and terms
# holding one, are searched with every scrubber, as before.
_WORDS = re.compile(r"\w+")
_ODD_FOLDS = re.compile(
    "[\u0130\u0131\u01f0\u0390\u03b0\u1e96\u1e97\u1e98\u1e99\u1f50\u1f52\u1f54\u1f56\u1fb6"
    "\u1fb7\u1fc6\u1fc7\u1fd2\u1fd3\u1fd6\u1fd7\u1fe2\u1fe3\u1fe4\u1fe6\u1fe7\u1ff6\u1ff7]"
)
# Up to this many terms in a batch, the database picks the candidate rows itself (one regular
# expression over the text); beyond, every row with text is read once and sorted here.
MAX_TERMS_IN_SQL = 12
STREAM_ROWS = 2000


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _sql_pattern(term: str) -> str:
    """A PostgreSQL regular expression (case ignored) found wherever the term's words are, in
    order (anything between them, as JSON escapes a line break): a superset of the term's
    whole-word matches in a column or its JSON, to pick candidate rows."""
    words = (re.sub(r"[!-/:-@\[-`{-~]", _sql_escaped, w) for w in term.split())
    return ".*".join(words)


def _sql_escaped(match: re.Match[str]) -> str:
    # JSON as text escapes a quote and a backslash with a backslash.
    char = match.group()
    return {'"': r'\\?"', "\\": r"\\\\?"}.get(char, "\\" + char)


@dataclass(slots=True)
class _Erasure:
    """One person being erased in a batch: what names them and what is theirs."""

    contact: Contact
    users: list[User]
    identity: Identity
    holders: LiveHolders = field(default_factory=LiveHolders.none)
    gone: list[str] = field(default_factory=list)
    own: Scrubber = field(default_factory=lambda: Scrubber([]))
    shared: Scrubber = field(default_factory=lambda: Scrubber([]))
    records: set[tuple[str, uuid.UUID]] = field(default_factory=set)


class _Index:
    """Which people of a batch a piece of shared text may name (a superset, by word)."""

    def __init__(self, people: Sequence[_Erasure]) -> None:
        self.people = [p for p in people if p.shared.pattern is not None]
        # A term's key word (its longest; an address's, before the @: the domain is everyone's)
        # -> the people with such a term, and all the term's words.
        self.by_word: dict[str, list[tuple[int, frozenset[str]]]] = {}
        self.always: set[int] = set()
        for number, person in enumerate(self.people):
            for term in person.shared.terms:
                words = _WORDS.findall(term.casefold())
                if not words or _ODD_FOLDS.search(term):
                    self.always.add(number)
                    continue
                keys = _WORDS.findall(term.casefold().rpartition("@")[0]) or words
                entry = (number, frozenset(words))
                self.by_word.setdefault(max(keys, key=len), []).append(entry)

    def terms(self) -> list[str]:
        return [t for p in self.people for t in p.shared.terms]

    def candidate(self, column: Any) -> ColumnElement[bool] | None:
        """For a few terms, the rows whose column may hold one; else None (read them all)."""
        terms = self.terms()
        if len(terms) > MAX_TERMS_IN_SQL:
            return None
        return cast(column, Text).op("~*")("|".join(_sql_pattern(t) for t in terms))

    def who(self, values: Iterable[Any]) -> list[_Erasure]:
        """The people of the batch (in order) the strings in these values may name."""
        found = set(self.always)
        words: set[str] = set()
        for value in values:
            for text in _strings(value):
                if _ODD_FOLDS.search(text):
                    return self.people
                words.update(_WORDS.findall(text.casefold()))
        for word in words:
            for number, needed in self.by_word.get(word, ()):
                if needed <= words:
                    found.add(number)
        return [self.people[n] for n in sorted(found)]


async def erase_person(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID, reason: str
) -> ErasureResult:
    """Anonymise a contact in place, for good (staff, or the system's retention jobs)."""
    (result,) = await erase_people(session, principal, [contact_id], reason)
    return result


async def erase_people(
    session: AsyncSession, principal: Principal, contact_ids: Sequence[uuid.UUID], reason: str
) -> list[ErasureResult]:
    """Erase these contacts as `erase_person` does each, in one pass over the shared text
    (retention's batches); the results in the order of the ids. A contact that cannot be
    erased (not found) raises before anything changes."""
    require_staff(principal, "contactId")
    errors = Errors()
    clean_reason = clean_text(errors, "reason", reason, max_length=MAX_REASON)
    errors.raise_if_any()
    assert clean_reason is not None
    contacts: dict[uuid.UUID, Contact] = {}
    for contact_id in contact_ids:
        if contact_id not in contacts:
            contacts[contact_id] = await load_contact(session, principal, contact_id, "contactId")
    now = utcnow()
    already = {c.id: c.erased_at for c in contacts.values() if c.erased_at is not None}
    people: list[_Erasure] = []
    for contact in contacts.values():
        if contact.erased_at is not None:
            continue
        users = list(
            (await session.scalars(select(User).where(User.contact_id == contact.id))).all()
        )
        people.append(_Erasure(contact, users, await _identity(session, contact, users)))
    batch = [p.contact.id for p in people]
    for person in people:
        identity = person.identity
        person.holders = await _live_holders(session, batch, identity.addresses)
        person.gone = sorted(identity.addresses - person.holders.addresses)
        # Their own rows lose every trace; text shared with others only what is surely them.
        person.own = Scrubber([*identity.addresses, *identity.full_names, *identity.lone_names])
        person.shared = Scrubber([*person.gone, *identity.full_names])

    for person in people:
        contact = person.contact
        await _erase_contact(session, contact, now)
        await _erase_users(session, principal, contact.id, person.users)
        records = await _scrub_records(session, contact, person.own, person.shared)
        person.records = {*records, *(("User", u.id) for u in person.users)}
        await _empty_messages(session, contact.id, person.gone, person.own, now)
        await _scrub_own_audit(session, person.records, person.own)
        await session.execute(
            delete(PersonalDataExport).where(PersonalDataExport.contact_id == contact.id)
        )
        await session.execute(delete(CalendarFeed).where(CalendarFeed.contact_id == contact.id))
        if person.gone:
            await session.execute(
                insert(SuppressedAddress)
                .values(
                    [
                        {"address_sha256": address_digest(a), "reason": SUPPRESSED_REASON}
                        for a in person.gone
                    ]
                )
                .on_conflict_do_nothing(index_elements=["address_sha256"])
            )
    if people:
        index = _Index(people)
        await _scrub_shared_messages(session, index)
        await _scrub_replies(session, index)
        await _scrub_shared_audit(session, index)
    for person in people:
        said = person.own.text(clean_reason)
        for other in people:
            said = other.shared.text(said) if other is not person else said
        audit.record(
            session, principal, "contact.erased", "Contact", person.contact.id, {"reason": said}
        )
    await session.flush()
    return [
        ErasureResult(i, erased_at, already_erased=True)
        if (erased_at := already.get(i)) is not None
        else ErasureResult(i, now, already_erased=False)
        for i in contact_ids
    ]


async def _identity(session: AsyncSession, contact: Contact, users: Sequence[User]) -> Identity:
    """The person's addresses and names, current and former: their rows, their certificates'
    holder names, and every value the audit entries about their contact, users and
    certificates recorded under a name or address key (replayed in order, so a first name
    changed alone still pairs with the last name of its time)."""
    identity = Identity()
    identity.addresses.add(lookup_email(contact.email))
    identity.add_person(contact.first_name, contact.last_name)
    for user in users:
        identity.addresses.add(lookup_email(user.email))
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
            identity.addresses.update(lookup_email(v) for v in _values(changes.get(key)))
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
    session: AsyncSession, batch: Sequence[uuid.UUID], addresses: Iterable[str]
) -> LiveHolders:
    """The live (non-erased) contacts outside the batch being erased, and the active users
    of contacts outside it (or of none), that hold any of these addresses."""
    wanted = sorted(addresses)
    if not wanted:
        return LiveHolders.none()
    contacts = (
        await session.execute(
            select(Contact.id, Contact.email).where(
                Contact.email.in_(wanted),
                Contact.id.not_in(batch),
                Contact.erased_at.is_(None),
            )
        )
    ).all()
    users = (
        await session.execute(
            select(User.id, User.email).where(
                User.email.in_(wanted),
                User.is_active.is_(True),
                or_(User.contact_id.is_(None), User.contact_id.not_in(batch)),
            )
        )
    ).all()
    return LiveHolders(
        addresses=frozenset(lookup_email(e) for _, e in [*contacts, *users]),
        contact_ids=frozenset(i for i, _ in contacts),
        user_ids=frozenset(i for i, _ in users),
    )


async def _erase_contact(session: AsyncSession, contact: Contact, now: datetime) -> None:
    contact.first_name = FIRST_NAME
    contact.last_name = LAST_NAME
    contact.email = erased_address(contact.id)
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
        user.email = erased_address(user.id)
        user.name = USER_NAME
        user.password_hash = None
    await session.flush()
    await end_contact_access(session, principal, contact_id)
    user_ids = [u.id for u in users]
    if user_ids:
        for model in (LoginLink, PortalSignIn, ApiToken, CalendarFeed):
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
    # Their evaluations' comments are their own words: every trace of them is cut out.
    await _scrub_table(
        session,
        TrainingEvaluation.__table__,
        TrainingEvaluation.booking_id.in_(
            select(Booking.id).where(Booking.contact_id == contact.id)
        ),
        ("comments",),
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


async def _empty_messages(
    session: AsyncSession,
    contact_id: uuid.UUID,
    gone: Sequence[str],
    own: Scrubber,
    now: datetime,
) -> None:
    """The person's emails (naming their contact, or no contact and an address no one else
    holds): unaddressed, emptied, their attachments gone, the pending ones skipped; every trace
    of them scrubbed out of the SMTP errors of those naming their contact."""
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
                to_email=erased_address(contact_id),
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
    if own.pattern is None:
        return
    outbox = typed(Table, OutboxMessage.__table__)
    rows = (
        await session.execute(
            select(outbox.c.id, outbox.c.last_error).where(
                outbox.c.contact_id == contact_id, own.like_any(outbox.c.last_error)
            )
        )
    ).all()
    changes = [
        {"row_id": i, "new_error": own.text(error)}
        for i, error in rows
        if error and own.text(error) != error
    ]
    if changes:
        await session.execute(
            update(outbox)
            .where(outbox.c.id == bindparam("row_id"))
            .values(last_error=bindparam("new_error")),
            changes,
        )


async def _scrub_shared_messages(session: AsyncSession, index: _Index) -> None:
    """The batch's full names and unshared addresses scrubbed out of other people's emails
    (not the person's own, nor the live holders' of an address they shared) and their SMTP
    errors: one pass over the outbox."""
    outbox = typed(Table, OutboxMessage.__table__)
    texts = or_(outbox.c.context != cast({}, JSONB), outbox.c.last_error.is_not(None))
    in_context, in_error = index.candidate(outbox.c.context), index.candidate(outbox.c.last_error)
    where = or_(in_context, in_error) if in_context is not None and in_error is not None else texts
    columns = (outbox.c.id, outbox.c.contact_id, outbox.c.to_email, outbox.c.context)
    statement = select(*columns, outbox.c.last_error).where(where)
    changes = []
    stream = await session.stream(statement.execution_options(yield_per=STREAM_ROWS))
    async for row in stream:
        context, error = row.context, row.last_error
        for person in index.who([context, error]):
            if row.contact_id == person.contact.id:
                continue
            holders = person.holders
            if row.contact_id in holders.contact_ids or row.to_email in holders.addresses:
                continue
            context = person.shared.json(context)
            error = person.shared.text(error) if error else error
        if context != row.context or error != row.last_error:
            changes.append({"row_id": row.id, "new_context": context, "new_error": error})
    if changes:
        await session.execute(
            update(outbox)
            .where(outbox.c.id == bindparam("row_id"))
            .values(context=bindparam("new_context"), last_error=bindparam("new_error")),
            changes,
        )


async def _scrub_replies(session: AsyncSession, index: _Index) -> None:
    """The batch's full names and unshared addresses scrubbed out of the SMTP replies."""
    receipts = typed(Table, OutboxReceipt.__table__)
    found = index.candidate(receipts.c.reply)
    where = found if found is not None else receipts.c.reply.is_not(None)
    changes = []
    stream = await session.stream(
        select(receipts.c.message_id, receipts.c.reply)
        .where(where)
        .execution_options(yield_per=STREAM_ROWS)
    )
    async for message_id, reply in stream:
        text = reply
        for person in index.who([reply]):
            text = person.shared.text(text)
        if text != reply:
            changes.append({"row_id": message_id, "new_reply": text})
    if changes:
        await session.execute(
            update(receipts)
            .where(receipts.c.message_id == bindparam("row_id"))
            .values(reply=bindparam("new_reply")),
            changes,
        )


async def _scrub_own_audit(
    session: AsyncSession, records: Iterable[tuple[str, uuid.UUID]], own: Scrubber
) -> None:
    """Every trace of the person out of the audit entries about their own records (keys
    kept)."""
    wanted = sorted(records, key=str)
    if not wanted:
        return
    events = typed(Table, AuditEvent.__table__)
    rows = (
        await session.execute(
            select(events.c.id, events.c.changes).where(
                tuple_(events.c.entity_type, events.c.entity_id).in_(wanted)
            )
        )
    ).all()
    await _update_audit(session, [(i, new) for i, old in rows if (new := own.json(old)) != old])


async def _scrub_shared_audit(session: AsyncSession, index: _Index) -> None:
    """The batch's full names and unshared addresses out of the other audit entries (not the
    ones about a person's own records, nor about the live holders of an address they shared):
    one pass over the audit trail."""
    events = typed(Table, AuditEvent.__table__)
    found = index.candidate(events.c.changes)
    where = found if found is not None else events.c.changes != cast({}, JSONB)
    statement = select(events.c.id, events.c.entity_type, events.c.entity_id, events.c.changes)
    changed = []
    stream = await session.stream(statement.where(where).execution_options(yield_per=STREAM_ROWS))
    async for row in stream:
        changes = row.changes
        key = (row.entity_type, row.entity_id)
        for person in index.who([changes]):
            if key in person.records or key in person.holders.record_set():
                continue
            changes = person.shared.json(changes)
        if changes != row.changes:
            changed.append((row.id, changes))
    await _update_audit(session, changed)


async def _update_audit(session: AsyncSession, changed: Sequence[tuple[int, Any]]) -> None:
    if not changed:
        return
    events = typed(Table, AuditEvent.__table__)
    await session.execute(
        update(events)
        .where(events.c.id == bindparam("row_id"))
        .values(changes=bindparam("new_changes")),
        [{"row_id": i, "new_changes": c} for i, c in changed],
    )
