"""The `requestLoginLink` mutation: a member's one-time sign-in link, by email (public)."""

from __future__ import annotations

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.mutations import UserError
from network.auth import login_links
from network.auth.throttle import too_many_asks
from network.db import unit_of_work


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
            "and per client; over the limit nothing is sent, and the answer is the same. "
            "A background job looks the address up, so the answer takes as long either way."
        )
    )
    async def request_login_link(
        self, info: AnyInfo, input: RequestLoginLinkInput
    ) -> RequestLoginLinkPayload:
        # No lookup here: a job looks the address up, so known and unknown addresses cost the
        # request the same (and the rate limits count HMACs of addresses, not addresses).
        context = info.context
        settings = context.settings
        jobs = context.jobs
        if jobs is not None and await too_many_asks(
            jobs.redis,
            "link",
            input.email or "",
            context.client_address or "unknown",
            secret=settings.secret_key,
            patience=settings.sign_in_limit_timeout_seconds,
        ):
            return RequestLoginLinkPayload(accepted=True, user_errors=[])
        async with unit_of_work(context.session, after_commit=context.flush_jobs) as session:
            login_links.ask_for_login_link(session, input.email.strip())
        return RequestLoginLinkPayload(accepted=True, user_errors=[])
