"""Benchmark: meeting reminder fan-out, from "due" to the last message the SMTP sink accepts.

    .venv/bin/python -m bench.meetings_fanout                  # 10,000 invitees; 1 and 2 workers
    .venv/bin/python -m bench.meetings_fanout --invitees 2000 --workers 1

The data: 50 cohorts of 4 members with 50 contacts each (10,000 invitees in all, in the five
languages), one network meeting per cohort scheduled through the service with one reminder
offset, the invitations and reminder plan written by the service's own statements. Every
reminder is then set to fall due at the same instant T, a few seconds ahead, while the
workers (real `network worker` processes on a queue of their own) are already polling.

What is timed: T to the last 250 answer of the sink (an aiosmtpd server in a thread of this
process that only counts), with the workers' reminder cron scanning every
MEETING_REMINDER_SCAN_SECONDS (2 by default, as configured). The path is the production one:
cron pass -> claim a batch (FOR UPDATE SKIP LOCKED) -> outbox rows -> commit -> delivery jobs
-> delivery batches (one claim, one SMTP connection each) -> sink.

Also counted, in this process on the same database: the SQL statements of one reminder batch
and of one delivery batch, and the SMTP connections per delivery batch in the timed runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from arq.connections import ArqRedis
from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from network.auth.principal import SYSTEM
from network.config import Settings
from network.contacts.models import Contact
from network.db import make_engine, make_session_factory, unit_of_work, utcnow
from network.kit.enums import Network, StarStep
from network.meetings import planning
from network.meetings import service as meetings
from network.meetings.models import MeetingReminder, ReminderStatus
from network.meetings.reminders import send_due_batch
from network.members.models import Member
from network.messaging.delivery import Courier, deliver_batch
from network.messaging.models import OutboxMessage, OutboxStatus
from network.models import Base
from network.partners.models import Partner
from network.programme.models import Cohort, CohortMember

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/network_bench_meetings"
SENDER = "Network CRM <no-reply@citizenpowered.example>"
LANGUAGES = ("en", "cy", "fr", "es", "de")
MEMBERS_PER_COHORT = 4


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class CountingSink:
    """An SMTP server that accepts everything and counts messages and connections."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages = 0
        self.connections = 0
        self.first_at: float | None = None
        self.last_at: float | None = None

    async def handle_EHLO(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: Any
    ) -> Any:
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        now = time.time()
        with self.lock:
            self.messages += 1
            self.first_at = self.first_at or now
            self.last_at = now
        return "250 OK"

    def reset(self) -> None:
        with self.lock:
            self.messages = self.connections = 0
            self.first_at = self.last_at = None


@dataclass
class Run:
    workers: int
    due_to_owed: float  # the last reminder's outbox row written (the reminder pass is done)
    due_to_first: float
    due_to_last: float
    messages: int
    connections: int
    delivery_batches: int
    reminder_batches: int
    passes: list[str] = field(default_factory=list)


def prepare(url: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "ensure_database.py"), url], check=True)
    subprocess.run(
        [str(BIN / "network"), "migrate"],
        check=True,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
    )


