"""The GraphQL type of a member's initiative, tagged with the Four Co's."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.enums import StarStep
from network.api.core.relay import Node
from network.api.members.types import Member, load_member
from network.api.programme.types import Cohort, load_cohort
from network.initiatives import service as initiatives
from network.kit.enums import FourCo
from network.kit.ids import to_global_id

strawberry.enum(FourCo, description="The Four Co's: the ways a member practises co-production.")


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
        return await load_member(info, self.member_id)

    @strawberry.field(description="The cohort it came out of, if any.")
    async def cohort(self, info: AnyInfo) -> Cohort | None:
        return await load_cohort(info, self.cohort_id)


async def initiative_node(info: AnyInfo, raw_id: uuid.UUID) -> Initiative | None:
    """An initiative by id, as the caller may see it (for `node(id:)`)."""
    found = await initiatives.get_initiatives(
        info.context.session, info.context.principal, [raw_id]
    )
    row = found.get(raw_id)
    return Initiative.from_row(row) if row else None
