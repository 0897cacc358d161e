"""The glossary's enumerations as GraphQL enums."""

from __future__ import annotations

import strawberry

from network.kit import enums

Network = strawberry.enum(enums.Network, description="The two member networks.")
MembershipStatus = strawberry.enum(
    enums.MembershipStatus, description="Where a member stands with its network."
)
StarStep = strawberry.enum(enums.StarStep, description="The five steps of the Co-Production Star.")
StepStatus = strawberry.enum(enums.StepStatus, description="How far a member is with one step.")
Role = strawberry.enum(enums.Role, description="What kind of user a login belongs to.")
