"""The `auditTrail` query: the newest changes to one object (staff only)."""

from __future__ import annotations

import strawberry

from network.api.audit.types import AuditEvent
from network.api.core.context import AnyInfo
from network.api.core.errors import InvalidArgumentError, as_argument_error
from network.api.core.ids import decode_node_id
from network.audit import service as audit
from network.kit.errors import DomainError


@strawberry.type
class AuditQuery:
    @strawberry.field(description="The newest changes to one object (staff only).")
    async def audit_trail(
        self, info: AnyInfo, id: strawberry.ID, first: int = 50
    ) -> list[AuditEvent]:
        principal = info.context.require_principal()
        parsed = decode_node_id(id)
        if parsed is None:
            raise InvalidArgumentError("id", "INVALID_ID", f"'{id}' is not an object id.")
        if not 1 <= first <= 200:
            raise InvalidArgumentError("first", "INVALID_PAGE_SIZE", "first must be 1 to 200.")
        try:
            rows = await audit.history(
                info.context.session, principal, parsed[0], parsed[1], limit=first
            )
        except DomainError as error:
            raise as_argument_error(error) from error
        return [AuditEvent.from_row(row) for row in rows]