async def truncate(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        # Only the tables the migrations made (a model whose migration is still being
        # written must not stop the benchmark).
        existing = set(
            (await connection.execute(text("SELECT tablename FROM pg_tables"))).scalars()
        )
        names = [t.name for t in Base.metadata.sorted_tables if t.name in existing]
        tables = ", ".join(f'"{name}"' for name in names)
        await connection.execute(text(f"TRUNCATE {tables} CASCADE"))


async def seed(sessions: async_sessionmaker[AsyncSession], invitees: int, meetings_n: int) -> None:
    """Cohorts, members, contacts in bulk; meetings, invitations and plans through the service."""
    per_meeting = invitees // meetings_n
    per_member = per_meeting // MEMBERS_PER_COHORT
    now = utcnow()
    async with unit_of_work(sessions) as session:
        partner_id = uuid.uuid4()
        await session.execute(
            insert(Partner).values(
                id=partner_id, slug="bench", name="Bench partner", countries=["GB"]
            )
        )
        cohort_ids = [uuid.uuid4() for _ in range(meetings_n)]
        await session.execute(
            insert(Cohort),
            [
                {
                    "id": c,
                    "name": f"Bench cohort {n:02d}",
                    "network": Network.CITIZEN_POWERED_COUNCIL,
                    "partner_id": partner_id,
                }
                for n, c in enumerate(cohort_ids)
            ],
        )
        member_rows = []
        links = []
        for n, cohort_id in enumerate(cohort_ids):
            for m in range(MEMBERS_PER_COHORT):
                member_id = uuid.uuid4()
                member_rows.append(
                    {
                        "id": member_id,
                        "name": f"Bench council {n:02d}-{m}",
                        "network": Network.CITIZEN_POWERED_COUNCIL,
                        "country": "GB",
                        "partner_id": partner_id,
                    }
                )
                links.append({"cohort_id": cohort_id, "member_id": member_id})
        await session.execute(insert(Member), member_rows)
        await session.execute(insert(CohortMember), links)
        contacts = [
            {
                "id": uuid.uuid4(),
                "member_id": link["member_id"],
                "email": f"person{k:05d}.{i:03d}@bench.example",
                "first_name": "Bench",
                "last_name": f"Person {k:05d}-{i:03d}",
                "language": LANGUAGES[(k + i) % 5],
                "email_opt_outs": [],
                "created_at": now,
                "updated_at": now,
            }
            for k, link in enumerate(links)
            for i in range(per_member)
        ]
        for start in range(0, len(contacts), 2000):
            await session.execute(insert(Contact), contacts[start : start + 2000])
        starts_at = now + timedelta(days=10)
        for cohort_id in cohort_ids:
            # No invitation emails: the bench measures the reminders only. The invitations
            # are then made with the same INSERT ... SELECT the service uses.
            meeting = await meetings.schedule_meeting(
                session,
                SYSTEM,
                cohort_id=cohort_id,
                after_step=StarStep.FOCUS_IT,
                title="Focus It network meeting",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2),
                time_zone="Europe/London",
                venue="Council Chamber",
                online_url="https://meet.example/bench",
                reminder_offsets_minutes=[1440],
                contact_ids=[],
            )
            audience = planning.of_meeting_audience(planning.invitable_contacts(SYSTEM), meeting)
            await planning.invite(session, meeting, audience)
            await planning.plan_reminders(session, meeting, now=now)


async def make_due(sessions: async_sessionmaker[AsyncSession], at: datetime) -> int:
    async with unit_of_work(sessions) as session:
        result = await session.execute(
            update(MeetingReminder)
            .where(MeetingReminder.status == ReminderStatus.PLANNED)
            .values(due_at=at)
            .returning(MeetingReminder.id)
        )
        return len(result.all())


async def count_sent(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        sent = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENT)
        )
    return int(sent or 0)


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([str(BIN / "network"), "worker"], env=env, stdout=out, stderr=out)


def wait_ready(log: Path, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while "redis_version=" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"worker did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.05)


async def clear_queue(redis_url: str, queue: str) -> None:
    redis = ArqRedis.from_url(redis_url)
    try:
        ids = [i.decode() for i in await redis.zrange(queue, 0, -1)]
        for prefix in ("arq:job:", "arq:in-progress:", "arq:retry:", "arq:result:"):
            if ids:
                await redis.delete(*[prefix + i for i in ids])
        await redis.delete(queue, f"{queue}:health-check")
    finally:
        await redis.aclose()


async def timed_run(
    args: argparse.Namespace,
    engine: AsyncEngine,
    sink: CountingSink,
    port: int,
    workers: int,
    logs: Path,
) -> Run:
    sessions = make_session_factory(engine, principal=SYSTEM)
    await truncate(engine)
    await seed(sessions, args.invitees, args.meetings)
    total = args.invitees // args.meetings // MEMBERS_PER_COHORT * MEMBERS_PER_COHORT
    total *= args.meetings
    queue = f"arq:queue:bench-meetings-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "WORKER_QUEUE_NAME": queue,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SENDER": SENDER,
        "LOG_LEVEL": "INFO",
    }
    processes = []
    try:
        for n in range(workers):
            log = logs / f"run{workers}-worker{n + 1}.log"
            process = start_worker(env, log)
            processes.append((process, log))
        for process, log in processes:
            wait_ready(log, process)
        sink.reset()
        due = datetime.now(UTC) + timedelta(seconds=3)
        planned = await make_due(sessions, due)
        assert planned == total, (planned, total)
        deadline = time.monotonic() + args.timeout
        while sink.messages < total:
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out: {sink.messages} of {total} delivered")
            await asyncio.sleep(0.05)
        assert sink.first_at is not None and sink.last_at is not None
        # Not timed: let the last batches record their SENT state before the workers stop.
        while await count_sent(sessions) < total:
            if time.monotonic() > deadline:
                raise SystemExit("timed out waiting for the outbox to record every message")
            await asyncio.sleep(0.05)
        due_ts = due.timestamp()
        async with sessions() as session:
            last_owed = await session.scalar(select(func.max(OutboxMessage.created_at)))
        assert last_owed is not None
        run = Run(
            workers=workers,
            due_to_owed=last_owed.timestamp() - due_ts,
            due_to_first=sink.first_at - due_ts,
            due_to_last=sink.last_at - due_ts,
            messages=sink.messages,
            connections=sink.connections,
            delivery_batches=0,
            reminder_batches=0,
        )
    finally:
        for process, _ in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, _ in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        await clear_queue(args.redis_url, queue)
    for _, log in processes:
        text_ = log.read_text(errors="replace")
        run.delivery_batches += text_.count("outbox batch:")
        for line in text_.splitlines():
            if "meeting reminders:" in line:
                run.passes.append(line.split("meeting reminders: ", 1)[1])
                run.reminder_batches += int(line.rsplit(" in ", 1)[1].split()[0])
    sent = await count_sent(sessions)
    async with sessions() as session:
        keys = await session.scalar(select(func.count(func.distinct(OutboxMessage.dedup_key))))
    assert sent == total == keys == run.messages, (sent, total, keys, run.messages)
    return run


