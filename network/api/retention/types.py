"""The GraphQL type of a retention rule as it applies (a partner's own, the network's, or the
built-in default)."""

from __future__ import annotations

import uuid

import strawberry

from network.api.core.context import AnyInfo
from network.api.partners.types import Partner, load_partner
from network.privacy.models import RetentionRuleKind
from network.privacy.retention import DESCRIPTIONS, EffectiveRule, RuleSource

strawberry.enum(
    RetentionRuleKind,
    description="What a retention rule applies to (README 'Personal data: retention').",
)
strawberry.enum(
    RuleSource,
    name="RetentionRuleSource",
    description="Where the days of a retention rule come from.",
)


@strawberry.type(description="How long one kind of personal data is kept, as it applies.")
class RetentionRule:
    kind: RetentionRuleKind
    days: int = strawberry.field(description="How many days the data is kept.")
    source: RuleSource = strawberry.field(
        description="PARTNER: the partner's own rule; NETWORK: the network-wide rule; "
        "BUILT_IN: the default, nobody set one."
    )
    description: str = strawberry.field(description="What the rule does, in a sentence.")
    partner_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The partner whose members it applies to; null: network-wide.")
    async def partner(self, info: AnyInfo) -> Partner | None:
        return await load_partner(info, self.partner_id)

    @classmethod
    def of(cls, rule: EffectiveRule) -> RetentionRule:
        """Build from the service's effective rule."""
        return cls(
            kind=rule.kind,
            days=rule.days,
            source=rule.source,
            description=DESCRIPTIONS[rule.kind],
            partner_id=rule.partner_id,
        )
