"""Mutations on retention rules."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from network.api.core.context import AnyInfo
from network.api.core.ids import input_id
from network.api.core.mutations import UserError, run_mutation
from network.api.retention.types import RetentionRule
from network.auth.policy import require_staff
from network.auth.principal import Principal
from network.kit.errors import DomainError
from network.privacy import retention
from network.privacy.models import RetentionRuleKind
from network.privacy.retention import EffectiveRule


@strawberry.input
class SetRetentionRuleInput:
    partner_id: strawberry.ID | None = strawberry.field(
        default=None, description="The partner whose members it applies to; omit: network-wide."
    )
    kind: RetentionRuleKind
    days: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="How many days to keep the data; null removes the rule (back to the "
        "network-wide rule, or the built-in default). Required: left out, nothing changes "
        "and a userError (days, REQUIRED) says so.",
    )


@strawberry.type
class SetRetentionRulePayload:
    retention_rule: RetentionRule | None = strawberry.field(
        description="The rule now in force for that partner (or network-wide) and kind."
    )
    user_errors: list[UserError]


@strawberry.type
class RetentionMutation:
    @strawberry.mutation(
        description="Set or remove how long one kind of personal data is kept, network-wide or "
        "for one partner's members (staff only); the daily run applies it."
    )
    async def set_retention_rule(
        self, info: AnyInfo, input: SetRetentionRuleInput
    ) -> SetRetentionRulePayload:
        async def action(session: AsyncSession, principal: Principal) -> EffectiveRule:
            require_staff(principal, "partnerId")
            # Left out is not null: a forgotten field must not remove the rule.
            if input.days is strawberry.UNSET:
                raise DomainError.one("days", "REQUIRED", "Give days, or null to remove the rule.")
            partner_id = input_id(input.partner_id, "Partner")
            return await retention.set_retention_rule(
                session, principal, partner_id, input.kind, input.days
            )

        result, errors = await run_mutation(info, action, input=input)
        return SetRetentionRulePayload(
            retention_rule=RetentionRule.of(result) if result else None, user_errors=errors
        )
