"""GraphQL for network meetings: types, per-request loaders, queries and mutations."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from network.api.context import InvalidArgumentError
from network.api.enums import Network, StarStep
from network.api.mutations import given, run_mutation
from network.api.queries import NODE_RESOLVERS
from network.api.relay import (
    Connection,
    Node,
    connection_from_rows,
    decode_filter_id,
    decode_id,
    list_connection,
)
from network.api.types import AnyInfo, Cohort, Contact, UserError
from network.auth.principal import Principal
from network.kit.enums import MeetingStatus, RsvpResponse
from network.kit.ids import to_global_id
from network.kit.pagination import MAX_PAGE_SIZE, encode_cursor
from network.kit.sentinel import UNSET
from network.meetings import links, repository
from network.meetings import service as meetings
from network.meetings.models import ReminderStatus

strawberry.enum(RsvpResponse, description="An invitee's answer to a network meeting invitation.")
strawberry.enum(MeetingStatus, description="Whether a network meeting is still going ahead.")
strawberry.enum(ReminderStatus, description="Where one reminder stands.")

T = TypeVar("T")
InvitationsPage = tuple[list[Any], int]
NO_SUCH_ID = uuid.UUID(int=0)  # what a malformed id becomes: it names nothing, so NOT_FOUND


# ---------------------------------------------------------------------------------------------
# Per-request loaders (kept beside the core ones; rebuilt whenever those are)


def _by_id(
    fetch: Callable[[Sequence[uuid.UUID]], Awaitable[Mapping[uuid.UUID, T]]], default: Any = None
) -> DataLoader[uuid.UUID, Any]:
    async def load(keys: list[uuid.UUID]) -> list[Any]:
        found = await fetch(keys)
        return [found.get(key, default) for key in keys]

    return DataLoader(load_fn=load)


class MeetingLoaders:
    """The meeting loaders of one request; each calls a service with the caller's principal."""

    def __init__(self, session: AsyncSession, principal: Principal, core: object) -> None:
        self.core = core
        self.session = session
        self.principal = principal
        self.meeting = _by_id(lambda ids: repository.get_meetings(session, principal, ids))
        self.invitation = _by_id(lambda ids: repository.get_invitations(session, principal, ids))
        self.response_counts = _by_id(
            lambda ids: repository.response_counts(session, principal, ids), default={}
        )
        self.reminder_counts = _by_id(
            lambda ids: repository.reminder_counts(session, principal, ids), default=[]
        )
        self.invitation_reminders = _by_id(
            lambda ids: repository.reminders_of_invitations(session, principal, ids), default=[]
        )
        self._invitations: dict[tuple[int, Any], DataLoader[uuid.UUID, InvitationsPage]] = {}

    def invitations(self, first: int, response: Any) -> DataLoader[uuid.UUID, InvitationsPage]:
        """Loader of (first `first` + 1 invitations, total) per meeting, one per argument set."""
        key = (first, response)
        if key not in self._invitations:

            async def load(ids: list[uuid.UUID]) -> list[InvitationsPage]:
                rows, counts = await repository.invitations_of_meetings(
                    self.session, self.principal, ids, first=first, response=response
                )
                return [(rows.get(i, []), counts.get(i, 0)) for i in ids]

            self._invitations[key] = DataLoader(load_fn=load)
        return self._invitations[key]


def meeting_loaders(info: AnyInfo) -> MeetingLoaders:
    """This request's meeting loaders (new ones after a mutation reset the core loaders)."""
    context = info.context
    core = context.loaders
    current = context.extra.get("meeting_loaders")
    if not isinstance(current, MeetingLoaders) or current.core is not core:
        current = MeetingLoaders(context.session, context.principal, core)
        context.extra["meeting_loaders"] = current
    return current


# ---------------------------------------------------------------------------------------------
# Types


@strawberry.type(description="How many invitees gave each answer (or none yet).")
class ResponseCounts:
    yes: int
    no: int
    maybe: int
    no_response: int


@strawberry.type(description="Reminders of a meeting for one offset and due time, by status.")
class ReminderGroup:
    offset_minutes: int
    due_at: datetime
    status: ReminderStatus
    count: int


@strawberry.type(description="One reminder planned for, or sent to, one invitee.")
class Reminder:
    offset_minutes: int
    due_at: datetime
    status: ReminderStatus
    sent_at: datetime | None


def _local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


