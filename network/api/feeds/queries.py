"""`calendarFeed`: the caller's live calendar feed (never its URL)."""

from __future__ import annotations

import strawberry

from network.api.core.context import AnyInfo
from network.api.feeds.types import CalendarFeed
from network.feeds import service as feeds


@strawberry.type
class FeedsQuery:
    @strawberry.field(
        description="Your live calendar feed (a member contact's or a partner user's); null "
        "when you have none. Its URL is shown only when made (`createCalendarFeed`)."
    )
    async def calendar_feed(self, info: AnyInfo) -> CalendarFeed | None:
        principal = info.context.require_principal()
        row = await feeds.live_feed(info.context.session, principal)
        return CalendarFeed.from_row(row) if row else None
