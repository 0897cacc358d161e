"""The GraphQL type of a regional partner."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.relay import Node
from network.kit.ids import to_global_id


@strawberry.type(description="A regional partner organisation; owns cohorts.")
class Partner(Node):
    slug: str
    name: str
    countries: list[str]
    db_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any) -> Partner:
        """Build from a partners row or entity."""
        return cls(
            id=strawberry.ID(to_global_id("Partner", row.id)),
            db_id=row.id,
            slug=row.slug,
            name=row.name,
            countries=list(row.countries),
        )


async def load_partner(info: AnyInfo, partner_id: uuid.UUID | None) -> Partner | None:
    """The partner with this id, through the request's loader; None when hidden or missing."""
    if partner_id is None:
        return None
    row = await info.context.loaders.partner.load(partner_id)
    return Partner.from_row(row) if row else None
