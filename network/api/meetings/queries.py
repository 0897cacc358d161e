"""Queries on network meetings."""

from __future__ import annotations

from datetime import datetime

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.dates import time_range
from network.api.core.enums import Network
from network.api.core.ids import decode_id, filter_id
from network.api.core.relay import Connection, list_connection
from network.api.meetings.types import NetworkMeeting, meeting_node
from network.kit.enums import MeetingStatus
from network.meetings import repository


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
        starts_from, starts_before = time_range(f.from_, f.to)
        query = repository.MeetingQuery(
            cohort_id=filter_id(f.cohort_id, "Cohort", "filter.cohortId"),
            network=f.network,
            starts_from=starts_from,
            starts_before=starts_before,
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
        return await meeting_node(info, raw) if raw else None
