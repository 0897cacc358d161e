"""Mutations on retention rules."""

from __future__ import annotations

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.ids import input_id
from network.api.core.mutations import UserError, run_mutation
from network.api.retention.types import RetentionRule
from network.privacy import retention
from network.privacy.models import RetentionRuleKind


@strawberry.input
class SetRetentionRuleInput:
    partner_id: strawberry.ID | None = strawberry.field(
        default=None, description="The partner whose members it applies to; omit: network-wide."
    )
    kind: RetentionRuleKind
    days: int | None = strawberry.field(
        description="How many days to keep the data; null removes the rule (back to the "
        "network-wide rule, or the built-in default)."
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
        result, errors = await run_mutation(
            info,
            lambda s, p: retention.set_retention_rule(
                s, p, input_id(input.partner_id, "Partner"), input.kind, input.days
            ),
            input=input,
        )
        return SetRetentionRulePayload(
            retention_rule=RetentionRule.of(result) if result else None, user_errors=errors
        )
