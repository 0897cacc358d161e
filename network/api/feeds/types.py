"""The GraphQL type of a private calendar feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from network.api.core.relay import Node
from network.kit.ids import to_global_id


@strawberry.type(
    description="Your private calendar feed: a secret URL your calendar program subscribes "
    "to (your bookings and meetings; a partner user's: its cohorts' meetings and sessions)."
)
class CalendarFeed(Node):
    created_at: datetime
    last_used_at: datetime | None = strawberry.field(
        description="When a calendar program last read it (recorded at most once an hour)."
    )
    url: str | None = strawberry.field(
        description="The feed's URL: given once, by `createCalendarFeed`; null afterwards "
        "(only a hash of it is kept). Make a new one if it is lost."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked (its URL answers 404 since)."
    )

    @classmethod
    def from_row(cls, row: Any, url: str | None = None) -> CalendarFeed:
        """Build from a calendar_feeds row or entity (`url` only when just made)."""
        return cls(
            id=strawberry.ID(to_global_id("CalendarFeed", row.id)),
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            url=url,
            revoked_at=row.revoked_at,
        )
