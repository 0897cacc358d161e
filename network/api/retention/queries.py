"""Queries on retention rules."""

from __future__ import annotations

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.errors import as_argument_error
from network.api.core.ids import filter_id
from network.api.retention.types import RetentionRule
from network.kit.errors import DomainError
from network.privacy import retention


@strawberry.type
class RetentionQuery:
    @strawberry.field(
        description="The retention rules in force: staff see the network-wide rules and every "
        "partner's (or one partner's, given partnerId); a partner user sees its own."
    )
    async def retention_rules(
        self, info: AnyInfo, partner_id: strawberry.ID | None = None
    ) -> list[RetentionRule]:
        principal = info.context.require_principal()
        raw_id = filter_id(partner_id, "Partner", "partnerId")
        try:
            rules = await retention.retention_rules(info.context.session, principal, raw_id)
        except DomainError as error:
            raise as_argument_error(error) from error
        return [RetentionRule.of(rule) for rule in rules]
