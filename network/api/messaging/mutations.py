"""Mutations on the outbox: retry a message now (staff only)."""

from __future__ import annotations

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.ids import input_id
from network.api.core.mutations import UserError, run_mutation
from network.api.messaging.types import OutboxMessage
from network.messaging import service as messaging


@strawberry.input
class RetryOutboxMessageInput:
    id: strawberry.ID


@strawberry.type
class RetryOutboxMessagePayload:
    message: OutboxMessage | None
    user_errors: list[UserError]


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
            lambda s, p: messaging.retry_outbox_message(s, p, input_id(input.id, "OutboxMessage")),
            input=input,
        )
        return RetryOutboxMessagePayload(
            message=OutboxMessage.from_row(result) if result else None, user_errors=errors
        )
