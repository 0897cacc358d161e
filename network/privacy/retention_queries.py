"""The set-based statements behind retention (network/privacy/retention.py): what is due now.

A contact's last activity is the latest of: its own creation and last change, its bookings
(booked, cancelled, and the end of the session when not cancelled: a booking for next month
keeps its person), its meeting invitations (invited, answered, and the end of the meeting
when it is not cancelled nor declined: an invitation to a meeting next year keeps its person
too), its consent ledger entries,
and its user's portal sign-ins and token use. It is computed in one statement for every
contact old enough to be a candidate at all (created and changed before the earliest cutoff
of any rule: a cheap filter on the contacts table), never contact by contact in Python.

Each rule's days depend on the partner of the member (rules per partner), written into the
statements as a CASE over the few partners whose days differ from the network-wide rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

import orjson
from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.models import ApiToken, LoginLink, PortalSignIn, User
from network.consent.models import ConsentEvent
from network.contacts.models import Contact
from network.kit.enums import MeetingStatus, RsvpResponse
from network.kit.masking import mask_emails
from network.meetings.models import MeetingInvitation, NetworkMeeting
from network.members.models import Member
from network.messaging.models import OutboxAttachment, OutboxMessage, OutboxReceipt, OutboxStatus
from network.messaging.service import PRUNED_CONTEXT
from network.privacy.models import ExportStatus, PersonalDataExport, RetentionRuleKind
from network.training.enums import BookingStatus
from network.training.models import Booking, TrainingSession

Kind = RetentionRuleKind
contacts = cast(Table, Contact.__table__)
members = cast(Table, Member.__table__)
bookings = cast(Table, Booking.__table__)
training_sessions = cast(Table, TrainingSession.__table__)
invitations = cast(Table, MeetingInvitation.__table__)
meetings = cast(Table, NetworkMeeting.__table__)
consent_events = cast(Table, ConsentEvent.__table__)
users = cast(Table, User.__table__)
portal_sessions = cast(Table, PortalSignIn.__table__)
login_links = cast(Table, LoginLink.__table__)
api_tokens = cast(Table, ApiToken.__table__)
outbox = cast(Table, OutboxMessage.__table__)
attachments = cast(Table, OutboxAttachment.__table__)
receipts = cast(Table, OutboxReceipt.__table__)
exports = cast(Table, PersonalDataExport.__table__)

FINISHED = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.SKIPPED)
EMPTY_JSON: ColumnElement[Any] = literal_column("'{}'::jsonb")
PRUNED_JSON: ColumnElement[Any] = literal_column(
    f"'{orjson.dumps(PRUNED_CONTEXT).decode()}'::jsonb"
)


class Target(StrEnum):
    """The rows a rule acts on."""

    CONTACTS = "contacts"
    OUTBOX_BODIES = "outbox bodies"
    PORTAL_SESSIONS = "portal sessions"
    LOGIN_LINKS = "sign-in links"
    API_TOKENS = "API tokens"
    EXPORT_FILES = "export files"


# The rule kind behind each target other than contacts (three rules act on contacts).
KINDS_OF_TARGET: dict[Target, RetentionRuleKind] = {
    Target.OUTBOX_BODIES: Kind.OUTBOX_BODIES,
    Target.PORTAL_SESSIONS: Kind.SIGN_IN_RECORDS,
    Target.LOGIN_LINKS: Kind.SIGN_IN_RECORDS,
    Target.API_TOKENS: Kind.SIGN_IN_RECORDS,
}


@dataclass(frozen=True, slots=True)
class DaysTable:
    """The days of each rule kind, network-wide and for the partners whose days differ."""

    network: dict[RetentionRuleKind, int]
    partners: dict[RetentionRuleKind, dict[uuid.UUID, int]]

    @classmethod
    def of(
        cls,
        days: Callable[[uuid.UUID | None, RetentionRuleKind], int],
        partner_ids: Sequence[uuid.UUID],
    ) -> DaysTable:
        """From a function giving the days of (partner or None, kind)."""
        network = {kind: days(None, kind) for kind in Kind}
        partners = {
            kind: {p: days(p, kind) for p in partner_ids if days(p, kind) != network[kind]}
            for kind in Kind
        }
        return cls(network=network, partners=partners)

    def fewest(self, kinds: Sequence[RetentionRuleKind]) -> int:
        """The fewest days any partner's rule of these kinds says (for a cheap first filter)."""
        return min(min([self.network[kind], *self.partners[kind].values()]) for kind in kinds)

    def days(self, kind: RetentionRuleKind, partner: ColumnElement[Any]) -> ColumnElement[int]:
        """The days of `kind` for the partner in `partner` (NULL: network-wide)."""
        differing = self.partners[kind]
        if not differing:
            return literal(self.network[kind])
        return case(
            *((partner == partner_id, literal(n)) for partner_id, n in differing.items()),
            else_=literal(self.network[kind]),
        )


