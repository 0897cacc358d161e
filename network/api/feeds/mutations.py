"""Mutations on the caller's calendar feed: make a new one (the URL, once), revoke it."""

from __future__ import annotations

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.mutations import UserError, run_mutation
from network.api.feeds.types import CalendarFeed
from network.feeds import service as feeds


@strawberry.input
class CreateCalendarFeedInput:
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Given back unchanged in the payload (optional)."
    )


@strawberry.type
class CreateCalendarFeedPayload:
    calendar_feed: CalendarFeed | None = strawberry.field(
        description="The new feed, with its `url` (shown this once)."
    )
    client_mutation_id: str | None
    user_errors: list[UserError]


@strawberry.input
class RevokeCalendarFeedInput:
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Given back unchanged in the payload (optional)."
    )


@strawberry.type
class RevokeCalendarFeedPayload:
    calendar_feed: CalendarFeed | None = strawberry.field(
        description="The feed revoked: its URL answers 404 from now on."
    )
    client_mutation_id: str | None
    user_errors: list[UserError]


@strawberry.type
class FeedsMutation:
    @strawberry.mutation(
        description="Make yourself a new private calendar feed (member contacts and partner "
        "users), revoking your current one: the payload holds its URL, shown this once."
    )
    async def create_calendar_feed(
        self, info: AnyInfo, input: CreateCalendarFeedInput
    ) -> CreateCalendarFeedPayload:
        issued, errors = await run_mutation(info, feeds.create_feed, input=input)
        return CreateCalendarFeedPayload(
            calendar_feed=CalendarFeed.from_row(issued.feed, issued.url) if issued else None,
            client_mutation_id=input.client_mutation_id,
            user_errors=errors,
        )

    @strawberry.mutation(
        description="Revoke your private calendar feed: its URL answers 404 from now on."
    )
    async def revoke_calendar_feed(
        self, info: AnyInfo, input: RevokeCalendarFeedInput
    ) -> RevokeCalendarFeedPayload:
        feed, errors = await run_mutation(info, feeds.revoke_feed, input=input)
        return RevokeCalendarFeedPayload(
            calendar_feed=CalendarFeed.from_row(feed) if feed else None,
            client_mutation_id=input.client_mutation_id,
            user_errors=errors,
        )
