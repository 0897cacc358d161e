"""Consent as an append-only ledger: record a person's consent given or withdrawn, read it back.

The model is legitimate interest with an opt-out: a purpose with no event in the ledger counts
as given (the network writes to the officers of its member bodies about their membership until
they say no). A purpose's current consent is its latest event. `Contact.email_opt_outs`, which
delivery and the meeting planners read, is the derived cache of the ledger: the kind of each
purpose currently withdrawn, changed in the same transaction as each event appended here.

Recording the state a purpose is already in appends nothing (the call is idempotent: a mail
provider may send the same one-click unsubscribe many times), except giving consent again
with a newer wording than the one last agreed to, which is new evidence worth keeping.

Who may record: staff and the system for anyone; a partner for the contacts it may see; a
member contact for themselves, through a form only. The EMAIL_LINK channel is the system's
(the public unsubscribe link), and MIGRATION was migration 0010's alone.

Who recorded an entry is shown to whoever may see the ledger as a kind only (`Recorder`: the
person themselves, staff, a partner, the system); which user it was (their address) is told
to staff only.
"""

from __future__ import annotations

import enum
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, case, null, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.models import User
from network.auth.principal import SYSTEM, Principal, PrincipalKind
from network.auth.scope import contact_condition
from network.consent import wording
from network.consent.links import read_unsubscribe_token
from network.consent.models import ConsentEvent
from network.contacts import service as contacts
from network.contacts.models import Contact
from network.kit.enums import ConsentChannel, ConsentPurpose, Role
from network.kit.errors import DomainError, NotFound
from network.kit.pagination import Page, keyset_page

ledger_table = cast(Table, ConsentEvent.__table__)
users_table = cast(Table, User.__table__)
events = ledger_table.c
users = users_table.c
PURPOSES = tuple(ConsentPurpose)
SYSTEM_CHANNELS = frozenset({ConsentChannel.EMAIL_LINK})  # recorded by the system only
NEVER_RECORDED = frozenset({ConsentChannel.MIGRATION})  # migration 0010's alone


class Recorder(enum.StrEnum):
    """Who recorded a ledger entry, as a kind: never which user."""

    PERSON = "PERSON"  # the person themselves (their own member account)
    STAFF = "STAFF"
    PARTNER = "PARTNER"
    SYSTEM = "SYSTEM"  # an unsubscribe link, the migration, or an account since deleted


def recorder_of(principal: Principal) -> Recorder:
    """The kind of recorder an entry the principal records gets."""
    return {
        PrincipalKind.STAFF: Recorder.STAFF,
        PrincipalKind.PARTNER: Recorder.PARTNER,
        PrincipalKind.MEMBER: Recorder.PERSON,
    }.get(principal.kind, Recorder.SYSTEM)


@dataclass(frozen=True, slots=True)
class ConsentState:
    """A purpose's current consent: its latest event, or given by default when there is none."""

    purpose: ConsentPurpose
    given: bool
    since: datetime | None  # when the latest event was recorded; None: never recorded
    wording_version: str | None
    channel: ConsentChannel | None


@dataclass(frozen=True, slots=True)
class Recorded:
    """The contact after `record_consent`, and the event appended (None: nothing changed)."""

    contact: Contact
    event: ConsentEvent | None


def _default(purpose: ConsentPurpose) -> ConsentState:
    return ConsentState(purpose, True, None, None, None)


def _check_channel(principal: Principal, channel: ConsentChannel) -> None:
    """May this caller record consent through this channel?"""
    if channel in NEVER_RECORDED:
        raise DomainError.one(
            "channel", "CHANNEL_NOT_ALLOWED", "MIGRATION was used by the migration only."
        )
    if channel in SYSTEM_CHANNELS and principal.kind is not PrincipalKind.SYSTEM:
        raise DomainError.one(
            "channel",
            "CHANNEL_NOT_ALLOWED",
            "EMAIL_LINK is recorded by the unsubscribe link itself.",
        )
    if principal.kind is PrincipalKind.MEMBER and channel is not ConsentChannel.FORM:
        raise DomainError.one(
            "channel", "CHANNEL_NOT_ALLOWED", "Your own consent is recorded with FORM."
        )


