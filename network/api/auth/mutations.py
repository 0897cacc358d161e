"""The `requestLoginLink` mutation (a member's one-time sign-in link, by email: public) and
the staff's user administration: inviting, password resets, ending sessions, API tokens."""

from __future__ import annotations

from typing import Any

import strawberry

from network.api.auth.types import ApiToken, User, users_of_rows
from network.api.core.context import AnyInfo
from network.api.core.enums import Role
from network.api.core.ids import input_id
from network.api.core.mutations import UserError, run_mutation
from network.auth import login_links
from network.auth import users as user_admin
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


@strawberry.input
class InviteUserInput:
    email: str | None = strawberry.field(
        default=None,
        description=(
            "Required for a partner user. For a member contact, the contact's own address (the"
            " default); another one is refused with NOT_CONTACT_EMAIL."
        ),
    )
    name: str | None = strawberry.field(
        default=None, description="Required for a partner user; a contact's own by default."
    )
    role: Role = strawberry.field(description="PARTNER or MEMBER.")
    partner_id: strawberry.ID | None = strawberry.field(
        default=None, description="The partner a PARTNER user works for."
    )
    contact_id: strawberry.ID | None = strawberry.field(
        default=None, description="The contact a MEMBER user is."
    )
    language: str | None = strawberry.field(
        default=None, description="The invitation's language (en cy fr es de)."
    )


@strawberry.type
class UserPayload:
    user: User | None
    user_errors: list[UserError]


@strawberry.input
class SendPasswordResetInput:
    user_id: strawberry.ID


@strawberry.input
class EndUserSessionsInput:
    user_id: strawberry.ID


@strawberry.type
class EndUserSessionsPayload:
    user: User | None
    ended_sessions: int = strawberry.field(description="How many live portal sessions ended.")
    user_errors: list[UserError]


@strawberry.input
class RevokeApiTokenInput:
    token_id: strawberry.ID


@strawberry.type
class RevokeApiTokenPayload:
    api_token: ApiToken | None
    user_errors: list[UserError]


async def user_payload(info: AnyInfo, user: Any, errors: list[UserError]) -> UserPayload:
    """The payload of a mutation that changed a user."""
    if user is None:
        return UserPayload(user=None, user_errors=errors)
    (node,) = await users_of_rows(info, [user], "user")
    return UserPayload(user=node, user_errors=errors)


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

    @strawberry.mutation(
        description=(
            "Invite a partner user or a member contact to the portal (staff only): the user is "
            "created and emailed a link to choose a password (partner users) or the sign-in "
            "page (member contacts, who sign in with emailed links)."
        )
    )
    async def invite_user(self, info: AnyInfo, input: InviteUserInput) -> UserPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: user_admin.invite_user(
                s,
                p,
                email=input.email,
                name=input.name,
                role=input.role,
                partner_id=input_id(input.partner_id, "Partner"),
                contact_id=input_id(input.contact_id, "Contact"),
                language=input.language,
            ),
            input=input,
        )
        return await user_payload(info, result, errors)

    @strawberry.mutation(
        description=(
            "Email a partner or member user a one-time link to choose a new password (staff"
            " only; staff passwords are set with `network users set-password`)."
        )
    )
    async def send_password_reset(
        self, info: AnyInfo, input: SendPasswordResetInput
    ) -> UserPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: user_admin.send_password_reset(
                s, p, user_id=input_id(input.user_id, "User")
            ),
            input=input,
        )
        return await user_payload(info, result, errors)

    @strawberry.mutation(
        description="Sign a user out of the portal everywhere (staff only); tokens stay."
    )
    async def end_user_sessions(
        self, info: AnyInfo, input: EndUserSessionsInput
    ) -> EndUserSessionsPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: user_admin.end_user_sessions(
                s, p, user_id=input_id(input.user_id, "User")
            ),
            input=input,
        )
        if result is None:
            return EndUserSessionsPayload(user=None, ended_sessions=0, user_errors=errors)
        user, ended = result
        (node,) = await users_of_rows(info, [user], "user")
        return EndUserSessionsPayload(user=node, ended_sessions=ended, user_errors=errors)

    @strawberry.mutation(description="Revoke one API token of a user (staff only).")
    async def revoke_api_token(
        self, info: AnyInfo, input: RevokeApiTokenInput
    ) -> RevokeApiTokenPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: user_admin.revoke_api_token(
                s, p, token_id=input_id(input.token_id, "ApiToken")
            ),
            input=input,
        )
        return RevokeApiTokenPayload(
            api_token=ApiToken.from_row(result) if result else None, user_errors=errors
        )