@strawberry.type(description="A meeting of a cohort, or of a whole network, after a star step.")
class NetworkMeeting(Node):
    network: Network
    after_step: StarStep
    title: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str = strawberry.field(description="The IANA zone the meeting is held in.")
    venue: str | None
    online_url: str | None
    agenda: str | None
    reminder_offsets_minutes: list[int] = strawberry.field(
        description="Reminders go out this many minutes before the start."
    )
    status: MeetingStatus
    sequence: int = strawberry.field(description="The iCalendar SEQUENCE of the current invite.")
    cancelled_at: datetime | None
    cancellation_reason: str | None
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    cohort_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: Any) -> NetworkMeeting:
        """Build from a network_meetings row or entity."""
        return cls(
            id=strawberry.ID(to_global_id("NetworkMeeting", row.id)),
            db_id=row.id,
            cohort_id=row.cohort_id,
            network=row.network,
            after_step=row.after_step,
            title=row.title,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            time_zone=row.time_zone,
            venue=row.venue,
            online_url=row.online_url,
            agenda=row.agenda,
            reminder_offsets_minutes=list(row.reminder_offsets_minutes),
            status=row.status,
            sequence=row.sequence,
            cancelled_at=row.cancelled_at,
            cancellation_reason=row.cancellation_reason,
            created_at=row.created_at,
        )

    @strawberry.field(description="The start in the meeting's own time zone.")
    def local_starts_at(self) -> datetime:
        return _local(self.starts_at, self.time_zone)

    @strawberry.field(description="The end in the meeting's own time zone.")
    def local_ends_at(self) -> datetime:
        return _local(self.ends_at, self.time_zone)

    @strawberry.field(description="Whether the whole network meets (no cohort).")
    def network_wide(self) -> bool:
        return self.cohort_id is None

    @strawberry.field(description="The cohort that meets; null for a network-wide meeting.")
    async def cohort(self, info: AnyInfo) -> Cohort | None:
        if self.cohort_id is None:
            return None
        row = await info.context.loaders.cohort.load(self.cohort_id)
        return Cohort.from_row(row) if row else None

    @strawberry.field(description="The meeting as an .ics file (absolute URL, no login needed).")
    def ics_url(self, info: AnyInfo) -> str:
        return info.context.settings.base_url.rstrip("/") + links.ics_path(self.db_id)

    @strawberry.field(description="Who is invited and what they answered, by name.")
    async def invitations(
        self,
        info: AnyInfo,
        first: int | None = 20,
        after: str | None = None,
        response: Annotated[
            RsvpResponse | None,
            strawberry.argument(
                description="Only invitees who gave this answer; null: those yet to answer."
            ),
        ] = strawberry.UNSET,
    ) -> Connection[MeetingInvitation]:
        size = 20 if first is None else first
        if size < 0 or size > MAX_PAGE_SIZE:
            raise InvalidArgumentError(
                "first", "INVALID_PAGE_SIZE", f"first must be between 0 and {MAX_PAGE_SIZE}."
            )
        wanted = UNSET if response is strawberry.UNSET else response
        if after is None:
            rows, total = await meeting_loaders(info).invitations(size, wanted).load(self.db_id)
            return connection_from_rows(
                rows, total, size, MeetingInvitation.from_row, _invitation_cursor
            )
        return await list_connection(
            repository.list_invitations(
                info.context.session,
                info.context.principal,
                self.db_id,
                first=size,
                after=after,
                response=wanted,
            ),
            MeetingInvitation.from_row,
        )

    @strawberry.field(description="How many of the invitees you may see gave each answer.")
    async def response_counts(self, info: AnyInfo) -> ResponseCounts:
        counts = await meeting_loaders(info).response_counts.load(self.db_id)
        return ResponseCounts(
            yes=counts.get(RsvpResponse.YES, 0),
            no=counts.get(RsvpResponse.NO, 0),
            maybe=counts.get(RsvpResponse.MAYBE, 0),
            no_response=counts.get(None, 0),
        )

    @strawberry.field(description="The meeting's reminders: planned, sent, skipped, superseded.")
    async def reminders(self, info: AnyInfo) -> list[ReminderGroup]:
        rows = await meeting_loaders(info).reminder_counts.load(self.db_id)
        return [
            ReminderGroup(
                offset_minutes=row.offset_minutes,
                due_at=row.due_at,
                status=row.status,
                count=row.count,
            )
            for row in rows
        ]


def _invitation_cursor(row: Any) -> str:
    return encode_cursor([row.last_name, row.first_name, row.id])


