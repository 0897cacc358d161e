"""Queries on cohorts."""

from __future__ import annotations

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.enums import Network
from network.api.core.errors import filter_text
from network.api.core.ids import decode_id
from network.api.core.relay import Connection, list_connection
from network.api.partners.queries import partner_id_of_slug
from network.api.programme.types import Cohort, load_cohort
from network.programme import service as programme


@strawberry.input(description="Filters for `cohorts`.")
class CohortFilter:
    network: Network | None = None
    partner_slug: str | None = None
    search: str | None = None


@strawberry.type
class ProgrammeQuery:
    @strawberry.field(description="Cohorts you may see, by name.")
    async def cohorts(
        self,
        info: AnyInfo,
        first: int | None = 20,
        after: str | None = None,
        filter: CohortFilter | None = None,
    ) -> Connection[Cohort]:
        principal = info.context.require_principal()
        f = filter or CohortFilter()
        query = programme.CohortQuery(
            network=f.network,
            search=filter_text(f.search, "filter.search"),
            partner_id=await partner_id_of_slug(
                info, filter_text(f.partner_slug, "filter.partnerSlug")
            ),
        )
        return await list_connection(
            programme.list_cohorts(
                info.context.session, principal, query, first=first, after=after
            ),
            Cohort.from_row,
        )

    @strawberry.field(description="One cohort, or null if you may not see it.")
    async def cohort(self, info: AnyInfo, id: strawberry.ID) -> Cohort | None:
        info.context.require_principal()
        return await load_cohort(info, decode_id(id, "Cohort"))
