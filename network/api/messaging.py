"""GraphQL for the outbox: staff see the emails the system owes and retry failed ones."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from network.api.mutations import run_mutation
from network.api.queries import NODE_RESOLVERS
from network.api.relay import (
    Connection,
    Node,
    decode_id,
    list_connection,
)
from network.api.types import AnyInfo, Contact, UserError
from network.kit.ids import to_global_id
from network.messaging import service as messaging
from network.messaging.models import OutboxStatus

strawberry.enum(OutboxStatus, description="Where an owed email stands.")


@strawberry.type(description="An email the system owes someone, delivered by a worker.")
class OutboxMessage(Node):
    status: OutboxStatus
    to_email: str
    template: str = strawberry.field(description="The template under emails/<language>/.")
    language: str = strawberry.field(description="en, cy (Welsh and English), fr, es or de.")
    kind: str | None = strawberry.field(
        description="programme, training or newsletter: what a contact may opt out of."
    )
    dedup_key: str = strawberry.field(description="What the message is about; unique.")
    attempts: int = strawberry.field(description="How many times delivery was tried.")
    last_error: str | None = strawberry.field(
        description="The answer to the last failed attempt, or why the message was skipped."
    )
    sent_at: datetime | None = strawberry.field(description="When the SMTP server accepted it.")
    next_attempt_at: datetime = strawberry.field(
        description="When a PENDING message is tried next."
    )
    created_at: datetime
    contact_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: Any) -> OutboxMessage:
        """Build from an outbox_messages row or entity."""
        return cls(
            id=strawberry.ID(to_global_id("OutboxMessage", row.id)),
            status=row.status,
            to_email=row.to_email,
            template=row.template,
            language=row.language,
            kind=row.kind,
            dedup_key=row.dedup_key,
            attempts=row.attempts,
            last_error=row.last_error,
            sent_at=row.sent_at,
            next_attempt_at=row.next_attempt_at,
            created_at=row.created_at,
            contact_id=row.contact_id,
        )

    @strawberry.field(description="The contact it is for, if it is for a contact.")
    async def contact(self, info: AnyInfo) -> Contact | None:
        if self.contact_id is None:
            return None
        row = await info.context.loaders.contact.load(self.contact_id)
        return Contact.from_row(row) if row else None


@strawberry.input(description="Filters for `outboxMessages`; every field narrows the list.")
class OutboxMessageFilter:
    status: OutboxStatus | None = None
    template: str | None = None
    to_email: str | None = None


@strawberry.input
class RetryOutboxMessageInput:
    id: strawberry.ID


@strawberry.type
class RetryOutboxMessagePayload:
    message: OutboxMessage | None
    user_errors: list[UserError]


async def _outbox_message_node(info: AnyInfo, raw_id: uuid.UUID) -> Node | None:
    found = await messaging.get_outbox_messages(
        info.context.session, info.context.principal, [raw_id]
    )
    row = found.get(raw_id)
    return OutboxMessage.from_row(row) if row else None


NODE_RESOLVERS["OutboxMessage"] = _outbox_message_node


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


@strawberry.type
class MessagingMutation:
    @strawberry.mutation(
        description="Deliver a FAILED, SKIPPED or waiting message again now (staff only)."
    )
    async def retry_outbox_message(
        self, info: AnyInfo, input: RetryOutboxMessageInput
    ) -> RetryOutboxMessagePayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: messaging.retry_outbox_message(s, p, decode_id(input.id, "OutboxMessage")),
            input=input,
        )
        return RetryOutboxMessagePayload(
            message=OutboxMessage.from_row(result) if result else None, user_errors=errors
        )