@strawberry.type(description="A contact invited to a network meeting, and their answer.")
class MeetingInvitation(Node):
    response: RsvpResponse | None = strawberry.field(
        description="YES, NO or MAYBE; null while the invitee has not answered."
    )
    responded_at: datetime | None
    invited_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    meeting_id: strawberry.Private[uuid.UUID]
    contact_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any) -> MeetingInvitation:
        """Build from a meeting_invitations row or entity."""
        return cls(
            id=strawberry.ID(to_global_id("MeetingInvitation", row.id)),
            db_id=row.id,
            meeting_id=row.meeting_id,
            contact_id=row.contact_id,
            response=row.response,
            responded_at=row.responded_at,
            invited_at=row.invited_at,
        )

    @strawberry.field(description="The invitee.")
    async def contact(self, info: AnyInfo) -> Contact | None:
        row = await info.context.loaders.contact.load(self.contact_id)
        return Contact.from_row(row) if row else None

    @strawberry.field(description="The meeting.")
    async def meeting(self, info: AnyInfo) -> NetworkMeeting | None:
        row = await meeting_loaders(info).meeting.load(self.meeting_id)
        return NetworkMeeting.from_row(row) if row else None

    @strawberry.field(description="Reminders sent to this invitee, or still planned, by time.")
    async def reminders(self, info: AnyInfo) -> list[Reminder]:
        rows = await meeting_loaders(info).invitation_reminders.load(self.db_id)
        return [
            Reminder(
                offset_minutes=row.offset_minutes,
                due_at=row.due_at,
                status=row.status,
                sent_at=row.sent_at,
            )
            for row in rows
        ]


async def _meeting_node(info: AnyInfo, raw_id: uuid.UUID) -> Node | None:
    row = await meeting_loaders(info).meeting.load(raw_id)
    return NetworkMeeting.from_row(row) if row else None


async def _invitation_node(info: AnyInfo, raw_id: uuid.UUID) -> Node | None:
    row = await meeting_loaders(info).invitation.load(raw_id)
    return MeetingInvitation.from_row(row) if row else None


NODE_RESOLVERS["NetworkMeeting"] = _meeting_node
NODE_RESOLVERS["MeetingInvitation"] = _invitation_node


# ---------------------------------------------------------------------------------------------
# Queries


@strawberry.input(description="Filters for `networkMeetings`; `from` inclusive, `to` exclusive.")
class NetworkMeetingFilter:
    cohort_id: strawberry.ID | None = None
    network: Network | None = None
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Meetings starting at or after this time."
    )
    to: datetime | None = strawberry.field(
        default=None, description="Meetings starting before this time."
    )
    status: MeetingStatus | None = None


@strawberry.type
class MeetingsQuery:
    @strawberry.field(description="Network meetings you may see, by start time.")
    async def network_meetings(
        self,
        info: AnyInfo,
        first: int | None = 20,
        after: str | None = None,
        filter: NetworkMeetingFilter | None = None,
    ) -> Connection[NetworkMeeting]:
        principal = info.context.require_principal()
        f = filter or NetworkMeetingFilter()
        query = repository.MeetingQuery(
            cohort_id=decode_filter_id(f.cohort_id, "Cohort", "filter.cohortId"),
            network=f.network,
            starts_from=f.from_,
            starts_before=f.to,
            status=f.status,
        )
        return await list_connection(
            repository.list_meetings(
                info.context.session, principal, query, first=first, after=after
            ),
            NetworkMeeting.from_row,
        )

    @strawberry.field(description="One network meeting, or null if you may not see it.")
    async def network_meeting(self, info: AnyInfo, id: strawberry.ID) -> NetworkMeeting | None:
        info.context.require_principal()
        raw = decode_id(id, "NetworkMeeting")
        row = await meeting_loaders(info).meeting.load(raw) if raw else None
        return NetworkMeeting.from_row(row) if row else None


# ---------------------------------------------------------------------------------------------
# Mutations


def _id_or_nothing(global_id: strawberry.ID | None, type_name: str) -> uuid.UUID | None:
    """The database id; a malformed id becomes one that names nothing (so: NOT_FOUND)."""
    if global_id is None:
        return None
    return decode_id(global_id, type_name) or NO_SUCH_ID


