"""Mutations on network meetings: schedule, reschedule, cancel, RSVP."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.enums import Network, StarStep
from network.api.core.ids import input_id
from network.api.core.mutations import UserError, given, run_mutation
from network.api.meetings.types import MeetingInvitation, NetworkMeeting
from network.kit.enums import RsvpResponse
from network.meetings import service as meetings


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
            else [input_id(c, "Contact") for c in input.contact_ids]
        )
        result, errors = await run_mutation(
            info,
            lambda s, p: meetings.schedule_meeting(
                s,
                p,
                cohort_id=input_id(input.cohort_id, "Cohort"),
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
                input_id(input.meeting_id, "NetworkMeeting"),
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
                s, p, input_id(input.meeting_id, "NetworkMeeting"), reason=input.reason
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
                meeting_id=input_id(input.meeting_id, "NetworkMeeting"),
                contact_id=input_id(input.contact_id, "Contact"),
                response=input.response,
            ),
            input,
        )
        return RsvpPayload(
            invitation=MeetingInvitation.from_row(result) if result else None, user_errors=errors
        )
