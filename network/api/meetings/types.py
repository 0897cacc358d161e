"""The GraphQL types of network meetings, their invitations and reminders."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import strawberry

from network.api.contacts.types import Contact, load_contact
from network.api.core.context import AnyInfo
from network.api.core.enums import Network, StarStep
from network.api.core.errors import page_size
from network.api.core.relay import Connection, Node, connection_from_rows, list_connection
from network.api.programme.types import Cohort, load_cohort
from network.kit.enums import MeetingStatus, RsvpResponse
from network.kit.ids import to_global_id
from network.kit.pagination import encode_cursor
from network.kit.sentinel import UNSET
from network.meetings import links, repository
from network.meetings.models import ReminderStatus

strawberry.enum(RsvpResponse, description="An invitee's answer to a network meeting invitation.")
strawberry.enum(MeetingStatus, description="Whether a network meeting is still going ahead.")
strawberry.enum(ReminderStatus, description="Where one reminder stands.")


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
        return await load_cohort(info, self.cohort_id)

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
        size = page_size(first, 20)
        wanted = UNSET if response is strawberry.UNSET else response
        if after is None:
            rows, total = await info.context.loaders.meeting_invitations(size, wanted).load(
                self.db_id
            )
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
        counts = await info.context.loaders.response_counts.load(self.db_id)
        return ResponseCounts(
            yes=counts.get(RsvpResponse.YES, 0),
            no=counts.get(RsvpResponse.NO, 0),
            maybe=counts.get(RsvpResponse.MAYBE, 0),
            no_response=counts.get(None, 0),
        )

    @strawberry.field(
        description=(
            "The meeting's reminders (planned, sent, skipped, superseded) to the invitees "
            "you may see, counted like `invitations`."
        )
    )
    async def reminders(self, info: AnyInfo) -> list[ReminderGroup]:
        rows = await info.context.loaders.reminder_counts.load(self.db_id)
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
        return await load_contact(info, self.contact_id)

    @strawberry.field(description="The meeting.")
    async def meeting(self, info: AnyInfo) -> NetworkMeeting | None:
        row = await info.context.loaders.meeting.load(self.meeting_id)
        return NetworkMeeting.from_row(row) if row else None

    @strawberry.field(description="Reminders sent to this invitee, or still planned, by time.")
    async def reminders(self, info: AnyInfo) -> list[Reminder]:
        rows = await info.context.loaders.invitation_reminders.load(self.db_id)
        return [
            Reminder(
                offset_minutes=row.offset_minutes,
                due_at=row.due_at,
                status=row.status,
                sent_at=row.sent_at,
            )
            for row in rows
        ]


async def meeting_node(info: AnyInfo, raw_id: uuid.UUID) -> NetworkMeeting | None:
    """A network meeting by id, as the caller may see it."""
    row = await info.context.loaders.meeting.load(raw_id)
    return NetworkMeeting.from_row(row) if row else None


async def invitation_node(info: AnyInfo, raw_id: uuid.UUID) -> MeetingInvitation | None:
    """A meeting invitation by id, as the caller may see it."""
    row = await info.context.loaders.invitation.load(raw_id)
    return MeetingInvitation.from_row(row) if row else None
