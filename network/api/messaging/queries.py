"""Queries on the outbox (staff only)."""

from __future__ import annotations

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.relay import Connection, list_connection
from network.api.messaging.types import OutboxMessage
from network.messaging import service as messaging
from network.messaging.models import OutboxStatus


@strawberry.input(description="Filters for `outboxMessages`; every field narrows the list.")
class OutboxMessageFilter:
    status: OutboxStatus | None = None
    template: str | None = None
    to_email: str | None = None


@strawberry.type
class MessagingQuery:
    @strawberry.field(description="The outbox: every email owed, oldest first (staff only).")
    async def outbox_messages(
        self,
        info: AnyInfo,
        first: int | None = 20,
        after: str | None = None,
        filter: OutboxMessageFilter | None = None,
    ) -> Connection[OutboxMessage]:
        principal = info.context.require_principal()
        f = filter or OutboxMessageFilter()
        query = messaging.OutboxQuery(status=f.status, template=f.template, to_email=f.to_email)
        return await list_connection(
            messaging.list_outbox_messages(
                info.context.session, principal, query, first=first, after=after
            ),
            OutboxMessage.from_row,
        )
