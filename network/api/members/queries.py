"""Queries on member organisations."""

from __future__ import annotations

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.enums import MembershipStatus, Network
from network.api.core.errors import as_argument_error, filter_text
from network.api.core.ids import decode_id, filter_id
from network.api.core.relay import Connection
from network.api.members.types import Member, load_member, member_connection
from network.api.partners.queries import partner_id_of_slug
from network.kit.errors import DomainError
from network.members import service as members


@strawberry.input(description="Filters for `members`; every field narrows the list.")
class MemberFilter:
    network: Network | None = None
    country: str | None = strawberry.field(default=None, description="ISO 3166-1 alpha-2.")
    membership_status: MembershipStatus | None = None
    partner_slug: str | None = None
    partner_id: strawberry.ID | None = None
    cohort_id: strawberry.ID | None = None
    search: str | None = strawberry.field(default=None, description="Part of the name.")


@strawberry.type
class MembersQuery:
    @strawberry.field(description="Member organisations you may see, by name.")
    async def members(
        self,
        info: AnyInfo,
        first: int | None = 20,
        after: str | None = None,
        filter: MemberFilter | None = None,
    ) -> Connection[Member]:
        principal = info.context.require_principal()
        f = filter or MemberFilter()
        query = members.MemberQuery(
            network=f.network,
            country=filter_text(f.country, "filter.country"),
            membership_status=f.membership_status,
            search=filter_text(f.search, "filter.search"),
            cohort_id=filter_id(f.cohort_id, "Cohort", "filter.cohortId"),
            partner_id=filter_id(f.partner_id, "Partner", "filter.partnerId")
            or await partner_id_of_slug(info, filter_text(f.partner_slug, "filter.partnerSlug")),
        )
        try:
            page = await members.list_members(
                info.context.session, principal, query, first=first, after=after
            )
        except DomainError as error:
            raise as_argument_error(error) from error
        return await member_connection(info, page)

    @strawberry.field(description="One member organisation, or null if you may not see it.")
    async def member(self, info: AnyInfo, id: strawberry.ID) -> Member | None:
        info.context.require_principal()
        return await load_member(info, decode_id(id, "Member"))
