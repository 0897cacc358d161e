"""The GraphQL type of an outbox message (an email the system owes)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from network.api.contacts.types import Contact, load_contact
from network.api.core.context import AnyInfo
from network.api.core.relay import Node
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
    purpose: str = strawberry.field(
        description=(
            "Why it is written: a consent purpose (NETWORK_NEWS, MEETING_INVITATIONS, "
            "TRAINING_OFFERS), or TRANSACTIONAL for an email that needs no consent."
        )
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
            purpose=row.purpose,
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
        return await load_contact(info, self.contact_id)


async def outbox_message_node(info: AnyInfo, raw_id: uuid.UUID) -> OutboxMessage | None:
    """An outbox message by id, as the caller may see it (for `node(id:)`)."""
    found = await messaging.get_outbox_messages(
        info.context.session, info.context.principal, [raw_id]
    )
    row = found.get(raw_id)
    return OutboxMessage.from_row(row) if row else None