def before(now: datetime, days: int | ColumnElement[int]) -> ColumnElement[datetime]:
    """The instant `days` days before `now`."""
    return literal(now) - func.make_interval(0, 0, 0, days)


def _activity(only: Sequence[uuid.UUID] | None) -> Any:
    """(contact_id, at): the latest activity of each contact that has any besides its own row,
    one aggregate over a UNION ALL of the tables that record some (a hash join away from the
    contacts: per-contact lookups cost 3 s for 50,000 contacts, this a fraction of it)."""
    user_contact = users.c.contact_id
    booked = func.greatest(
        bookings.c.booked_at,
        bookings.c.cancelled_at,
        case((bookings.c.status != BookingStatus.CANCELLED, training_sessions.c.ends_at)),
    )
    # The meeting counts unless it is cancelled or the invitee said no (no answer, yes or
    # maybe: the person may still come), as a booking counts its session.
    going = and_(
        meetings.c.status != MeetingStatus.CANCELLED,
        or_(invitations.c.response.is_(None), invitations.c.response != RsvpResponse.NO),
    )
    invited = func.greatest(
        invitations.c.invited_at, invitations.c.responded_at, case((going, meetings.c.ends_at))
    )
    branches: list[tuple[Any, ColumnElement[Any], ColumnElement[datetime]]] = [
        (bookings.join(training_sessions), bookings.c.contact_id, booked),
        (invitations.join(meetings), invitations.c.contact_id, invited),
        (consent_events, consent_events.c.contact_id, consent_events.c.recorded_at),
        (portal_sessions.join(users), user_contact, portal_sessions.c.created_at),
        (api_tokens.join(users), user_contact, api_tokens.c.last_used_at),
    ]
    selects = []
    for source, contact_id, at in branches:
        branch = select(contact_id.label("contact_id"), at.label("at")).select_from(source)
        branch = branch.where(contact_id.is_not(None), at.is_not(None))
        if only is not None:
            branch = branch.where(contact_id.in_(only))
        selects.append(branch)
    every = union_all(*selects).subquery("every_activity")
    return (
        select(every.c.contact_id, func.max(every.c.at).label("at"))
        .group_by(every.c.contact_id)
        .subquery("activity")
    )


def _contacts_due(now: datetime, days: DaysTable, only: Sequence[uuid.UUID] | None) -> Any:
    """(id, partner_id, kind) of the contacts a contact rule erases now: the first rule of
    archived, prospect, inactive that holds names the reason."""
    c = contacts.c
    kinds = (Kind.ARCHIVED_CONTACTS, Kind.PROSPECT_CONTACTS, Kind.INACTIVE_CONTACTS)
    earliest = before(now, days.fewest(kinds))
    activity = _activity(only)
    candidates = (
        select(
            c.id,
            c.archived_at,
            members.c.membership_status.label("status"),
            members.c.partner_id,
            # GREATEST skips NULLs: a contact with no other activity is judged by its row.
            func.greatest(c.created_at, c.updated_at, activity.c.at).label("last_activity"),
        )
        .select_from(contacts.join(members).outerjoin(activity, activity.c.contact_id == c.id))
        .where(c.erased_at.is_(None), func.greatest(c.created_at, c.updated_at) < earliest)
    )
    if only is not None:
        candidates = candidates.where(c.id.in_(only))
    # Materialised: each candidate's last activity is computed once, however often it is read.
    found = candidates.cte("candidates").prefix_with("MATERIALIZED", dialect="postgresql")
    last = found.c.last_activity

    def idle(kind: RetentionRuleKind) -> ColumnElement[bool]:
        return last < before(now, days.days(kind, found.c.partner_id))

    kind = case(
        (and_(found.c.archived_at.is_not(None), idle(Kind.ARCHIVED_CONTACTS)), "ARCHIVED_CONTACTS"),
        (and_(found.c.status == "PROSPECT", idle(Kind.PROSPECT_CONTACTS)), "PROSPECT_CONTACTS"),
        (idle(Kind.INACTIVE_CONTACTS), "INACTIVE_CONTACTS"),
    )
    return (
        select(found.c.id, found.c.partner_id, kind.label("kind"))
        .where(kind.is_not(None))
        .order_by(found.c.id)
    )


