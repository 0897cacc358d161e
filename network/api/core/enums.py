"""The glossary's enumerations, registered as GraphQL enums (same classes as the domain's)."""

from __future__ import annotations

import strawberry

from network.kit.enums import MembershipStatus, Network, Role, StarStep, StepStatus

strawberry.enum(Network, description="The two member networks.")
strawberry.enum(MembershipStatus, description="Where a member stands with its network.")
strawberry.enum(StarStep, description="The five steps of the Co-Production Star, in order.")
strawberry.enum(StepStatus, description="How far a member is with one step.")
strawberry.enum(Role, description="What kind of user a login belongs to.")

__all__ = ["MembershipStatus", "Network", "Role", "StarStep", "StepStatus"]
