"""The `requestLoginLink` mutation: a member's one-time sign-in link, by email (public)."""

from __future__ import annotations

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.mutations import UserError
from network.auth import login_links
from network.db import unit_of_work
from network.kit.ratelimit import too_many_email_asks


@strawberry.input
class RequestLoginLinkInput:
    email: str


@strawberry.type
class RequestLoginLinkPayload:
    accepted: bool = strawberry.field(
        description="Always true: the answer never tells whether the address has an account."
    )
    user_errors: list[UserError]


@strawberry.type
class AuthMutation:
    @strawberry.mutation(
        description=(
            "Email a one-time sign-in link to a member (public). Rate-limited per address "
            "and per client; over the limit nothing is sent, and the answer is the same."
        )
    )
    async def request_login_link(
        self, info: AnyInfo, input: RequestLoginLinkInput
    ) -> RequestLoginLinkPayload:
        session = info.context.session
        jobs = info.context.jobs
        client = info.context.client_address or "unknown"
        if jobs is not None and await too_many_email_asks(
            jobs.redis, "link", input.email or "", client
        ):
            return RequestLoginLinkPayload(accepted=True, user_errors=[])
        async with unit_of_work(session, after_commit=info.context.flush_jobs):
            await login_links.request_login_link(session, input.email)
        return RequestLoginLinkPayload(accepted=True, user_errors=[])
