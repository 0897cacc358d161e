"""The outbox: a committed database, a real SMTP sink, a real Redis queue, real workers.

API tests use the shared rolled-back transaction (tests/support/database.py). Delivery tests cannot:
a worker in another process (or a second connection) only sees committed rows. They use a
database of their own, created and migrated once per run, emptied before each test.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from network.app import create_app
from network.auth.principal import SYSTEM
from network.config import Settings
from network.contacts.models import Contact
from network.db import make_engine, make_session_factory
from network.jobs import JobQueue
from network.messaging.delivery import Courier, RetryPolicy, SmtpServer
from network.messaging.models import OutboxMessage
from network.messaging.service import default_renderer, queue_email
from tests.support.config import BIN, REDIS_URL
from tests.support.database import database_of_its_own, empty_every_table
from tests.support.sink import Sink

SENDER = "Network CRM <no-reply@citizenpowered.example>"


@pytest.fixture(scope="session")
def outbox_database_url() -> Iterator[str]:
    """A database of this run's own (committed data; dropped at the end)."""
    with database_of_its_own("outbox") as url:
        yield url


@pytest.fixture(scope="session")
async def outbox_engine(outbox_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(outbox_database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def committed(outbox_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on the outbox database, emptied first; what they commit stays committed."""
    await empty_every_table(outbox_engine)
    return make_session_factory(outbox_engine, principal=SYSTEM)


NOTICE = {"recipient_name": "Anna", "title": "Hello", "paragraphs": ["One.", "Two."]}


async def owe(
    sessions: async_sessionmaker[AsyncSession],
    addresses: list[str],
    *,
    language: str = "en",
    context: dict[str, Any] | None = None,
    **options: Any,
) -> list[uuid.UUID]:
    """Queue one notice per address and commit; the ids in order."""
    ids = []
    async with sessions() as session:
        for address in addresses:
            message_id = await queue_email(
                session,
                template="notice",
                to_email=address,
                language=language,
                context=context if context is not None else NOTICE,
                dedup_key=f"test:{address}:{uuid.uuid4()}",
                **options,
            )
            assert message_id is not None
            ids.append(message_id)
        await session.commit()
    return ids


async def rows(engine: AsyncEngine) -> dict[uuid.UUID, Any]:
    """Every outbox message's delivery state, by id."""
    statement = select(
        OutboxMessage.id,
        OutboxMessage.to_email,
        OutboxMessage.status,
        OutboxMessage.attempts,
        OutboxMessage.last_error,
        OutboxMessage.sent_at,
        OutboxMessage.next_attempt_at,
    )
    async with engine.connect() as connection:
        return {row.id: row for row in (await connection.execute(statement)).all()}


# An address stored before the one rule (network/kit/emails.py) existed, and what the outbox
# says of it.
ODD_ADDRESS = "no-at-sign.powys.example"
ODD_REASON = "not a deliverable email address: An email address must have an @-sign."


async def store_address_as_is(session: AsyncSession, contact: Contact, address: str) -> None:
    """Write a contact's address straight into its row, past every validation."""
    await session.execute(update(Contact).where(Contact.id == contact.id).values(email=address))
    await session.refresh(contact, ["email"])


async def outbox_states(session: AsyncSession, template: str) -> list[tuple[str, str, str | None]]:
    """(to_email, status, last_error) of each message of a template, by address."""
    statement = (
        select(OutboxMessage.to_email, OutboxMessage.status, OutboxMessage.last_error)
        .where(OutboxMessage.template == template)
        .order_by(OutboxMessage.to_email)
    )
    return [(a, str(s), e) for a, s, e in (await session.execute(statement)).all()]


def message_id_of(message_id: uuid.UUID) -> str:
    """The Message-ID header the outbox gives a message."""
    return f"<{message_id}@citizenpowered.example>"


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = Sink().start()
    yield server
    server.stop()


def courier_for(engine: AsyncEngine, port: int, **overrides: Any) -> Courier:
    """A courier on the outbox database and a sink's port."""
    options: dict[str, Any] = {
        "engine": engine,
        "receipts": engine,
        "smtp": SmtpServer(host="127.0.0.1", port=port, sender=SENDER, timeout=5),
        "renderer": default_renderer(),
        "retry": RetryPolicy(base_seconds=30, max_seconds=3600),
        "batch_size": 100,
    }
    options.update(overrides)
    return Courier(**options)


@pytest.fixture(scope="session")
def queue_name() -> str:
    """This run's own arq queue: parallel runs and `make run` never see each other's jobs."""
    return f"arq:queue:test-messaging-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def jobs(queue_name: str) -> AsyncIterator[JobQueue]:
    """The real Redis queue of this run, emptied after each test."""
    queue = JobQueue.from_settings(
        Settings(redis_url=REDIS_URL, worker_queue_name=queue_name, outbox_batch_size=100)
    )
    redis = queue.redis
    yield queue
    job_ids = [i.decode() for i in await redis.zrange(queue_name, 0, -1)]
    for prefix in ("arq:job:", "arq:in-progress:", "arq:retry:", "arq:result:"):
        if job_ids:
            await redis.delete(*[prefix + i for i in job_ids])
    await redis.delete(queue_name, f"{queue_name}:health-check")
    await queue.close()


async def queued_jobs(queue: JobQueue) -> list[str]:
    """The ids of the jobs waiting in the queue, in order."""
    return [i.decode() for i in await queue.redis.zrange(queue.queue_name, 0, -1)]


@pytest.fixture
async def api(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], queue_name: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The app on the per-test transaction, enqueueing on this run's own queue."""
    own = settings.model_copy(update={"worker_queue_name": queue_name})
    app = create_app(own, session_factory=session_factory)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def wait_for(
    condition: Callable[[], Awaitable[bool]], *, within: float = 60, what: str = "condition"
) -> None:
    """Poll another process's progress until the condition holds, or fail at the deadline."""
    deadline = time.monotonic() + within
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.05)


class Worker:
    """A real `network worker` process (arq) on the outbox database, the sink and the queue."""

    def __init__(self, log: Path, env: dict[str, str]) -> None:
        self.log = log
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(BIN / "network"), "worker"], env=self.env, stdout=out, stderr=out
            )
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    async def ready(self, within: float = 30) -> None:
        """Wait until the worker is connected to Redis and polling."""

        async def connected() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited early:\n{self.output()}")
            return "redis_version=" in self.output()

        await wait_for(connected, within=within, what="the worker to start")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye, exactly like a crashed machine."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@pytest.fixture
def workers(
    outbox_database_url: str, queue_name: str, tmp_path: Path
) -> Iterator[Callable[..., Worker]]:
    """Start real worker processes: `workers(smtp_port, **settings)`; all stopped at the end."""
    started: list[Worker] = []

    def start(smtp_port: int, **settings: Any) -> Worker:
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
            "LOG_LEVEL": "INFO",
        }
        env.update({key.upper(): str(value) for key, value in settings.items()})
        worker = Worker(tmp_path / f"worker-{len(started) + 1}.log", env).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
