"""Mutations on regional partners."""

from __future__ import annotations

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.ids import input_id
from network.api.core.mutations import UserError, given, run_mutation
from network.api.partners.types import Partner
from network.partners import service as partners


@strawberry.input
class CreatePartnerInput:
    slug: str
    name: str
    countries: list[str] = strawberry.field(description="ISO 3166-1 alpha-2 codes.")


@strawberry.type
class CreatePartnerPayload:
    partner: Partner | None
    user_errors: list[UserError]


@strawberry.input
class UpdatePartnerInput:
    partner_id: strawberry.ID
    name: str | None = strawberry.UNSET
    countries: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="ISO 3166-1 alpha-2 codes (all of them)."
    )


@strawberry.type
class UpdatePartnerPayload:
    partner: Partner | None
    user_errors: list[UserError]


@strawberry.type
class PartnersMutation:
    @strawberry.mutation(description="Create a regional partner (staff only).")
    async def create_partner(
        self, info: AnyInfo, input: CreatePartnerInput
    ) -> CreatePartnerPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: partners.create_partner(
                s, p, slug=input.slug, name=input.name, countries=input.countries
            ),
            input=input,
        )
        return CreatePartnerPayload(
            partner=Partner.from_row(result) if result else None, user_errors=errors
        )

    @strawberry.mutation(
        description="Change a regional partner's name or countries (staff only; not its slug)."
    )
    async def update_partner(
        self, info: AnyInfo, input: UpdatePartnerInput
    ) -> UpdatePartnerPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: partners.update_partner(
                s,
                p,
                partner_id=input_id(input.partner_id, "Partner"),
                name=given(input.name),
                countries=given(input.countries),
            ),
            input=input,
        )
        return UpdatePartnerPayload(
            partner=Partner.from_row(result) if result else None, user_errors=errors
        )