@strawberry.input
class ScheduleNetworkMeetingInput:
    cohort_id: strawberry.ID | None = strawberry.field(
        default=None, description="The cohort that meets; omit it for a network-wide meeting."
    )
    network: Network | None = strawberry.field(
        default=None, description="For a network-wide meeting (staff only)."
    )
    after_step: StarStep
    title: str
    starts_at: datetime = strawberry.field(
        description="With an offset; a time without one is read in `timeZone`."
    )
    ends_at: datetime
    time_zone: str = strawberry.field(description="An IANA zone, e.g. Europe/Paris.")
    venue: str | None = None
    online_url: str | None = None
    agenda: str | None = None
    reminder_offsets_minutes: list[int] | None = strawberry.field(
        default=None, description="Minutes before the start; default 7 days and 1 day."
    )
    contact_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Invite exactly these contacts instead of every active one of the members.",
    )


@strawberry.input
class RescheduleNetworkMeetingInput:
    meeting_id: strawberry.ID
    title: str | None = strawberry.UNSET
    starts_at: datetime | None = strawberry.UNSET
    ends_at: datetime | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET
    venue: str | None = strawberry.UNSET
    online_url: str | None = strawberry.UNSET
    agenda: str | None = strawberry.UNSET
    reminder_offsets_minutes: list[int] | None = strawberry.UNSET


@strawberry.input
class CancelNetworkMeetingInput:
    meeting_id: strawberry.ID
    reason: str | None = None


@strawberry.type
class NetworkMeetingPayload:
    meeting: NetworkMeeting | None
    user_errors: list[UserError]


@strawberry.input
class RsvpInput:
    meeting_id: strawberry.ID
    contact_id: strawberry.ID
    response: RsvpResponse


@strawberry.type
class RsvpPayload:
    invitation: MeetingInvitation | None
    user_errors: list[UserError]


def _meeting_payload(result: Any, errors: list[UserError]) -> NetworkMeetingPayload:
    return NetworkMeetingPayload(
        meeting=NetworkMeeting.from_row(result) if result else None, user_errors=errors
    )


@strawberry.type
class MeetingsMutation:
    @strawberry.mutation(description="Schedule a network meeting and invite its people.")
    async def schedule_network_meeting(
        self, info: AnyInfo, input: ScheduleNetworkMeetingInput
    ) -> NetworkMeetingPayload:
        contact_ids = (
            None
            if input.contact_ids is None
            else [decode_id(c, "Contact") or NO_SUCH_ID for c in input.contact_ids]
        )
        result, errors = await run_mutation(
            info,
            lambda s, p: meetings.schedule_meeting(
                s,
                p,
                cohort_id=_id_or_nothing(input.cohort_id, "Cohort"),
                network=input.network,
                after_step=input.after_step,
                title=input.title,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                time_zone=input.time_zone,
                venue=input.venue,
                online_url=input.online_url,
                agenda=input.agenda,
                reminder_offsets_minutes=input.reminder_offsets_minutes,
                contact_ids=contact_ids,
            ),
            input,
        )
        return _meeting_payload(result, errors)

    @strawberry.mutation(description="Change a meeting's time or details; invitees get an update.")
    async def reschedule_network_meeting(
        self, info: AnyInfo, input: RescheduleNetworkMeetingInput
    ) -> NetworkMeetingPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: meetings.reschedule_meeting(
                s,
                p,
                _id_or_nothing(input.meeting_id, "NetworkMeeting"),
                title=given(input.title),
                starts_at=given(input.starts_at),
                ends_at=given(input.ends_at),
                time_zone=given(input.time_zone),
                venue=given(input.venue),
                online_url=given(input.online_url),
                agenda=given(input.agenda),
                reminder_offsets_minutes=given(input.reminder_offsets_minutes),
            ),
            input,
        )
        return _meeting_payload(result, errors)

    @strawberry.mutation(description="Cancel a meeting; invitees get a cancellation.")
    async def cancel_network_meeting(
        self, info: AnyInfo, input: CancelNetworkMeetingInput
    ) -> NetworkMeetingPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: meetings.cancel_meeting(
                s, p, _id_or_nothing(input.meeting_id, "NetworkMeeting"), reason=input.reason
            ),
            input,
        )
        return _meeting_payload(result, errors)

    @strawberry.mutation(description="Record an invitee's answer: YES, NO or MAYBE.")
    async def rsvp(self, info: AnyInfo, input: RsvpInput) -> RsvpPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: meetings.rsvp(
                s,
                p,
                meeting_id=_id_or_nothing(input.meeting_id, "NetworkMeeting"),
                contact_id=_id_or_nothing(input.contact_id, "Contact"),
                response=input.response,
            ),
            input,
        )
        return RsvpPayload(
            invitation=MeetingInvitation.from_row(result) if result else None, user_errors=errors
        )
