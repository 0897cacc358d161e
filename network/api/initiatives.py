"""GraphQL for members' initiatives tagged with the Four Co's."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from network.api.enums import StarStep
from network.api.mutations import given, run_mutation
from network.api.queries import NODE_RESOLVERS
from network.api.relay import (
    Connection,
    Node,
    decode_filter_id,
    decode_id,
    list_connection,
)
from network.api.types import AnyInfo, Cohort, Member, UserError
from network.initiatives import service as initiatives
from network.kit.enums import FourCo
from network.kit.ids import to_global_id

strawberry.enum(FourCo, description="The Four Co's: the ways a member practises co-production.")

NO_SUCH_ID = uuid.UUID(int=0)


@strawberry.type(description="A member's co-production initiative or case study.")
class Initiative(Node):
    title: str
    description: str | None
    star_step: StarStep | None
    four_cos: list[FourCo] = strawberry.field(description="The Four Co's it practises.")
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    member_id: strawberry.Private[uuid.UUID]
    cohort_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: Any) -> Initiative:
        """Build from an initiatives row or entity."""
        return cls(
            id=strawberry.ID(to_global_id("Initiative", row.id)),
            db_id=row.id,
            member_id=row.member_id,
            cohort_id=row.cohort_id,
            title=row.title,
            description=row.description,
            star_step=row.star_step,
            four_cos=[FourCo(value) for value in row.four_cos],
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="The member organisation behind it.")
    async def member(self, info: AnyInfo) -> Member | None:
        row = await info.context.loaders.member.load(self.member_id)
        return Member.from_row(row) if row else None

    @strawberry.field(description="The cohort it came out of, if any.")
    async def cohort(self, info: AnyInfo) -> Cohort | None:
        if self.cohort_id is None:
            return None
        row = await info.context.loaders.cohort.load(self.cohort_id)
        return Cohort.from_row(row) if row else None


async def _initiative_node(info: AnyInfo, raw_id: uuid.UUID) -> Node | None:
    found = await initiatives.get_initiatives(
        info.context.session, info.context.principal, [raw_id]
    )
    row = found.get(raw_id)
    return Initiative.from_row(row) if row else None


NODE_RESOLVERS["Initiative"] = _initiative_node


@strawberry.input(description="Filters for `initiatives`.")
class InitiativeFilter:
    member_id: strawberry.ID | None = None
    cohort_id: strawberry.ID | None = None
    four_co: FourCo | None = None


@strawberry.type
class InitiativesQuery:
    @strawberry.field(description="Initiatives of the members you may see, by title.")
    async def initiatives(
        self,
        info: AnyInfo,
        first: int | None = 20,
        after: str | None = None,
        filter: InitiativeFilter | None = None,
    ) -> Connection[Initiative]:
        principal = info.context.require_principal()
        f = filter or InitiativeFilter()
        query = initiatives.InitiativeQuery(
            member_id=decode_filter_id(f.member_id, "Member", "filter.memberId"),
            cohort_id=decode_filter_id(f.cohort_id, "Cohort", "filter.cohortId"),
            four_co=f.four_co,
        )
        return await list_connection(
            initiatives.list_initiatives(
                info.context.session, principal, query, first=first, after=after
            ),
            Initiative.from_row,
        )


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
        cohort_id = None
        if input.cohort_id is not None:
            cohort_id = decode_id(input.cohort_id, "Cohort") or NO_SUCH_ID
        result, errors = await run_mutation(
            info,
            lambda s, p: initiatives.create_initiative(
                s,
                p,
                member_id=decode_id(input.member_id, "Member"),
                title=input.title,
                four_cos=input.four_cos,
                description=input.description,
                cohort_id=cohort_id,
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
                decode_id(input.id, "Initiative"),
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
