"""Reading meetings, invitations and reminders: one scope per entity, batch reads for loaders.

Who sees which meeting is decided once, in `readable`: staff see every meeting; a partner
sees the meetings of its own cohorts and not the network-wide ones (their invitee lists span
every partner's members, and staff run them); a member contact sees its cohorts' meetings and
the meetings it is invited to. Invitations are read through `readable_invitations`, which adds
the contact scope on top.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Row,
    Select,
    cast,
    func,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal, PrincipalKind
from network.auth.scope import contact_condition, visible_cohort_ids
from network.contacts.models import Contact
from network.kit.enums import MeetingStatus, Network, RsvpResponse
from network.kit.loading import rows_by_id
from network.kit.pagination import Page, keyset_page
from network.kit.sentinel import UNSET
from network.meetings.models import (
    MeetingInvitation,
    MeetingReminder,
    NetworkMeeting,
    ReminderStatus,
)

meetings = NetworkMeeting.__table__.c
invitations = MeetingInvitation.__table__.c
reminders = MeetingReminder.__table__.c
contacts = Contact.__table__.c


def visible_meeting_ids(principal: Principal) -> Select[Any] | None:
    """Ids of the meetings the principal may see; None means every meeting."""
    if principal.sees_everything:
        return None
    cohorts = visible_cohort_ids(principal)
    assert cohorts is not None
    of_cohorts = select(meetings.id).where(meetings.cohort_id.in_(cohorts))
    if principal.kind is PrincipalKind.MEMBER and principal.contact_id is not None:
        invited = select(invitations.meeting_id).where(
            invitations.contact_id == principal.contact_id
        )
        return of_cohorts.union(invited).subquery().select()
    return of_cohorts


def meeting_condition(principal: Principal, column_: Any) -> ColumnElement[bool]:
    """A WHERE condition limiting `column_` (a meeting id) to the visible meetings."""
    ids = visible_meeting_ids(principal)
    return true() if ids is None else column_.in_(ids)


def readable(principal: Principal) -> Select[Any]:
    """The meetings the principal may see, as Core rows (the only way to read meetings)."""
    return select(*meetings).where(meeting_condition(principal, meetings.id))


def readable_invitations(principal: Principal) -> Select[Any]:
    """The invitations the principal may see (visible meeting and visible contact), with names.

    The contact's names and email come along for sorting; the contact itself is loaded through
    the contacts' own scope.
    """
    return (
        select(
            *invitations,
            contacts.last_name,
            contacts.first_name,
            contacts.email,
            contacts.language,
        )
        .join(Contact, Contact.id == invitations.contact_id)
        .where(meeting_condition(principal, invitations.meeting_id), contact_condition(principal))
    )


def invitation_condition(principal: Principal, column_: Any) -> ColumnElement[bool]:
    """A WHERE condition limiting `column_` (an invitation id) to the visible invitations."""
    if principal.sees_everything:
        return true()
    visible: ColumnElement[bool] = column_.in_(
        readable_invitations(principal).with_only_columns(invitations.id)
    )
    return visible


INVITATION_ORDER = (contacts.last_name, contacts.first_name, invitations.id)
# Meetings are paged by start. keyset_page turns a cursor's values back into parameters by
# column type and knows UUIDs but not date-times, so the cursor holds the start as an integer
# (microseconds since 1970).
START_KEY = cast(func.extract("epoch", meetings.starts_at) * 1_000_000, BigInteger).label(
    "start_key"
)


@dataclass(slots=True)
class MeetingQuery:
    """Filters for listing meetings; `starts_from` inclusive, `starts_before` exclusive."""

    cohort_id: uuid.UUID | None = None
    network: Network | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    status: MeetingStatus | None = None
    newest_first: bool = False  # latest start first (past meetings)


# The same key negated, for listing the latest meetings first with the ascending keyset.
START_KEY_DESC = cast(-func.extract("epoch", meetings.starts_at) * 1_000_000, BigInteger).label(
    "start_key_desc"
)


async def list_meetings(
    session: AsyncSession,
    principal: Principal,
    query: MeetingQuery,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """A page of visible meetings ordered by start time."""
    statement = readable(principal)
    if query.cohort_id is not None:
        statement = statement.where(meetings.cohort_id == query.cohort_id)
    if query.network is not None:
        statement = statement.where(meetings.network == query.network)
    if query.starts_from is not None:
        statement = statement.where(meetings.starts_at >= query.starts_from)
    if query.starts_before is not None:
        statement = statement.where(meetings.starts_at < query.starts_before)
    if query.status is not None:
        statement = statement.where(meetings.status == query.status)
    key = START_KEY_DESC if query.newest_first else START_KEY
    statement = statement.add_columns(key)
    return await keyset_page(session, statement, [key, meetings.id], first=first, after=after)


async def next_meetings_of_cohorts(
    session: AsyncSession,
    principal: Principal,
    cohort_ids: Sequence[uuid.UUID],
    now: datetime,
) -> dict[uuid.UUID, Row[Any]]:
    """The next visible scheduled meeting of each cohort (from `now` on), in one query."""
    statement = (
        readable(principal)
        .where(
            meetings.cohort_id.in_(cohort_ids),
            meetings.starts_at >= now,
            meetings.status == MeetingStatus.SCHEDULED,
        )
        .ext(distinct_on(meetings.cohort_id))
        .order_by(meetings.cohort_id, meetings.starts_at, meetings.id)
    )
    return {row.cohort_id: row for row in (await session.execute(statement)).all()}


async def get_meetings(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Row[Any]]:
    """Visible meetings by id (missing or hidden ones are absent)."""
    return await rows_by_id(session, readable(principal), ids)


async def get_invitations(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Row[Any]]:
    """Visible invitations by id (missing or hidden ones are absent)."""
    statement = readable_invitations(principal).where(invitations.id.in_(ids))
    return {row.id: row for row in (await session.execute(statement)).all()}


def _invitations_of(
    principal: Principal, meeting_ids: Sequence[uuid.UUID], response: Any = UNSET
) -> Select[Any]:
    statement = readable_invitations(principal).where(invitations.meeting_id.in_(meeting_ids))
    if response is None:
        statement = statement.where(invitations.response.is_(None))
    elif response is not UNSET:
        statement = statement.where(invitations.response == response)
    return statement


async def list_invitations(
    session: AsyncSession,
    principal: Principal,
    meeting_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    response: Any = UNSET,
) -> Page:
    """A page of one meeting's visible invitations, by the invitee's last and first name."""
    statement = _invitations_of(principal, [meeting_id], response)
    return await keyset_page(session, statement, list(INVITATION_ORDER), first=first, after=after)


async def invitations_of_meetings(
    session: AsyncSession,
    principal: Principal,
    meeting_ids: Sequence[uuid.UUID],
    *,
    first: int,
    response: Any = UNSET,
) -> tuple[dict[uuid.UUID, list[Row[Any]]], dict[uuid.UUID, int]]:
    """The first `first` (+1) visible invitations of each meeting and each count: two queries."""
    base = _invitations_of(principal, meeting_ids, response)
    ranked = base.add_columns(
        func.row_number()
        .over(partition_by=invitations.meeting_id, order_by=INVITATION_ORDER)
        .label("rank")
    ).subquery()
    statement = (
        select(ranked)
        .where(ranked.c.rank <= first + 1)
        .order_by(ranked.c.meeting_id, ranked.c.rank)
    )
    by_meeting: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
    for row in (await session.execute(statement)).all():
        by_meeting[row.meeting_id].append(row)
    live = base.subquery()
    counted = select(live.c.meeting_id, func.count()).group_by(live.c.meeting_id)
    counts: dict[uuid.UUID, int] = dict((await session.execute(counted)).all())
    return by_meeting, counts


async def upcoming_invitations(
    session: AsyncSession,
    principal: Principal,
    contact_id: uuid.UUID,
    *,
    now: datetime,
    limit: int,
) -> list[Row[Any]]:
    """A visible contact's invitations to scheduled meetings not started yet, soonest first."""
    statement = (
        readable_invitations(principal)
        .join(NetworkMeeting, NetworkMeeting.id == invitations.meeting_id)
        .where(
            invitations.contact_id == contact_id,
            meetings.starts_at > now,
            meetings.status == MeetingStatus.SCHEDULED,
        )
        .order_by(meetings.starts_at, meetings.id)
        .limit(limit)
    )
    return list((await session.execute(statement)).all())