def _version(purpose: ConsentPurpose, version: str | None) -> str:
    if version is None:
        return wording.current_version(purpose)
    found = wording.VERSIONS.get(version)
    if found is None or found.purpose is not purpose:
        raise DomainError.one(
            "wordingVersion", "UNKNOWN_WORDING", "No such wording version for this purpose."
        )
    return version


async def _latest(
    session: AsyncSession, contact_id: uuid.UUID, purpose: ConsentPurpose
) -> ConsentEvent | None:
    statement = (
        select(ConsentEvent)
        .where(ConsentEvent.contact_id == contact_id, ConsentEvent.purpose == purpose)
        .order_by(ConsentEvent.id.desc())
        .limit(1)
    )
    return (await session.scalars(statement)).one_or_none()


async def record_consent(
    session: AsyncSession,
    principal: Principal,
    contact_id: uuid.UUID | None,
    purpose: ConsentPurpose,
    given: bool,
    channel: ConsentChannel,
    wording_version: str | None = None,
) -> Recorded:
    """Append a consent given or withdrawn to a visible contact's ledger (see the module).

    The contact's row is locked, so two records for one person are applied one after the
    other; `email_opt_outs` gains or loses the purpose's kind in the same transaction, and the
    audit trail gets `consent.given` or `consent.withdrawn`. Recording the current state again
    appends nothing and returns `event=None`. An erased person's ledger takes no new events.
    """
    _check_channel(principal, channel)
    version = _version(purpose, wording_version)
    contact = await contacts.load_contact(session, principal, contact_id, "contactId")
    if contact.erased_at is not None:
        raise DomainError.one(
            "contactId", "ERASED", "This person's data was erased; nothing more is recorded."
        )
    latest = await _latest(session, contact.id, purpose)
    if (
        latest is not None
        and latest.given == given
        and (not given or latest.wording_version == version)
    ):
        return Recorded(contact, None)
    event = ConsentEvent(
        contact_id=contact.id,
        purpose=purpose,
        given=given,
        wording_version=version,
        channel=channel,
        recorded_by_user_id=principal.user_id,
    )
    session.add(event)
    kinds = set(contact.email_opt_outs or ())
    kinds = kinds - {purpose.kind} if given else kinds | {purpose.kind}
    if kinds != set(contact.email_opt_outs or ()):
        contact.email_opt_outs = sorted(kinds)
    await session.flush()
    audit.record(
        session,
        principal,
        "consent.given" if given else "consent.withdrawn",
        "Contact",
        contact.id,
        {"purpose": purpose, "channel": channel, "wording_version": version},
    )
    return Recorded(contact, event)


def _visible_contact_ids(principal: Principal) -> Select[Any]:
    return select(Contact.id).where(contact_condition(principal))


async def consents_of_contacts(
    session: AsyncSession, principal: Principal, contact_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ConsentState]]:
    """Each visible contact's current consent per purpose, in one statement (for DataLoaders).

    Hidden and missing contacts are absent; a purpose never recorded reads as given.
    """
    if not contact_ids:
        return {}
    visible = (
        await session.scalars(
            _visible_contact_ids(principal).where(Contact.id.in_(list(contact_ids)))
        )
    ).all()
    latest = (
        select(
            events.contact_id,
            events.purpose,
            events.given,
            events.recorded_at,
            events.wording_version,
            events.channel,
        )
        .where(events.contact_id.in_(list(visible)))
        .ext(distinct_on(events.contact_id, events.purpose))
        .order_by(events.contact_id, events.purpose, events.id.desc())
    )
    found: dict[uuid.UUID, dict[ConsentPurpose, ConsentState]] = defaultdict(dict)
    for row in (await session.execute(latest)).all():
        purpose = ConsentPurpose(row.purpose)
        found[row.contact_id][purpose] = ConsentState(
            purpose, row.given, row.recorded_at, row.wording_version, ConsentChannel(row.channel)
        )
    return {
        contact_id: [found[contact_id].get(p) or _default(p) for p in PURPOSES]
        for contact_id in visible
    }


