"""The audit trail in GraphQL: who did what to an object, and when (staff only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from network.api.context import InvalidArgumentError
from network.api.types import AnyInfo
from network.audit import service as audit
from network.kit.errors import DomainError
from network.kit.ids import from_global_id


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


@strawberry.type
class AuditQuery:
    @strawberry.field(description="The newest changes to one object (staff only).")
    async def audit_trail(
        self, info: AnyInfo, id: strawberry.ID, first: int = 50
    ) -> list[AuditEvent]:
        principal = info.context.require_principal()
        parsed = from_global_id(str(id))
        if parsed is None:
            raise InvalidArgumentError("id", "INVALID_ID", f"'{id}' is not an object id.")
        if not 1 <= first <= 200:
            raise InvalidArgumentError("first", "INVALID_PAGE_SIZE", "first must be 1 to 200.")
        try:
            rows = await audit.history(
                info.context.session, principal, parsed[0], parsed[1], limit=first
            )
        except DomainError as error:
            item = error.errors[0]
            raise InvalidArgumentError(item.field, item.code, item.message) from error
        return [AuditEvent.from_row(row) for row in rows]
