"""Bulk emails carry RFC 8058 one-click unsubscribe and a visible link; transactional ones
carry neither; the one-click POST (no cookie) withdraws consent in the ledger, and the next
bulk email to that person is SKIPPED, naming the purpose. Real SMTP sink, real app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from network.app import create_app
from network.auth.principal import SYSTEM
from network.config import Settings, get_settings
from network.consent.models import ConsentEvent
from network.db import acting
from network.meetings.reminders import send_due_reminders
from network.messaging.delivery import deliver_batch
from network.messaging.mime import build_message
from network.messaging.models import OutboxMessage, OutboxStatus
from tests.support.factories import Factory
from tests.support.meetings import schedule, upcoming
from tests.support.messaging import courier_for, owe, rows
from tests.support.sink import Sink


@pytest.fixture
async def public(settings: Settings, outbox_database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app on the outbox database (what it commits, delivery sees), as a mail provider
    reaches it: no cookie."""
    own = settings.model_copy(update={"database_url": outbox_database_url})
    app = create_app(own)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


def bodies(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


async def test_bulk_emails_carry_one_click_unsubscribe_and_transactional_ones_do_not(
    committed: async_sessionmaker[AsyncSession],
    outbox_engine: AsyncEngine,
    sink: Sink,
    public: httpx.AsyncClient,
) -> None:
    async with committed() as session:
        make = Factory(session)
        contact = await make.contact(await make.member(), "ffion@powys.example", language="cy")
        await session.commit()
    (bulk,) = await owe(
        committed, [contact.email], language="cy", contact_id=contact.id, kind="programme"
    )
    (service,) = await owe(committed, [contact.email], language="cy", contact_id=contact.id)
    report = await deliver_batch(courier_for(outbox_engine, sink.port))
    assert sorted(report.sent) == sorted([bulk, service])
    by_id = {m["Message-ID"]: m for m in sink.parsed()}
    bulk_email = next(m for i, m in by_id.items() if str(bulk) in i)
    service_email = next(m for i, m in by_id.items() if str(service) in i)

    base = get_settings().base_url.rstrip("/")
    header = bulk_email["List-Unsubscribe"]
    assert header.startswith(f"<{base}/unsubscribe/{contact.id.hex}-meetings.")
    assert header.endswith(">")
    assert bulk_email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header[1:-1]
    text, html = bodies(bulk_email)
    # Welsh first, then English, each footer with the link.
    assert text.index(f"Dad-danysgrifio: {url}") < text.index(f"Unsubscribe: {url}")
    assert html.count(f'href="{url}"') == 2
    assert service_email["List-Unsubscribe"] is None
    assert service_email["List-Unsubscribe-Post"] is None
    assert "/unsubscribe/" not in "".join(bodies(service_email))

    # A mail provider's one-click POST: no cookie, no CSRF token.
    answer = await public.post(url.removeprefix(base), data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    async with committed() as session:
        ledger = (
            await session.execute(
                select(ConsentEvent.purpose, ConsentEvent.given, ConsentEvent.channel).where(
                    ConsentEvent.contact_id == contact.id
                )
            )
        ).all()
    assert [tuple(map(str, r)) for r in ledger] == [("MEETING_INVITATIONS", "False", "EMAIL_LINK")]

    (next_bulk,) = await owe(committed, [contact.email], contact_id=contact.id, kind="programme")
    (next_service,) = await owe(committed, [contact.email], contact_id=contact.id)
    report = await deliver_batch(courier_for(outbox_engine, sink.port))
    assert (report.skipped, report.sent) == ([next_bulk], [next_service])
    state = (await rows(outbox_engine))[next_bulk]
    assert (state.status, state.last_error) == (
        OutboxStatus.SKIPPED,
        "the contact withdrew consent to MEETING_INVITATIONS (programme emails)",
    )


async def test_an_unsubscribed_person_gets_no_further_meeting_reminders_while_colleagues_do(
    committed: async_sessionmaker[AsyncSession],
    outbox_engine: AsyncEngine,
    sink: Sink,
    public: httpx.AsyncClient,
) -> None:
    async with committed() as session:
        make = Factory(session)
        partner = await make.partner("wales")
        powys = await make.member("Powys County Council", partner=partner)
        cohort = await make.cohort("Wales cohort 1", partner=partner, members=[powys])
        people = [
            await make.contact(powys, f"{name}@powys.example", first_name=name.title())
            for name in ("sian", "tom", "ffion")
        ]
        starts = upcoming(days=20)
        meeting = await schedule(session, cohort, starts_at=starts, offsets=[10080, 1440])
        await session.commit()
    courier = courier_for(outbox_engine, sink.port)
    await deliver_batch(courier)  # the invitations
    invited = len(sink.parsed())

    with acting(SYSTEM):  # as the reminder worker runs
        await send_due_reminders(committed, now=starts - timedelta(days=7))
    await deliver_batch(courier)
    week = sink.parsed()[invited:]
    assert sorted(m["To"] for m in week) == sorted(p.email for p in people)

    # Siân presses Unsubscribe in her mail program, which POSTs to the reminder's header URL.
    sians = next(m for m in week if m["To"] == "sian@powys.example")
    url = sians["List-Unsubscribe"][1:-1]
    base = get_settings().base_url.rstrip("/")
    answer = await public.post(url.removeprefix(base), data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200

    with acting(SYSTEM):
        await send_due_reminders(committed, now=starts - timedelta(days=1))
    await deliver_batch(courier)
    day = sink.parsed()[invited + len(week) :]
    assert sorted(m["To"] for m in day) == ["ffion@powys.example", "tom@powys.example"]
    assert all(meeting.title in str(m["Subject"]) for m in day)
    async with committed() as session:
        statuses = (
            await session.execute(
                select(OutboxMessage.to_email, OutboxMessage.status)
                .where(OutboxMessage.template == "meeting_reminder")
                .where(OutboxMessage.to_email == "sian@powys.example")
            )
        ).all()
    # One reminder sent before she unsubscribed; the next one never reached her.
    assert OutboxStatus.SENT in {s for _, s in statuses}
    assert [s for _, s in statuses].count(OutboxStatus.SENT) == 1


def test_the_list_unsubscribe_url_cannot_break_the_header() -> None:
    common: dict[str, Any] = {
        "message_id": "<1@example.org>",
        "sender": "a@example.org",
        "to": "b@example.org",
        "subject": "S",
        "text": "t",
        "html": "h",
        "date": datetime(2027, 1, 1, tzinfo=UTC),
    }
    data = build_message(**common, list_unsubscribe="https://example.org/unsubscribe/abc.def")
    parsed = message_from_bytes(data, policy=policy.default)
    assert parsed["List-Unsubscribe"] == "<https://example.org/unsubscribe/abc.def>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for bad in ("https://x.example/a>\r\nBcc: c@example.org", "https://x.example/é", "a b"):
        with pytest.raises(ValueError, match="List-Unsubscribe"):
            build_message(**common, list_unsubscribe=bad)
