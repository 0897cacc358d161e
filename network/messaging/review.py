"""What staff review in the outbox: the messages that did not go out (FAILED and SKIPPED, with
their reasons) and what one message looked like, rendered again from its row with its secret
links withheld (network/messaging/stored.py). Retrying is `service.retry_outbox_message`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.policy import require_staff
from network.auth.principal import Principal
from network.kit.pagination import Page, keyset_page
from network.kit.search import contains_text
from network.messaging.models import OutboxMessage, OutboxStatus
from network.messaging.service import ORDER, messages, readable
from network.messaging.stored import StoredBody, render_stored

NOT_SENT = (OutboxStatus.FAILED, OutboxStatus.SKIPPED)


@dataclass(slots=True)
class ReviewQuery:
    """Filters for reviewing the outbox: FAILED and SKIPPED messages unless told."""

    statuses: Sequence[OutboxStatus] = NOT_SENT
    template: str | None = None
    recipient: str | None = None  # part of the address


async def list_for_review(
    session: AsyncSession,
    principal: Principal,
    query: ReviewQuery,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """A page of outbox messages of these statuses (staff only), oldest first."""
    require_staff(principal, "outboxMessages")
    statement = readable(principal).where(messages.status.in_(list(query.statuses)))
    if query.template and query.template.strip():
        statement = statement.where(messages.template == query.template.strip())
    if query.recipient and query.recipient.strip():
        statement = statement.where(contains_text(messages.to_email, query.recipient))
    return await keyset_page(session, statement, list(ORDER), first=first, after=after)


async def templates_in_outbox(session: AsyncSession, principal: Principal) -> list[str]:
    """The templates the outbox holds messages of, for the review's filter (staff only)."""
    require_staff(principal, "outboxMessages")
    statement = select(messages.template).distinct().order_by(messages.template)
    return list((await session.scalars(statement)).all())


@dataclass(frozen=True, slots=True)
class Reviewed:
    """One message and what it looked like (None: it cannot be rendered any more)."""

    message: Any
    body: StoredBody | None


async def review_message(
    session: AsyncSession, principal: Principal, message_id: uuid.UUID
) -> Reviewed | None:
    """An outbox message with its rendered subject and text, secret links withheld (staff
    only); None if there is no such message."""
    require_staff(principal, "id")
    statement = readable(principal).add_columns(OutboxMessage.context)
    found = (await session.execute(statement.where(messages.id == message_id))).one_or_none()
    if found is None:
        return None
    body = render_stored(found.template, found.language, found.context)
    return Reviewed(found, body)
