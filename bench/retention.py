"""Benchmark: the retention run's plan and apply over the benchmark dataset.

    .venv/bin/python -m bench.retention [--now 2027-06-01] [--batch-size 200]

On the dataset of `bench.generate` (50,000 contacts at 1,000 members, a quarter of them
prospects; built into a database of its own, `network_bench_retention`, if missing), this adds,
inside one transaction rolled back at the end, the history retention reads and prunes: a
booking or two for a third of the contacts (on 60 sessions), 50 network-wide meetings with
20,000 invitations (half answered), a consent ledger entry for each contact, one sent email per
contact (a 600-byte context, an .ics attachment for one in five), and member users for 5,000
contacts with 4 portal sessions, 2 sign-in links and a token each, spread over the dataset's
four years. Then, with the network-wide defaults and one partner overriding prospects to three
years, it times at `--now`:

- `plan` (the report), twice (the second with warm caches);
- `apply`: every erasure, prune and deletion, a batch per savepoint, with counts and rates;
- `plan` and `apply` again: the steady state of a daily run with nothing left to do.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from bench.generate import EPOCH, SPAN_DAYS, Spec, ensure
from network.auth.models import ApiToken, LoginLink, PortalSignIn, User
from network.auth.principal import SYSTEM
from network.consent.models import ConsentEvent
from network.contacts.models import Contact
from network.db import PRINCIPAL, make_engine
from network.meetings.models import MeetingInvitation, NetworkMeeting
from network.messaging.models import OutboxAttachment, OutboxMessage
from network.partners.models import Partner
from network.privacy import retention
from network.privacy.models import RetentionRuleKind
from network.privacy.retention_queries import Target
from network.training.models import Booking, Course, TrainingSession

DEFAULT_URL = os.environ.get(
    "BENCH_RETENTION_DATABASE_URL",
    "postgresql+asyncpg://postgres@127.0.0.1:5432/network_bench_retention",
)
END = EPOCH + timedelta(days=SPAN_DAYS)


def _moment(rng: random.Random, after: datetime) -> datetime:
    seconds = max(1, int((END - after).total_seconds()))
    return after + timedelta(seconds=rng.randrange(seconds))


async def _bulk(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5000):
        await session.execute(insert(model), rows[start : start + 5000])


async def add_history(session: AsyncSession, seed: int = 13) -> dict[str, int]:
    """The rows retention reads and prunes, for the dataset's contacts."""
    rng = random.Random(seed)
    people = (await session.execute(select(Contact.id, Contact.email, Contact.created_at))).all()
    course_id = uuid.uuid4()
    await _bulk(
        session,
        Course,
        [
            {
                "id": course_id,
                "title": "Co-Production Star training",
                "format": "ONE_DAY",
                "cpd_hours": 6,
                "cpd_certified": True,
            }
        ],
    )
    sessions = []
    for _ in range(60):
        starts = _moment(rng, EPOCH)
        sessions.append(
            {
                "id": uuid.uuid4(),
                "course_id": course_id,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=6),
                "time_zone": "Europe/London",
                "language": "en",
                "capacity": 1000,
            }
        )
    await _bulk(session, TrainingSession, sessions)
    bookings = []
    for person in rng.sample(people, len(people) // 3):
        for chosen in rng.sample(sessions, rng.choice([1, 1, 2])):
            bookings.append(
                {
                    "session_id": chosen["id"],
                    "contact_id": person.id,
                    "status": rng.choice(["ATTENDED", "ATTENDED", "CONFIRMED", "CANCELLED"]),
                    "booked_at": min(chosen["starts_at"], _moment(rng, person.created_at)),
                }
            )
    await _bulk(session, Booking, bookings)
    meetings = []
    for n in range(50):
        starts = _moment(rng, EPOCH)
        meetings.append(
            {
                "id": uuid.uuid4(),
                "network": "CITIZEN_POWERED_COUNCIL",
                "after_step": "MAP_IT",
                "title": f"Network meeting {n}",
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "time_zone": "Europe/London",
                "reminder_offsets_minutes": [],
            }
        )
    await _bulk(session, NetworkMeeting, meetings)
    invitations = []
    for meeting in meetings:
        for person in rng.sample(people, 400):
            invited = _moment(rng, person.created_at)
            answered = rng.random() < 0.5
            invitations.append(
                {
                    "meeting_id": meeting["id"],
                    "contact_id": person.id,
                    "invited_at": invited,
                    "response": rng.choice(["YES", "NO", "MAYBE"]) if answered else None,
                    "responded_at": _moment(rng, invited) if answered else None,
                }
            )
    await _bulk(session, MeetingInvitation, invitations)
    await _bulk(
        session,
        ConsentEvent,
        [
            {
                "contact_id": person.id,
                "purpose": "NETWORK_NEWS",
                "given": True,
                "wording_version": "2024-01",
                "channel": "FORM",
                "recorded_at": person.created_at,
            }
            for person in people
        ],
    )
    messages, attachments = [], []
    for person in people:
        sent = _moment(rng, person.created_at)
        message_id = uuid.uuid4()
        with_ics = rng.random() < 0.2
        messages.append(
            {
                "id": message_id,
                "dedup_key": f"bench-retention:{message_id}",
                "template": "notice",
                "language": "en",
                "to_email": person.email,
                "contact_id": person.id,
                "purpose": "TRANSACTIONAL",
                "context": {"recipient_name": person.email, "paragraphs": ["x" * 500]},
                "attachment_count": 1 if with_ics else 0,
                "status": "SENT",
                "attempts": 1,
                "max_attempts": 5,
                "next_attempt_at": sent,
                "sent_at": sent,
                "created_at": sent,
                "updated_at": sent,
            }
        )
        if with_ics:
            attachments.append(
                {
                    "message_id": message_id,
                    "position": 0,
                    "filename": "invite.ics",
                    "content_type": "text/calendar",
                    "content": os.urandom(2048),
                }
            )
    await _bulk(session, OutboxMessage, messages)
    await _bulk(session, OutboxAttachment, attachments)
    users, sign_ins, links, tokens = [], [], [], []
    for person in rng.sample(people, 5000):
        user_id = uuid.uuid4()
        users.append(
            {
                "id": user_id,
                "email": f"user.{user_id}@bench.example",
                "name": "Bench member",
                "role": "MEMBER",
                "contact_id": person.id,
                "is_active": True,
            }
        )
        for _ in range(4):
            began = _moment(rng, person.created_at)
            sign_ins.append(
                {"user_id": user_id, "created_at": began, "expires_at": began + timedelta(days=14)}
            )
        for _ in range(2):
            sent = _moment(rng, person.created_at)
            links.append(
                {
                    "user_id": user_id,
                    "token_hash": os.urandom(32),
                    "expires_at": sent + timedelta(minutes=15),
                    "used_at": sent + timedelta(minutes=2),
                    "created_at": sent,
                }
            )
        issued = _moment(rng, person.created_at)
        tokens.append(
            {
                "user_id": user_id,
                "token_hash": os.urandom(32),
                "created_at": issued,
                "expires_at": issued + timedelta(days=90),
            }
        )
    await _bulk(session, User, users)
    await _bulk(session, PortalSignIn, sign_ins)
    await _bulk(session, LoginLink, links)
    await _bulk(session, ApiToken, tokens)
    await session.commit()
    return {
        "bookings": len(bookings),
        "invitations": len(invitations),
        "consent events": len(people),
        "emails": len(messages),
        "attachments": len(attachments),
        "portal sessions": len(sign_ins),
        "sign-in links": len(links),
        "tokens": len(tokens),
    }


def _counts(plan: retention.RetentionPlan) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in plan.lines:
        key = f"{line.action.value} {line.what.value}"
        counts[key] = counts.get(key, 0) + line.count
    return counts


@asynccontextmanager
async def rolled_back(
    url: str,
) -> AsyncIterator[tuple[AsyncConnection, async_sessionmaker[AsyncSession]]]:
    """The benchmark database (generated if missing) inside one transaction rolled back at the
    end, and sessions acting as the system whose commits are savepoints of it."""
    await ensure(url, Spec(), if_missing=True)
    engine = make_engine(url, pool_size=2)
    try:
        async with engine.connect() as connection:
            outer = await connection.begin()
            try:
                yield (
                    connection,
                    async_sessionmaker(
                        bind=connection,
                        join_transaction_mode="create_savepoint",
                        expire_on_commit=False,
                        autoflush=False,
                        info={PRINCIPAL: SYSTEM},
                    ),
                )
            finally:
                await outer.rollback()
    finally:
        await engine.dispose()


async def run(url: str, now: datetime, batch_size: int) -> None:
    async with rolled_back(url) as (connection, sessions):
        async with sessions() as session:
            started = time.perf_counter()
            added = await add_history(session)
            print(f"history added in {time.perf_counter() - started:.1f} s: {added}")
            french = await session.scalar(
                select(Partner.id).where(Partner.countries.contains(["FR"])).limit(1)
            )
            if french is not None:
                await retention.set_retention_rule(
                    session, SYSTEM, french, RetentionRuleKind.PROSPECT_CONTACTS, 1095
                )
            await session.commit()
            await connection.exec_driver_sql("ANALYZE")

            timings: dict[str, float] = {}
            for label in ("plan (cold)", "plan (warm)"):
                started = time.perf_counter()
                plan = await retention.plan(session, now)
                timings[label] = time.perf_counter() - started
            await session.commit()
        print(
            f"python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
            f"now={now:%Y-%m-%d}, batch size {batch_size}"
        )
        print(f"plan: {_counts(plan)} ({plan.total:,} rows)")
        stamps: list[float] = []

        async def stamp(session: AsyncSession) -> None:
            stamps.append(time.perf_counter())  # after each batch's commit

        started = time.perf_counter()
        done = await retention.apply(
            sessions, now, SYSTEM, batch_size=batch_size, after_commit=stamp
        )
        timings["apply"] = time.perf_counter() - started
        # apply prunes and deletes first, then erases: split its time there.
        pruning = sum(
            -(-line.count // batch_size) for line in plan.lines if line.what is not Target.CONTACTS
        )
        if 0 < pruning < len(stamps):
            timings["apply: pruning and deleting"] = stamps[pruning - 1] - started
            timings["apply: erasing"] = stamps[-1] - stamps[pruning - 1]
        assert done.done == [line.count for line in plan.lines], "apply did not do the plan"
        per_target: dict[str, float] = {}
        for line, count in zip(plan.lines, done.done, strict=True):
            per_target[line.what.value] = per_target.get(line.what.value, 0) + count
        async with sessions() as session:
            started = time.perf_counter()
            again = await retention.plan(session, now)
            timings["plan after the run"] = time.perf_counter() - started
        started = time.perf_counter()
        idle = await retention.apply(sessions, now, SYSTEM, batch_size=batch_size)
        timings["apply with nothing to do"] = time.perf_counter() - started
        assert again.total == 0 and idle.total == 0, f"a second run found work: {_counts(again)}"
    for label, seconds in timings.items():
        print(f"{label}: {seconds * 1000:,.0f} ms")
    erased = per_target.get("contacts", 0)
    print(f"done: {per_target}; {done.total / timings['apply']:,.0f} rows/s overall")
    if erased:
        print(f"erasures: {erased:,} ({erased / timings['apply']:,.1f}/s upper bound of the run)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.retention", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument(
        "--now",
        type=lambda text: datetime.fromisoformat(text).replace(tzinfo=UTC),
        default=datetime(2027, 6, 1, tzinfo=UTC),
        help="The moment the run is asked about (the dataset spans 2023-01 to 2026-10).",
    )
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args(argv)
    asyncio.run(run(args.database_url, args.now, args.batch_size))


if __name__ == "__main__":
    main()