async def due_contacts(
    session: AsyncSession, now: datetime, days: DaysTable
) -> list[tuple[uuid.UUID, uuid.UUID | None, RetentionRuleKind]]:
    """The contacts the contact rules erase now, with their partner and the rule."""
    rows = await session.execute(_contacts_due(now, days, None))
    return [(row.id, row.partner_id, RetentionRuleKind(row.kind)) for row in rows]


async def still_due_contacts(
    session: AsyncSession, now: datetime, days: DaysTable, ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of `ids` a contact rule still erases (not erased, no activity since)."""
    rows = await session.execute(_contacts_due(now, days, ids))
    return {row.id for row in rows}


def _user_partner() -> tuple[Any, ColumnElement[Any]]:
    """Users with the partner whose rules apply to them: their own, or their contact's member's
    (staff: none, the network-wide rules)."""
    joined = users.outerjoin(contacts, contacts.c.id == users.c.contact_id).outerjoin(
        members, members.c.id == contacts.c.member_id
    )
    return joined, func.coalesce(users.c.partner_id, members.c.partner_id)


def _ended(what: Target) -> tuple[Table, ColumnElement[datetime]]:
    """The table of a sign-in record and when such a record stopped working (LEAST skips NULLs:
    a record never revoked or used ended when it expired)."""
    if what is Target.PORTAL_SESSIONS:
        return portal_sessions, func.least(
            portal_sessions.c.expires_at, portal_sessions.c.revoked_at
        )
    if what is Target.LOGIN_LINKS:
        return login_links, func.least(login_links.c.expires_at, login_links.c.used_at)
    return api_tokens, func.least(api_tokens.c.expires_at, api_tokens.c.revoked_at)


def _not_last_sign_in(what: Target) -> ColumnElement[bool]:
    """Not the newest portal session, nor the token last used, of a member contact's user:
    those two are kept (however old) as the date of the person's last sign-in, which is one of
    their activities; deleting them would hurry the person's erasure. Links are not activity."""
    if what is Target.LOGIN_LINKS:
        return literal(True)
    table = portal_sessions if what is Target.PORTAL_SESSIONS else api_tokens
    newest = (
        table.c.created_at.desc()
        if what is Target.PORTAL_SESSIONS
        else api_tokens.c.last_used_at.desc().nulls_last()
    )
    members_users = select(users.c.id).where(users.c.contact_id.is_not(None))
    kept = (
        select(table.c.id)
        .where(table.c.user_id.in_(members_users))
        .ext(distinct_on(table.c.user_id))
        .order_by(table.c.user_id, newest, table.c.created_at.desc(), table.c.id.desc())
    )
    return table.c.id.not_in(kept)


def _finished_at() -> ColumnElement[datetime]:
    """When an outbox message reached its last state."""
    return func.coalesce(outbox.c.sent_at, outbox.c.updated_at)


def _has_body() -> ColumnElement[bool]:
    """Not pruned yet (PRUNED_CONTEXT), nor emptied by an erasure ({})."""
    return or_(
        and_(outbox.c.context != EMPTY_JSON, outbox.c.context != PRUNED_JSON),
        exists().where(attachments.c.message_id == outbox.c.id),
    )


async def due_rows(
    session: AsyncSession, now: datetime, days: DaysTable, what: Target
) -> list[tuple[uuid.UUID, uuid.UUID | None]]:
    """(id, partner_id) of the outbox messages whose bodies, or the sign-in records, a rule
    prunes or deletes now."""
    kind = KINDS_OF_TARGET[what]
    earliest = before(now, days.fewest([kind]))
    partner: ColumnElement[Any]
    if what is Target.OUTBOX_BODIES:
        partner = members.c.partner_id
        statement = (
            select(outbox.c.id, partner.label("partner_id"))
            .select_from(
                outbox.outerjoin(contacts, contacts.c.id == outbox.c.contact_id).outerjoin(
                    members, members.c.id == contacts.c.member_id
                )
            )
            .where(
                outbox.c.status.in_(FINISHED),
                outbox.c.created_at < earliest,  # never after it finished (an index serves it)
                _finished_at() < before(now, days.days(kind, partner)),
                _has_body(),
            )
        )
    else:
        table, ended = _ended(what)
        joined, partner = _user_partner()
        statement = (
            select(table.c.id, partner.label("partner_id"))
            .select_from(table.join(joined, users.c.id == table.c.user_id))
            .where(
                ended < earliest,
                ended < before(now, days.days(kind, partner)),
                _not_last_sign_in(what),
            )
        )
    rows = await session.execute(statement.order_by(literal_column("1")))
    return [(row.id, row.partner_id) for row in rows]


async def carry_out(
    session: AsyncSession, now: datetime, what: Target, days: int, ids: Sequence[uuid.UUID]
) -> int:
    """Prune the bodies of, or delete, those of `ids` still due under a rule of `days` days;
    how many."""
    cutoff = before(now, days)
    if what is Target.OUTBOX_BODIES:
        due = (
            select(outbox.c.id)
            .where(
                outbox.c.id.in_(ids),
                outbox.c.status.in_(FINISHED),
                _finished_at() < cutoff,
                _has_body(),
            )
            .with_for_update(skip_locked=True)  # a message being retried is left to next time
        )
        pruned = list((await session.scalars(due)).all())
        if pruned:
            await _prune(session, pruned)
        return len(pruned)
    table, ended = _ended(what)
    deleted = await session.execute(
        delete(table)
        .where(table.c.id.in_(ids), ended < cutoff, _not_last_sign_in(what))
        .returning(table.c.id)
    )
    return len(deleted.all())


async def _prune(session: AsyncSession, ids: list[uuid.UUID]) -> None:
    """Prune the bodies of these messages: the context becomes PRUNED_CONTEXT (which also
    stops a retry), the attachments go, and the SMTP server's refusal and acceptance keep
    their text without any address in it (masked in Python: the same shape the logs mask)."""
    await session.execute(
        update(outbox)
        .where(outbox.c.id.in_(ids))
        .values(context=PRUNED_CONTEXT, attachment_count=0)
    )
    await session.execute(delete(attachments).where(attachments.c.message_id.in_(ids)))
    errors = await session.execute(
        select(outbox.c.id, outbox.c.last_error).where(
            outbox.c.id.in_(ids), outbox.c.last_error.contains("@")
        )
    )
    await _masked(session, outbox, outbox.c.id, outbox.c.last_error, errors.all())
    replies = await session.execute(
        select(receipts.c.message_id, receipts.c.reply).where(
            receipts.c.message_id.in_(ids), receipts.c.reply.contains("@")
        )
    )
    await _masked(session, receipts, receipts.c.message_id, receipts.c.reply, replies.all())


async def _masked(
    session: AsyncSession,
    table: Table,
    key: ColumnElement[Any],
    text: ColumnElement[Any],
    rows: Sequence[Any],
) -> None:
    """Write back the text of these (key, text) rows with every address masked."""
    if not rows:
        return
    await session.execute(
        update(table).where(key == bindparam("b_key")).values({text.key: bindparam("b_text")}),
        [{"b_key": row[0], "b_text": mask_emails(row[1])} for row in rows],
    )


def _expired(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(exports.c.status == ExportStatus.READY, exports.c.expires_at < now),
        and_(exports.c.status == ExportStatus.EXPIRED, exports.c.content.is_not(None)),
    )


async def expired_exports(session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    """Personal-data exports past their expiry that still hold their ZIP."""
    statement = select(exports.c.id).where(_expired(now)).order_by(exports.c.id)
    return list((await session.scalars(statement)).all())


async def expire_exports(session: AsyncSession, now: datetime, ids: Sequence[uuid.UUID]) -> int:
    """Delete the ZIP of those of `ids` past their expiry (the row stays, EXPIRED); how many."""
    done = await session.execute(
        update(exports)
        .where(exports.c.id.in_(ids), _expired(now))
        .values(status=ExportStatus.EXPIRED, content=None)
        .returning(exports.c.id)
    )
    return len(done.all())
