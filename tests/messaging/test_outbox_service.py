"""queue_email: one row per owed email, in the caller's transaction, unique by dedup key."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.messaging.mime import Attachment
from network.messaging.models import OutboxAttachment, OutboxMessage, OutboxStatus
from network.messaging.service import QueuedEmail, queue_email, queue_emails, take_queued_ids
from tests.support.factories import Factory

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
        "anna@council.example",  # lower-cased: network/kit/emails.py
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


def owed(key: str, **changes: Any) -> QueuedEmail:
    arguments: dict[str, Any] = {
        "template": "notice",
        "to_email": f"{key}@example.org",
        "language": "en",
        "context": CONTEXT,
        "dedup_key": key,
        **changes,
    }
    return QueuedEmail(**arguments)


class Statements:
    """Counts the SQL statements a block sends."""

    def __init__(self, session: AsyncSession) -> None:
        self.engine = session.bind.sync_engine  # type: ignore[union-attr]
        self.seen: list[str] = []

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.seen.append(statement)


async def test_queue_emails_writes_a_batch_in_one_statement_per_table(
    session: AsyncSession, make: Factory
) -> None:
    contact = await make.contact(await make.member(), email="anna@council.example")
    await session.flush()
    invite = Attachment("invite.ics", "text/calendar; charset=utf-8", b"BEGIN:VCALENDAR")
    batch = [
        owed(f"bulk-{n}", contact_id=contact.id, kind="programme", language="cy")
        for n in range(150)
    ]
    batch[3] = owed("bulk-3", attachments=[invite, Attachment("b.txt", "text/plain", b"b")])
    with Statements(session) as statements:
        ids = await queue_emails(session, batch)
    inserts = [s for s in statements.seen if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 2, statements.seen
    assert len(ids) == 150 == len(set(ids))
    rows = {m.id: m for m in (await session.scalars(select(OutboxMessage))).all()}
    assert [rows[i].dedup_key for i in ids] == [f"bulk-{n}" for n in range(150)]
    assert rows[ids[0]].contact_id == contact.id
    assert (rows[ids[0]].kind, rows[ids[0]].language) == ("programme", "cy")
    assert rows[ids[3]].attachment_count == 2
    files = (
        await session.scalars(select(OutboxAttachment).order_by(OutboxAttachment.position))
    ).all()
    assert [(f.message_id, f.position, f.filename) for f in files] == [
        (ids[3], 0, "invite.ics"),
        (ids[3], 1, "b.txt"),
    ]
    assert take_queued_ids(session) == ids


async def test_queue_emails_dedups_within_the_batch_and_against_existing_rows(
    session: AsyncSession,
) -> None:
    invite = Attachment("invite.ics", "text/calendar; charset=utf-8", b"BEGIN:VCALENDAR")
    existing = await queue_email(
        session,
        template="notice",
        to_email="a@example.org",
        language="en",
        context=CONTEXT,
        dedup_key="old",
    )
    assert existing is not None
    take_queued_ids(session)
    ids = await queue_emails(
        session,
        [
            owed("new"),
            owed("old", attachments=[invite]),  # taken already: no row, no attachment
            owed("new", to_email="second@example.org"),  # repeated: the first one wins
            owed("other"),
        ],
    )
    assert len(ids) == 2
    assert await count(session) == 3
    rows = (await session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))).all()
    assert sorted((r.dedup_key, r.to_email) for r in rows) == [
        ("new", "new@example.org"),
        ("other", "other@example.org"),
    ]
    assert (await session.scalars(select(OutboxAttachment))).all() == []
    assert take_queued_ids(session) == ids
    assert await queue_emails(session, [owed("new"), owed("old")]) == []
    assert await queue_emails(session, []) == []
    assert take_queued_ids(session) == []


async def test_queue_emails_keeps_opt_out_details_for_delivery(
    session: AsyncSession, make: Factory
) -> None:
    contact = await make.contact(await make.member(), email="opted@out.example")
    contact.email_opt_outs = ["programme"]
    await session.flush()
    ids = await queue_emails(
        session,
        [
            owed("opted-1", contact_id=contact.id, kind="programme"),
            owed("opted-2", contact_id=contact.id, kind=None),
        ],
    )
    # As with queue_email: owed now, checked (and SKIPPED) at delivery time.
    rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.dedup_key))).all()
    assert [(r.id, r.contact_id, r.kind, r.status) for r in rows] == [
        (ids[0], contact.id, "programme", OutboxStatus.PENDING),
        (ids[1], contact.id, None, OutboxStatus.PENDING),
    ]


async def test_queue_emails_refuses_the_whole_batch_for_one_bad_message(
    session: AsyncSession,
) -> None:
    with pytest.raises(ValueError, match="language must be one of"):
        await queue_emails(session, [owed("fine"), owed("bad", language="pt")])
    assert await count(session) == 0
    assert take_queued_ids(session) == []


async def test_an_address_that_cannot_be_used_fails_only_its_own_message(
    session: AsyncSession,
) -> None:
    ids = await queue_emails(
        session,
        [
            owed("good"),
            owed("no-at", to_email="not an address"),
            owed("header", to_email="a@b.example\r\nBcc: x@y.example"),
            owed("nul", to_email="odd\x00@example.org"),
            owed("idn", to_email=" Anna@MÜNCHEN.de "),
            owed("utf8", to_email="José.Núñez@bilbao.example"),
        ],
    )
    rows = {m.id: m for m in (await session.scalars(select(OutboxMessage))).all()}
    assert [(rows[i].dedup_key, rows[i].to_email, rows[i].status) for i in ids] == [
        ("good", "good@example.org", OutboxStatus.PENDING),
        ("no-at", "not an address", OutboxStatus.FAILED),
        ("header", "a@b.example\r\nBcc: x@y.example", OutboxStatus.FAILED),
        ("nul", "odd@example.org", OutboxStatus.FAILED),
        ("idn", "anna@münchen.de", OutboxStatus.PENDING),
        ("utf8", "josé.núñez@bilbao.example", OutboxStatus.PENDING),
    ]
    assert [rows[i].last_error for i in ids] == [
        None,
        "not a deliverable email address: An email address must have an @-sign.",
        "not a deliverable email address: The part after the @-sign contains invalid "
        "characters: ':', '@', SPACE, U+000A, U+000D.",
        "not a deliverable email address: The email address contains invalid characters "
        "before the @-sign: U+0000.",
        None,
        None,
    ]
    # Only the usable ones are owed to delivery; the failed ones wait for staff.
    assert take_queued_ids(session) == [ids[0], ids[4], ids[5]]


async def test_a_rolled_back_batch_leaves_no_message_attachment_or_job(
    session: AsyncSession,
) -> None:
    await session.commit()  # start from a clean transaction
    invite = Attachment("invite.ics", "text/calendar; charset=utf-8", b"BEGIN:VCALENDAR")
    ids = await queue_emails(session, [owed("rb-1", attachments=[invite]), owed("rb-2")])
    assert len(ids) == 2
    await session.rollback()
    assert await count(session) == 0
    assert (await session.scalars(select(OutboxAttachment))).all() == []
    assert take_queued_ids(session) == []
