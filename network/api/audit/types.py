"""The GraphQL type of one recorded change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON


@strawberry.type(description="One recorded change.")
class AuditEvent:
    occurred_at: datetime
    action: str = strawberry.field(description="What happened, e.g. member.updated.")
    actor_email: str | None = strawberry.field(description="Null for the system itself.")
    actor_role: str
    changes: JSON = strawberry.field(description="The fields that changed, new values.")

    @classmethod
    def from_row(cls, row: Any) -> AuditEvent:
        """Build from an audit row joined with the actor's email."""
        return cls(
            occurred_at=row.occurred_at,
            action=row.action,
            actor_email=row.actor_email,
            actor_role=row.actor_role,
            changes=row.changes,
        )
