"""Mutations on members' initiatives."""

from __future__ import annotations

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.enums import StarStep
from network.api.core.ids import input_id
from network.api.core.mutations import UserError, given, run_mutation
from network.api.initiatives.types import Initiative
from network.initiatives import service as initiatives
from network.kit.enums import FourCo


@strawberry.input
class CreateInitiativeInput:
    member_id: strawberry.ID
    title: str
    four_cos: list[FourCo] = strawberry.field(default_factory=list)
    description: str | None = None
    cohort_id: strawberry.ID | None = None
    star_step: StarStep | None = None


@strawberry.input
class UpdateInitiativeInput:
    id: strawberry.ID
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    four_cos: list[FourCo] | None = strawberry.UNSET
    star_step: StarStep | None = strawberry.UNSET


@strawberry.type
class InitiativePayload:
    initiative: Initiative | None
    user_errors: list[UserError]


@strawberry.type
class InitiativesMutation:
    @strawberry.mutation(description="Record a member's initiative, tagged with the Four Co's.")
    async def create_initiative(
        self, info: AnyInfo, input: CreateInitiativeInput
    ) -> InitiativePayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: initiatives.create_initiative(
                s,
                p,
                member_id=input_id(input.member_id, "Member"),
                title=input.title,
                four_cos=input.four_cos,
                description=input.description,
                cohort_id=input_id(input.cohort_id, "Cohort"),
                star_step=input.star_step,
            ),
            input,
        )
        return InitiativePayload(
            initiative=Initiative.from_row(result) if result else None, user_errors=errors
        )

    @strawberry.mutation(description="Change an initiative, its Four Co's tags included.")
    async def update_initiative(
        self, info: AnyInfo, input: UpdateInitiativeInput
    ) -> InitiativePayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: initiatives.update_initiative(
                s,
                p,
                input_id(input.id, "Initiative"),
                title=given(input.title),
                description=given(input.description),
                four_cos=given(input.four_cos),
                star_step=given(input.star_step),
            ),
            input,
        )
        return InitiativePayload(
            initiative=Initiative.from_row(result) if result else None, user_errors=errors
        )
