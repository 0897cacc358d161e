"""Exactly once: 500 invitees, two reminder offsets, real workers, a real SMTP sink and Redis.

These tests need committed data (a worker in another process sees nothing else), so they use
the outbox tests' database of its own (tests/support/messaging.py: `committed`, emptied before
each test). The workers are real `network worker` processes (arq) on a queue of this test's
own, sending to an aiosmtpd sink in this process (the shared Worker and Sink).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import pytest
from arq.connections import ArqRedis
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from network.contacts.models import Contact
from network.db import utcnow
from network.meetings.models import MeetingReminder, NetworkMeeting, ReminderStatus
from network.meetings.reminders import send_due_reminders
from network.messaging.models import OutboxMessage, OutboxStatus
from tests.support.config import BIN, REDIS_URL
from tests.support.factories import Factory
from tests.support.meetings import schedule, upcoming
from tests.support.messaging import SENDER, Worker, wait_for
from tests.support.sink import Sink

INVITEES = 500
OFFSETS = [10080, 1440]


@pytest.fixture
async def queue_name() -> AsyncIterator[str]:
    """A queue of this test's own on the real Redis, removed afterwards."""
    name = f"arq:queue:test-meetings-{uuid.uuid4().hex[:12]}"
    yield name
    redis = ArqRedis.from_url(REDIS_URL)
    try:
        job_ids = [i.decode() for i in await redis.zrange(name, 0, -1)]
        for prefix in ("arq:job:", "arq:in-progress:", "arq:retry:", "arq:result:"):
            if job_ids:
                await redis.delete(*[prefix + i for i in job_ids])
        await redis.delete(name, f"{name}:health-check")
    finally:
        await redis.aclose()


@pytest.fixture
def workers(
    outbox_database_url: str, queue_name: str, tmp_path: Path
) -> Iterator[Callable[[int], Worker]]:
    """Start real worker processes on the meetings database: `workers(smtp_port)`."""
    started: list[Worker] = []

    def start(smtp_port: int) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": outbox_database_url,
            "REDIS_URL": REDIS_URL,
            "WORKER_QUEUE_NAME": queue_name,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_SENDER": SENDER,
            "OUTBOX_SWEEP_SECONDS": "1",
            "OUTBOX_SWEEP_GRACE_SECONDS": "0",
            "MEETING_REMINDER_SCAN_SECONDS": "1",
            "LOG_LEVEL": "INFO",
        }
        worker = Worker(tmp_path / f"worker-{len(started) + 1}.log", env).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


async def seed(committed: async_sessionmaker[AsyncSession], invitees: int = INVITEES) -> uuid.UUID:
    """A cohort of five members sharing the invitees, and a meeting in 20 days, committed."""
    async with committed() as session:
        make = Factory(session)
        partner = await make.partner("wales")
        members = [await make.member(partner=partner) for _ in range(5)]
        cohort = await make.cohort("Exactly once", partner=partner, members=members)
        now = utcnow()
        await session.execute(
            insert(Contact),
            [
                {
                    "id": uuid.uuid4(),
                    "member_id": members[n % 5].id,
                    "email": f"invitee{n:03d}@example.org",
                    "first_name": "Invitee",
                    "last_name": f"{n:03d}",
                    "language": ("en", "cy", "fr", "es", "de")[n % 5],
                    "email_opt_outs": [],
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(invitees)
            ],
        )
        meeting = await schedule(session, cohort, starts_at=upcoming(days=20), offsets=OFFSETS)
        await session.commit()
        return meeting.id


async def make_all_due(committed: async_sessionmaker[AsyncSession]) -> None:
    """Let time pass: every planned reminder falls due now (both offsets at once)."""
    async with committed() as session:
        await session.execute(
            update(MeetingReminder)
            .where(MeetingReminder.status == ReminderStatus.PLANNED)
            .values(due_at=func.now() - timedelta(seconds=1))
        )
        await session.commit()


async def count(committed: async_sessionmaker[AsyncSession], statement: Any) -> int:
    async with committed() as session:
        return int((await session.execute(statement)).scalar_one())


def reminders_received(sink: Sink) -> Counter[tuple[str, str]]:
    """(recipient, subject) of every reminder the sink accepted, counted (headers only)."""
    parser = BytesHeaderParser(policy=policy.default)
    headers = [parser.parsebytes(raw) for raw in sink.handler.accepted]
    return Counter(
        (str(h["To"]), str(h["Subject"]))
        for h in headers
        if str(h["Subject"]).startswith(
            ("Reminder:", "Nodyn atgoffa:", "Rappel :", "Recordatorio:", "Erinnerung:")
        )
    )


def assert_one_reminder_per_invitee_and_offset(sink: Sink) -> None:
    received = reminders_received(sink)
    assert len(received) == INVITEES * len(OFFSETS)
    assert set(received.values()) == {1}
    per_invitee = Counter(to for to, _ in received)
    assert len(per_invitee) == INVITEES
    assert set(per_invitee.values()) == {len(OFFSETS)}


async def all_delivered(committed: async_sessionmaker[AsyncSession], sink: Sink) -> bool:
    planned = await count(
        committed,
        select(func.count())
        .select_from(MeetingReminder)
        .where(MeetingReminder.status == ReminderStatus.PLANNED),
    )
    pending = await count(
        committed,
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status != OutboxStatus.SENT),
    )
    return planned == 0 and pending == 0 and sink.count >= INVITEES * (1 + len(OFFSETS))


