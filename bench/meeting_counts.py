"""Benchmark: a meeting's aggregate fields, scoped for a partner, and the DateTime scalar.

    .venv/bin/python -m bench.meeting_counts [--rounds 60] [--members 40]

On the benchmark dataset (`bench.generate`, made first if missing) this builds, inside one
transaction rolled back at the end, the cohort of `bench.portal_cohort` (`--members` members,
10 meetings scheduled through the service: invitations, reminder plans and emails), then times
the two aggregates of `NetworkMeeting` for those 10 meetings, as its DataLoaders call them:
`responseCounts` (`repository.response_counts`) and `reminders { count }`
(`repository.reminder_counts`), for the cohort's partner (scoped to the invitations it may
see) and for staff (everything), alternately, `--rounds` times each after 5 warm-up calls.
Then the cost of parsing one DateTime argument: Strawberry's own scalar and ours
(`network/api/core/dates.py`), which also refuses values UTC cannot express.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from strawberry.schema.types.base_scalars import DateTimeDefinition

from bench.generate import DEFAULT_URL, Spec, ensure
from bench.portal_cohort import build_cohort
from network.api.core.dates import parse_date_time
from network.auth.principal import SYSTEM, Principal, PrincipalKind
from network.contacts.models import Contact
from network.db import PRINCIPAL, make_engine
from network.kit.enums import Network
from network.meetings import repository
from network.meetings.models import MeetingInvitation, MeetingReminder, NetworkMeeting
from network.members.models import Member
from network.partners import service as partners

DATE_TIMES = ("2027-03-28T09:30:00", "2027-03-28T09:30:00+01:00", "2027-10-31T01:30:00Z")


async def timed(call: Callable[[], Awaitable[Any]], rounds: int) -> tuple[float, float]:
    """Median and p90 of `call`, in ms."""
    for _ in range(5):
        await call()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(rounds * 0.9) - 1]


async def run(url: str, rounds: int, members: int) -> None:
    await ensure(url, Spec(), if_missing=True)
    engine = make_engine(url, pool_size=2)
    results: dict[str, list[tuple[float, float]]] = {}
    async with engine.connect() as connection:
        outer = await connection.begin()
        factory = async_sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        async with factory(info={PRINCIPAL: SYSTEM}) as session:
            partner = await partners.create_partner(
                session, SYSTEM, slug="bench-counts", name="Bench counts", countries=["GB"]
            )
            with_contacts = select(Contact.member_id).where(Contact.archived_at.is_(None))
            member_ids = (
                await session.scalars(
                    select(Member.id)
                    .where(
                        Member.id.in_(with_contacts),
                        Member.network == Network.CITIZEN_POWERED_COUNCIL,
                    )
                    .order_by(Member.name)
                    .limit(members)
                )
            ).all()
            cohort_id = await build_cohort(session, "bench-counts", "Counts cohort", member_ids)
            meeting_ids = (
                await session.scalars(
                    select(NetworkMeeting.id).where(NetworkMeeting.cohort_id == cohort_id)
                )
            ).all()
            invited = await session.scalar(
                select(func.count()).where(MeetingInvitation.meeting_id.in_(meeting_ids))
            )
            reminded = await session.scalar(
                select(func.count()).where(MeetingReminder.meeting_id.in_(meeting_ids))
            )
            scoped = Principal(PrincipalKind.PARTNER, partner_id=partner.id)
            calls = {
                f"{name} {who}": (lambda f=function, p=principal: f(session, p, meeting_ids))
                for who, principal in (("partner", scoped), ("staff", SYSTEM))
                for name, function in (
                    ("responseCounts", repository.response_counts),
                    ("reminders", repository.reminder_counts),
                )
            }
            for _ in range(2):  # alternated, so the load lands on each alike
                for label, call in calls.items():
                    results.setdefault(label, []).append(await timed(call, rounds))
        await outer.rollback()
    await engine.dispose()

    print(
        f"python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{len(meeting_ids)} meetings, {invited:,} invitations, {reminded:,} reminders"
    )
    for label, runs in results.items():
        shown = ", ".join(f"median {m:.1f} ms (p90 {p:.1f})" for m, p in runs)
        print(f"{label}: {shown}")
    values = DATE_TIMES * 3000
    for name, parse in (("strawberry", DateTimeDefinition.parse_value), ("ours", parse_date_time)):
        assert parse is not None
        started = time.perf_counter()
        for value in values:
            parse(value)
        each = (time.perf_counter() - started) / len(values) * 1e6
        print(f"DateTime argument, {name} scalar: {each:.1f} us")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.meeting_counts", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--members", type=int, default=40)
    args = parser.parse_args(argv)
    asyncio.run(run(args.database_url, args.rounds, args.members))


if __name__ == "__main__":
    main()
