"""A database of its own for the training benchmarks: created, migrated and seeded here.

The training benchmarks write (bookings, outbox rows), so they never touch the shared
`network_bench` dataset: they use `network_bench_training` (or BENCH_TRAINING_DATABASE_URL),
rebuilt by the real migrations at the start of each run, and seeded with a fixed seed.
Delivery jobs go to a queue of their own on Redis, removed at the end (no worker runs).
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.config import Settings
from network.contacts.models import Contact
from network.db import make_session_factory, unit_of_work
from network.kit.enums import Network, Role
from network.members.models import Member
from network.models import Base
from network.training.enums import BookingStatus, CourseFormat
from network.training.models import Booking, Course, TrainingSession

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = os.environ.get(
    "BENCH_TRAINING_DATABASE_URL",
    "postgresql+asyncpg://postgres@127.0.0.1:5432/network_bench_training",
)
QUEUE = "arq:queue:training-bench"
STAFF_EMAIL = "staff@bench.example"
START = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


async def _run(*command: str, database_url: str | None = None) -> None:
    env = {**os.environ, "DATABASE_URL": database_url} if database_url else None
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL
    )
    if await process.wait() != 0:
        raise RuntimeError(f"failed: {' '.join(command)}")


async def rebuild(url: str) -> None:
    """Drop and create the database, then apply every migration (the real ones)."""
    python = sys.executable
    await _run(python, str(ROOT / "scripts" / "ensure_database.py"), url, "--recreate")
    await _run(str(Path(python).parent / "network"), "migrate", database_url=url)


async def truncate(engine: AsyncEngine) -> None:
    """Empty every table."""
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def bench_settings(url: str) -> Settings:
    """The app's settings for a benchmark: this database, its own job queue."""
    return Settings(database_url=url, worker_queue_name=QUEUE, base_url="http://bench")


async def forget_jobs(settings: Settings) -> None:
    """Remove the delivery jobs the run enqueued (no worker is running to take them)."""
    redis = Redis.from_url(settings.redis_url)
    try:
        ids = await redis.zrange(QUEUE, 0, -1)
        keys = [b"arq:job:" + i for i in ids]
        for start in range(0, len(keys), 500):
            await redis.delete(*keys[start : start + 500])
        await redis.delete(QUEUE)
    finally:
        await redis.aclose()


async def staff_token(engine: AsyncEngine) -> str:
    """A bearer token for a new staff user."""
    async with unit_of_work(make_session_factory(engine, principal=SYSTEM)) as session:
        await auth.create_user(session, SYSTEM, email=STAFF_EMAIL, name="Staff", role=Role.STAFF)
        await session.flush()
        return await auth.create_token(session, SYSTEM, STAFF_EMAIL)


@dataclass(frozen=True, slots=True)
class Contention:
    """One session with `seats` seats and `people` contacts who all want one."""

    session_id: uuid.UUID
    contact_ids: list[uuid.UUID]


async def seed_contention(engine: AsyncEngine, *, people: int, seats: int) -> Contention:
    """A member with `people` contacts and a session of `seats` seats, committed."""
    member_id = uuid.uuid4()
    contacts = [
        {
            "id": uuid.uuid4(),
            "member_id": member_id,
            "email": f"learner{n:05d}@sandwell.example",
            "first_name": "Learner",
            "last_name": f"{n:05d}",
            "language": "en",
        }
        for n in range(people)
    ]
    course_id, session_id = uuid.uuid4(), uuid.uuid4()
    async with engine.begin() as connection:
        await connection.execute(
            insert(Member),
            [
                {
                    "id": member_id,
                    "name": "Sandwell Metropolitan Borough Council",
                    "network": Network.CITIZEN_POWERED_COUNCIL,
                    "country": "GB",
                }
            ],
        )
        await connection.execute(insert(Contact), contacts)
        await connection.execute(
            insert(Course),
            [
                {
                    "id": course_id,
                    "title": "Outcome-Based Commissioning",
                    "format": CourseFormat.ONE_DAY,
                    "cpd_hours": Decimal(6),
                    "cpd_certified": True,
                }
            ],
        )
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
        await connection.execute(
            insert(TrainingSession),
            [
                {
                    "id": session_id,
                    "course_id": course_id,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=6),
                    "time_zone": "Europe/London",
                    "language": "en",
                    "venue": "Sandwell Council House, Oldbury",
                    "capacity": seats,
                }
            ],
        )
    return Contention(session_id, [c["id"] for c in contacts])


async def seed_listing(
    engine: AsyncEngine, *, sessions: int, bookings_per_session: int, seed: int
) -> None:
    """`sessions` sessions of three courses, each with bookings (seats first, then a queue)."""
    rng = random.Random(seed)
    members = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(40)]
    contacts = [
        {
            "id": uuid.UUID(int=rng.getrandbits(128)),
            "member_id": members[n % len(members)],
            "email": f"learner{n:05d}@council{n % len(members):02d}.example",
            "first_name": rng.choice(["Siân", "Aled", "Fiona", "Raj", "Emma", "Claire", "Jonas"]),
            "last_name": f"Learner {n:05d}",
            "language": rng.choice(["en", "en", "cy", "fr", "de", "es"]),
        }
        for n in range(2000)
    ]
    courses = [
        {
            "id": uuid.UUID(int=rng.getrandbits(128)),
            "title": title,
            "format": fmt,
            "cpd_hours": Decimal(hours),
            "cpd_certified": certified,
        }
        for title, fmt, hours, certified in (
            ("Co-Production Star training", CourseFormat.TWO_DAY, "12", True),
            ("Outcome-Based Commissioning", CourseFormat.ONE_DAY, "6", True),
            ("Co-Production Star briefing", CourseFormat.HALF_DAY, "0", False),
        )
    ]
    rows = []
    bookings = []
    for n in range(sessions):
        session_id = uuid.UUID(int=rng.getrandbits(128))
        capacity = rng.choice([8, 10, 12, 16])
        starts = START + timedelta(days=n // 3, hours=(n % 3) * 3)
        rows.append(
            {
                "id": session_id,
                "course_id": courses[n % 3]["id"],
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=3),
                "time_zone": rng.choice(["Europe/London", "Europe/Paris", "Europe/Berlin"]),
                "language": rng.choice(["en", "cy", "fr", "de", "es"]),
                "venue": f"Venue {n}",
                "capacity": capacity,
            }
        )
        for k, contact in enumerate(rng.sample(contacts, bookings_per_session)):
            bookings.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128)),
                    "session_id": session_id,
                    "contact_id": contact["id"],
                    "status": BookingStatus.CONFIRMED if k < capacity else BookingStatus.WAITLISTED,
                }
            )
    async with engine.begin() as connection:
        await connection.execute(
            insert(Member),
            [
                {
                    "id": m,
                    "name": f"Council {i:02d}",
                    "network": Network.CITIZEN_POWERED_COUNCIL,
                    "country": "GB",
                }
                for i, m in enumerate(members)
            ],
        )
        await connection.execute(insert(Contact), contacts)
        await connection.execute(insert(Course), courses)
        await connection.execute(insert(TrainingSession), rows)
        await connection.execute(insert(Booking), bookings)
        await connection.execute(text("ANALYZE"))


def database_name(url: str) -> str:
    """The database a URL names (for the report)."""
    return str(make_url(url).database)