async def response_counts(
    session: AsyncSession, principal: Principal, meeting_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[RsvpResponse | None, int]]:
    """How many visible invitees of each meeting answered YES, NO, MAYBE or nothing (None)."""
    live = _invitations_of(principal, meeting_ids).subquery()
    statement = select(live.c.meeting_id, live.c.response, func.count()).group_by(
        live.c.meeting_id, live.c.response
    )
    result: dict[uuid.UUID, dict[RsvpResponse | None, int]] = defaultdict(dict)
    for meeting_id, response, count in (await session.execute(statement)).all():
        result[meeting_id][RsvpResponse(response) if response else None] = count
    return result


async def reminder_counts(
    session: AsyncSession, principal: Principal, meeting_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row[Any]]]:
    """Per visible meeting: (offset, due time, status, count) of its reminders, in one query.

    Only the reminders of the invitations the principal may see are counted, as
    `MeetingInvitation.reminders` lists them: a partner does not learn how many people outside
    its members are reminded, nor a member contact how many others are. For them, the visible
    invitations of these meetings are read once (materialized, as `response_counts` reads them)
    and their reminders counted: the planner ran a plain IN or join one probe per invitation,
    up to 10x slower on 17,680 invitations (BENCHMARKS.md, "Issue 12: rules").
    """
    conditions = [
        reminders.meeting_id.in_(meeting_ids),
        meeting_condition(principal, reminders.meeting_id),
    ]
    if not principal.sees_everything:
        visible = (
            _invitations_of(principal, meeting_ids)
            .with_only_columns(invitations.id)
            .cte("visible_invitations")
            .prefix_with("MATERIALIZED")
        )
        conditions.append(reminders.invitation_id.in_(select(visible.c.id)))
    statement = (
        select(
            reminders.meeting_id,
            reminders.offset_minutes,
            reminders.due_at,
            reminders.status,
            func.count().label("count"),
        )
        .where(*conditions)
        .group_by(
            reminders.meeting_id, reminders.offset_minutes, reminders.due_at, reminders.status
        )
        .order_by(reminders.meeting_id, reminders.due_at, reminders.status)
    )
    result: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
    for row in (await session.execute(statement)).all():
        result[row.meeting_id].append(row)
    return result


async def reminders_of_invitations(
    session: AsyncSession, principal: Principal, invitation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row[Any]]]:
    """The reminders sent or still planned for each visible invitation, by due time."""
    statement = (
        select(*reminders)
        .where(
            reminders.invitation_id.in_(invitation_ids),
            invitation_condition(principal, reminders.invitation_id),
            reminders.status.in_([ReminderStatus.SENT, ReminderStatus.PLANNED]),
        )
        .order_by(reminders.invitation_id, reminders.due_at, reminders.id)
    )
    result: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
    for row in (await session.execute(statement)).all():
        result[row.invitation_id].append(row)
    return result