async def current_consent(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID
) -> list[ConsentState]:
    """A visible contact's current consent, one state per purpose (given by default).

    Raises NotFound (field `contactId`) for a contact the caller may not see.
    """
    found = await consents_of_contacts(session, principal, [contact_id])
    if contact_id not in found:
        raise NotFound("contactId", "contact")
    return found[contact_id]


# Newest first: keyset pages run ascending, so the key is the id negated.
_NEWEST_FIRST = (-events.id).label("newest_first")


def _recorder() -> ColumnElement[str]:
    """The ledger row's Recorder, from the recording user's role (the person's own account
    first: a member contact records for itself only)."""
    return case(
        (events.recorded_by_user_id.is_(None), Recorder.SYSTEM.value),
        (users.contact_id == events.contact_id, Recorder.PERSON.value),
        (users.role == Role.STAFF, Recorder.STAFF.value),
        (users.role == Role.PARTNER, Recorder.PARTNER.value),
        else_=Recorder.SYSTEM.value,
    )


def readable_ledger(principal: Principal, contact_id: uuid.UUID) -> Select[Any]:
    """The ledger of one contact as the principal may see it (empty for a hidden contact);
    the recorder's address for staff only (null for anyone else)."""
    recorded_by_email = users.email if principal.sees_everything else null()
    return (
        select(
            events.id,
            events.contact_id,
            events.purpose,
            events.given,
            events.wording_version,
            events.channel,
            events.recorded_at,
            _recorder().label("recorded_by"),
            recorded_by_email.label("recorded_by_email"),
            _NEWEST_FIRST,
        )
        .select_from(ledger_table.outerjoin(users_table, users.id == events.recorded_by_user_id))
        .where(events.contact_id == contact_id)
        .where(events.contact_id.in_(_visible_contact_ids(principal)))
    )


async def consent_ledger(
    session: AsyncSession,
    principal: Principal,
    contact_id: uuid.UUID,
    *,
    first: int | None = None,
    after: str | None = None,
) -> Page:
    """A page of a visible contact's ledger, newest first (a hidden contact's is empty).

    Each row has `purpose given wording_version channel recorded_at recorded_by` (a Recorder
    value: who recorded it, as a kind) and `recorded_by_email` (the address of the user who
    recorded it, for staff only; None for anyone else, the system or a deleted account).
    """
    return await keyset_page(
        session, readable_ledger(principal, contact_id), [_NEWEST_FIRST], first=first, after=after
    )


# -- the public unsubscribe link --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnsubscribeTarget:
    """What an unsubscribe link's page shows: whose language, which purpose, its state."""

    contact_id: uuid.UUID
    purpose: ConsentPurpose
    language: str
    given: bool
    erased: bool


async def unsubscribe_target(session: AsyncSession, token: str) -> UnsubscribeTarget | None:
    """The contact and purpose an unsubscribe token names, or None when it names nothing.

    Read as the system: the signed token is the authority (network/consent/links.py).
    """
    named = read_unsubscribe_token(token)
    if named is None:
        return None
    row = (
        await session.execute(
            select(Contact.id, Contact.language, Contact.erased_at).where(
                Contact.id == named.contact_id
            )
        )
    ).one_or_none()
    if row is None:
        return None
    latest = await _latest(session, row.id, named.purpose)
    return UnsubscribeTarget(
        contact_id=row.id,
        purpose=named.purpose,
        language=row.language or "en",
        given=latest is None or latest.given,
        erased=row.erased_at is not None,
    )


async def unsubscribe(session: AsyncSession, token: str) -> UnsubscribeTarget | None:
    """Withdraw the consent an unsubscribe token names (channel EMAIL_LINK, by the system).

    Idempotent: a purpose already withdrawn appends nothing. An erased person's link changes
    nothing (they are written to no more anyway). None when the token names nothing.
    """
    target = await unsubscribe_target(session, token)
    if target is None or target.erased or not target.given:  # mail providers repeat POSTs
        return target
    await record_consent(
        session, SYSTEM, target.contact_id, target.purpose, False, ConsentChannel.EMAIL_LINK
    )
    return UnsubscribeTarget(
        target.contact_id, target.purpose, target.language, given=False, erased=False
    )
