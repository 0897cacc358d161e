"""queue_email: one row per owed email, in the caller's transaction, unique by dedup key."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.messaging.mime import Attachment
from network.messaging.models import OutboxAttachment, OutboxMessage, OutboxStatus
from network.messaging.service import queue_email, take_queued_ids
from tests.factories import Factory

CONTEXT = {"recipient_name": "Anna", "title": "Hello", "paragraphs": ["One."]}


async def count(session: AsyncSession) -> int:
    statement = select(func.count()).select_from(OutboxMessage)
    return int((await session.execute(statement)).scalar_one())


async def test_queue_email_writes_a_pending_message_and_remembers_it(
    session: AsyncSession, make: Factory
) -> None:
    contact = await make.contact(await make.member(), email="anna@council.example", language="fr")
    message_id = await queue_email(
        session,
        template="notice",
        to_email="Anna@Council.Example",
        language=contact.language,
        context={
            **CONTEXT,
            "on": date(2027, 3, 2),
            "at": datetime(2027, 3, 2, 9, tzinfo=UTC),
            "ref": uuid.UUID(int=7),
        },
        dedup_key=f"notice:{contact.id}:1",
        contact_id=contact.id,
        kind="programme",
        attachments=[Attachment("invite.ics", "text/calendar; charset=utf-8", b"BEGIN:VCALENDAR")],
    )
    assert message_id is not None
    message = await session.get(OutboxMessage, message_id)
    assert message is not None
    assert (
        message.status,
        message.template,
        message.language,
        message.to_email,
        message.kind,
        message.contact_id,
        message.attempts,
        message.max_attempts,
        message.attachment_count,
        message.sent_at,
        message.last_error,
    ) == (
        OutboxStatus.PENDING,
        "notice",
        "fr",
        "Anna@council.example",
        "programme",
        contact.id,
        0,
        10,
        1,
        None,
        None,
    )
    assert message.next_attempt_at == message.created_at
    assert message.context == {
        **CONTEXT,
        "on": "2027-03-02",
        "at": "2027-03-02T09:00:00+00:00",
        "ref": "00000000-0000-0000-0000-000000000007",
    }
    files = (await session.scalars(select(OutboxAttachment))).all()
    assert [(f.position, f.filename, f.content) for f in files] == [
        (0, "invite.ics", b"BEGIN:VCALENDAR")
    ]
    assert take_queued_ids(session) == [message_id]
    assert take_queued_ids(session) == []


async def test_asking_twice_for_the_same_message_is_a_no_op(session: AsyncSession) -> None:
    first = await queue_email(
        session,
        template="notice",
        to_email="a@example.org",
        language="en",
        context=CONTEXT,
        dedup_key="meeting-reminder:m1:c1:1440",
    )
    second = await queue_email(
        session,
        template="notice",
        to_email="someone-else@example.org",
        language="de",
        context={**CONTEXT, "title": "Other"},
        dedup_key="meeting-reminder:m1:c1:1440",
    )
    assert first is not None
    assert second is None
    assert await count(session) == 1
    assert take_queued_ids(session) == [first]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"template": "no_such_template"}, "no email template 'no_such_template'"),
        ({"template": "../layout"}, "no email template"),
        ({"language": "pt"}, "language must be one of en, cy, fr, es, de"),
        ({"kind": "marketing"}, "kind must be None or one of programme, training, newsletter"),
        ({"to_email": "not an address"}, "not a deliverable email address"),
        ({"to_email": "a@b.example\r\nBcc: x@y.example"}, "not a deliverable email address"),
        ({"dedup_key": ""}, "dedup_key must have 1 to 300 characters"),
        ({"dedup_key": "k" * 301}, "dedup_key must have 1 to 300 characters"),
        (
            {"attachments": [Attachment("a.ics", "text/calendar\r\nBcc: x", b"")]},
            "bad attachment content type",
        ),
        ({"attachments": [Attachment("", "application/pdf", b"%PDF")]}, "a file name of 1 to"),
    ],
)
async def test_arguments_no_caller_should_pass_are_refused(
    session: AsyncSession, changes: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {
        "template": "notice",
        "to_email": "a@example.org",
        "language": "en",
        "context": CONTEXT,
        "dedup_key": "k",
        **changes,
    }
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        await queue_email(session, **arguments)
    assert await count(session) == 0
    assert take_queued_ids(session) == []


async def test_a_rolled_back_transaction_leaves_no_message_and_no_job(
    session: AsyncSession,
) -> None:
    await session.commit()  # start from a clean transaction
    message_id = await queue_email(
        session,
        template="notice",
        to_email="a@example.org",
        language="cy",
        context=CONTEXT,
        dedup_key="rolled-back",
    )
    assert message_id is not None
    await session.rollback()
    assert await count(session) == 0
    assert take_queued_ids(session) == []
