"""Queries on regional partners."""

from __future__ import annotations

import uuid

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.errors import InvalidArgumentError
from network.api.core.relay import Connection, list_connection
from network.api.partners.types import Partner
from network.partners import service as partners


async def partner_id_of_slug(info: AnyInfo, slug: str | None) -> uuid.UUID | None:
    """The id of the partner a `partnerSlug` filter names; one hidden from the caller is unknown."""
    if slug is None:
        return None
    # A partner the caller may not see reads as one that does not exist.
    found = await partners.find_visible_partner_id(
        info.context.session, info.context.principal, slug.strip().lower()
    )
    if found is None:
        raise InvalidArgumentError("filter.partnerSlug", "NOT_FOUND", "No partner with this slug.")
    return found


@strawberry.type
class PartnersQuery:
    @strawberry.field(description="Regional partners (a partner user sees its own).")
    async def partners(
        self, info: AnyInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Partner]:
        principal = info.context.require_principal()
        return await list_connection(
            partners.list_partners(info.context.session, principal, first=first, after=after),
            Partner.from_row,
        )