async def test_two_passes_at_once_claim_each_reminder_once(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    meeting_id = await seed(committed)
    await make_all_due(committed)
    first, second = await asyncio.gather(
        send_due_reminders(committed, batch_size=50), send_due_reminders(committed, batch_size=50)
    )
    assert first.sent + second.sent == INVITEES * len(OFFSETS)
    assert first.skipped + second.skipped == 0
    async with committed() as session:
        keys = (
            await session.scalars(
                select(OutboxMessage.dedup_key).where(OutboxMessage.template == "meeting_reminder")
            )
        ).all()
        meeting = await session.get(NetworkMeeting, meeting_id)
        assert meeting is not None
    assert len(keys) == len(set(keys)) == INVITEES * len(OFFSETS)
    start = int(meeting.starts_at.timestamp())
    assert {k.rsplit(":", 2)[1] for k in keys} == {"10080", "1440"}
    assert {k.rsplit(":", 1)[1] for k in keys} == {str(start)}


@pytest.mark.slow
async def test_two_workers_running_the_cron_deliver_one_email_per_invitee_and_offset(
    committed: async_sessionmaker[AsyncSession],
    sink: Sink,
    workers: Callable[[int], Worker],
) -> None:
    await seed(committed)
    await make_all_due(committed)
    first, second = workers(sink.port), workers(sink.port)
    await asyncio.gather(first.ready(), second.ready())
    await wait_for(
        lambda: all_delivered(committed, sink), within=120, what="every email to be delivered"
    )
    assert_one_reminder_per_invitee_and_offset(sink)
    assert set(sink.message_ids().values()) == {1}
    assert sink.count == INVITEES * (1 + len(OFFSETS))


@pytest.mark.slow
async def test_a_worker_killed_mid_batch_and_restarted_sends_each_reminder_once(
    committed: async_sessionmaker[AsyncSession],
    outbox_engine: AsyncEngine,
    sink: Sink,
    workers: Callable[[int], Worker],
) -> None:
    await seed(committed)
    first = workers(sink.port)
    await first.ready()
    await wait_for(lambda: all_delivered_invitations(sink), within=60, what="the invitations")
    await make_all_due(committed)
    # Hold the outbox: the worker's next reminder batch claims its rows, then waits to write
    # its first message. That is "mid-batch"; the kill comes exactly there.
    async with outbox_engine.connect() as blocker:
        transaction = await blocker.begin()
        await blocker.execute(text("LOCK TABLE outbox_messages IN SHARE MODE"))
        await wait_for(lambda: batch_waiting(outbox_engine), within=30, what="a batch mid-way")
        claimed = await count(
            committed,
            select(func.count())
            .select_from(MeetingReminder)
            .where(MeetingReminder.status == ReminderStatus.PLANNED),
        )
        assert claimed == INVITEES * len(OFFSETS)  # the claim is not committed: all planned
        first.kill()
        await transaction.rollback()
    second = workers(sink.port)
    await second.ready()
    await wait_for(
        lambda: all_delivered(committed, sink), within=120, what="every email to be delivered"
    )
    assert_one_reminder_per_invitee_and_offset(sink)
    assert sink.count == INVITEES * (1 + len(OFFSETS))


async def all_delivered_invitations(sink: Sink) -> bool:
    return sink.count >= INVITEES


async def batch_waiting(engine: AsyncEngine) -> bool:
    """Whether some connection is waiting for the outbox lock in the middle of an INSERT."""
    statement = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND query LIKE 'INSERT INTO outbox_messages%'"
    )
    async with engine.connect() as connection:
        return int((await connection.execute(statement)).scalar_one()) > 0


@pytest.mark.slow
async def test_the_operator_command_runs_one_pass_and_enqueues_the_deliveries(
    committed: async_sessionmaker[AsyncSession], outbox_database_url: str, queue_name: str
) -> None:
    await seed(committed, invitees=10)
    await make_all_due(committed)
    env = {
        **os.environ,
        "DATABASE_URL": outbox_database_url,
        "REDIS_URL": REDIS_URL,
        "WORKER_QUEUE_NAME": queue_name,
    }
    command = [str(BIN / "network"), "reminders", "send"]
    assert "meetings: 20 reminders owed, 0 skipped\n" in await output_of(command, env)
    assert "meetings: 0 reminders owed, 0 skipped\n" in await output_of(command, env)
    owed = await count(
        committed,
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.template == "meeting_reminder"),
    )
    assert owed == 20
    redis = ArqRedis.from_url(REDIS_URL)
    try:
        assert await redis.zcard(queue_name) == 1  # one delivery job for the batch of 20
    finally:
        await redis.aclose()


async def output_of(command: list[str], env: dict[str, str]) -> str:
    """Run a command to its end; its standard output (it must succeed)."""
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()