class Counter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement.split(None, 1)[0].upper())


async def count_statements(
    args: argparse.Namespace, engine: AsyncEngine, sink: CountingSink, port: int
) -> dict[str, Any]:
    """SQL statements of one reminder batch and one delivery batch (100 each), in process."""
    sessions = make_session_factory(engine, principal=SYSTEM)
    await truncate(engine)
    await seed(sessions, 400, 1)
    await make_due(sessions, datetime.now(UTC) - timedelta(seconds=1))
    counter = Counter()
    event.listen(engine.sync_engine, "before_cursor_execute", counter)
    try:
        async with unit_of_work(sessions) as session:
            sent, skipped = await send_due_batch(session, limit=args.batch_size)
        reminder_statements = list(counter.statements)
        counter.statements.clear()
        settings = Settings(
            database_url=args.database_url,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_sender=SENDER,
            outbox_batch_size=args.batch_size,
        )
        courier = Courier.from_settings(settings, engine, engine)
        sink.reset()
        report = await deliver_batch(courier, ids=None)
        delivery_statements = list(counter.statements)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", counter)
    return {
        "reminder_batch": {"reminders": sent + skipped, "statements": reminder_statements},
        "delivery_batch": {
            "messages": report.claimed,
            "statements": delivery_statements,
            "smtp_connections": sink.connections,
        },
    }


def summary(statements: list[str]) -> str:
    counts: dict[str, int] = {}
    for s in statements:
        counts[s] = counts.get(s, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invitees", type=int, default=10_000)
    parser.add_argument("--meetings", type=int, default=50)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--logs", type=Path, default=None, help="keep the workers' logs here")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()
    prepare(args.database_url)
    asyncio.run(bench(args))


async def bench(args: argparse.Namespace) -> None:
    engine = make_engine(args.database_url, pool_size=4)
    handler = CountingSink()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    runs: list[Run] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-meetings-") as tmp:
            logs = args.logs or Path(tmp)
            logs.mkdir(parents=True, exist_ok=True)
            for count in [int(w) for w in args.workers.split(",") if w]:
                run = await timed_run(args, engine, handler, port, count, logs)
                runs.append(run)
                print(
                    f"{count} worker(s): {run.messages} reminders, due -> all owed "
                    f"{run.due_to_owed:.2f} s, due -> first accepted "
                    f"{run.due_to_first:.2f} s, due -> last accepted {run.due_to_last:.2f} s; "
                    f"{run.connections} SMTP connections for {run.delivery_batches} delivery "
                    f"batches; {run.reminder_batches} reminder batches in {len(run.passes)} "
                    "cron passes",
                    flush=True,
                )
            counts = await count_statements(args, engine, handler, port)
    finally:
        controller.stop()
        await engine.dispose()
    reminder = counts["reminder_batch"]
    delivery = counts["delivery_batch"]
    print(
        f"one reminder batch ({reminder['reminders']} reminders): "
        f"{len(reminder['statements'])} SQL statements ({summary(reminder['statements'])})"
    )
    print(
        f"one delivery batch ({delivery['messages']} messages): "
        f"{len(delivery['statements'])} SQL statements ({summary(delivery['statements'])}), "
        f"{delivery['smtp_connections']} SMTP connection(s)"
    )


if __name__ == "__main__":
    main()
