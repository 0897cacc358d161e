"""The `rateLimit` query: the caller's hourly cost budget, as GitHub's API reports it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from network.api.core.context import AnyInfo


@strawberry.type(description="The caller's cost budget, after this request was charged.")
class RateLimit:
    cost: int = strawberry.field(description="What this request cost (see README, Limits).")
    limit: int = strawberry.field(description="The budget per hour.")
    remaining: int = strawberry.field(description="What is left of it.")
    reset_at: datetime = strawberry.field(description="When the budget is whole again.")


@strawberry.type
class RateLimitQuery:
    @strawberry.field(description="Your cost budget: per token, or per client address without one.")
    def rate_limit(self, info: AnyInfo) -> RateLimit:
        budget = info.context.budget
        if budget is None:  # CostLimit sets it before any resolver runs
            raise RuntimeError("rateLimit resolved without the CostLimit extension")
        return RateLimit(
            cost=budget.cost,
            limit=budget.limit,
            remaining=budget.remaining,
            reset_at=budget.reset_at,
        )
