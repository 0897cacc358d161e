"""Mutations on member organisations."""

from __future__ import annotations

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.enums import MembershipStatus, Network
from network.api.core.ids import input_id
from network.api.core.mutations import UserError, given, run_mutation
from network.api.members.types import Member
from network.members import service as members


@strawberry.input
class CreateMemberInput:
    name: str
    network: Network
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 code, e.g. GB, FR.")
    partner_slug: str | None = None
    region: str | None = None
    membership_status: MembershipStatus | None = None


@strawberry.input
class UpdateMemberInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    network: Network | None = strawberry.UNSET
    country: str | None = strawberry.UNSET
    partner_slug: str | None = strawberry.UNSET
    region: str | None = strawberry.UNSET
    membership_status: MembershipStatus | None = strawberry.UNSET


@strawberry.type
class MemberPayload:
    member: Member | None
    user_errors: list[UserError]


@strawberry.type
class MembersMutation:
    @strawberry.mutation(description="Create a member organisation.")
    async def create_member(self, info: AnyInfo, input: CreateMemberInput) -> MemberPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: members.create_member(
                s,
                p,
                name=input.name,
                network=input.network,
                country=input.country,
                partner_slug=input.partner_slug,
                region=input.region,
                membership_status=input.membership_status,
            ),
            input=input,
        )
        return MemberPayload(member=Member.from_row(result) if result else None, user_errors=errors)

    @strawberry.mutation(description="Change a member organisation; omitted fields are kept.")
    async def update_member(self, info: AnyInfo, input: UpdateMemberInput) -> MemberPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: members.update_member(
                s,
                p,
                input_id(input.id, "Member"),
                name=given(input.name),
                network=given(input.network),
                country=given(input.country),
                partner_slug=given(input.partner_slug),
                region=given(input.region),
                membership_status=given(input.membership_status),
            ),
            input=input,
        )
        return MemberPayload(member=Member.from_row(result) if result else None, user_errors=errors)
