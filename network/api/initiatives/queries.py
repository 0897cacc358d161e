"""Queries on members' initiatives."""

from __future__ import annotations

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.ids import filter_id
from network.api.core.relay import Connection, list_connection
from network.api.initiatives.types import Initiative
from network.initiatives import service as initiatives
from network.kit.enums import FourCo


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
            member_id=filter_id(f.member_id, "Member", "filter.memberId"),
            cohort_id=filter_id(f.cohort_id, "Cohort", "filter.cohortId"),
            four_co=f.four_co,
        )
        return await list_connection(
            initiatives.list_initiatives(
                info.context.session, principal, query, first=first, after=after
            ),
            Initiative.from_row,
        )
