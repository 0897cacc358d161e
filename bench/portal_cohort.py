"""Benchmark: the portal's cohort page (progress matrix and network meetings), whole request.

    .venv/bin/python -m bench.portal_cohort [--requests 200] [--members 40] [--small 10]

On the benchmark dataset (`bench.generate`, made first if missing) this adds, inside one
transaction that is rolled back at the end (so `network_bench` is left as it was):

  - a partner with a portal user (password set through the auth service);
  - a cohort of `--members` members of the dataset (40 by default) and one of `--small` (10),
    each member with all five star steps recorded (COMPLETED);
  - 10 network meetings per cohort scheduled through `meetings.schedule_meeting` (the
    invitations, reminder plan and invitation emails written by the service): 6 upcoming and
    4 moved into the past, a third of the invitees answering YES, NO or MAYBE; then the
    tables written are analyzed, as autovacuum would after so many rows.

Then, signed in as the partner through the sign-in form, GET /portal/cohorts/<id> through
`create_app()` over httpx's ASGITransport, `--requests` times per cohort (after 10 warm-up
requests), interleaved. Reported: median and p90 of the whole request in this process, and
the SQL statements of one request for each cohort (must be the same for 10 and 40 members).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import re
import statistics
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.generate import DEFAULT_URL, Spec, ensure
from bench.training_data import bench_settings, forget_jobs
from network.app import create_app
from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.contacts.models import Contact
from network.db import PRINCIPAL, make_engine
from network.kit.enums import Network, Role, RsvpResponse, StarStep, StepStatus
from network.meetings import service as meetings
from network.meetings.models import MeetingInvitation, NetworkMeeting
from network.members.models import Member
from network.partners import service as partners
from network.programme import service as programme
from network.programme.models import StepProgress
from network.usecases import cohorts as cohort_cases

PASSWORD = "bench-portal-password"
EMAIL = "bench.portal.cohort@partner.example"
MEETINGS = 10
PAST = 4
ANALYZED = (
    "network_meetings",
    "meeting_invitations",
    "meeting_reminders",
    "step_progress",
    "cohorts",
    "cohort_members",
    "outbox_messages",
)
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def build_cohort(
    session: AsyncSession, partner_slug: str, name: str, member_ids: Sequence[uuid.UUID]
) -> uuid.UUID:
    """A cohort of these members, every step completed, and its meetings (through the services)."""
    cohort = await programme.create_cohort(
        session,
        SYSTEM,
        name=name,
        network=Network.CITIZEN_POWERED_COUNCIL,
        partner_slug=partner_slug,
    )
    for member_id in member_ids:
        await cohort_cases.add_cohort_member(
            session, SYSTEM, cohort_id=cohort.id, member_id=member_id
        )
    day = date(2026, 1, 12)
    await session.execute(
        insert(StepProgress),
        [
            {
                "id": uuid.uuid4(),
                "cohort_id": cohort.id,
                "member_id": member_id,
                "step": step,
                "status": StepStatus.COMPLETED,
                "started_on": day + timedelta(days=60 * n),
                "completed_on": day + timedelta(days=60 * n + 30),
                "notes": f"{step} done",
            }
            for member_id in member_ids
            for n, step in enumerate(StarStep)
        ],
    )
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    for n in range(MEETINGS):
        begins = start + timedelta(days=7 * (n + 1))
        meeting = await meetings.schedule_meeting(
            session,
            SYSTEM,
            cohort_id=cohort.id,
            after_step=list(StarStep)[n % 5],
            title=f"Network meeting {n + 1} of {name}",
            starts_at=begins,
            ends_at=begins + timedelta(hours=2),
            time_zone="Europe/London",
            online_url="https://meet.example/network",
        )
        if n < PAST:  # the service only schedules the future; move these back in time
            back = start - timedelta(days=30 * (n + 1))
            await session.execute(
                update(NetworkMeeting)
                .where(NetworkMeeting.id == meeting.id)
                .values(starts_at=back, ends_at=back + timedelta(hours=2))
            )
    rng = random.Random(name)
    invitations = (
        await session.scalars(
            select(MeetingInvitation.id)
            .join(NetworkMeeting, NetworkMeeting.id == MeetingInvitation.meeting_id)
            .where(NetworkMeeting.cohort_id == cohort.id)
            .order_by(MeetingInvitation.id)
        )
    ).all()
    for response in RsvpResponse:
        chosen = [i for i in invitations if rng.random() < 0.11]
        await session.execute(
            update(MeetingInvitation)
            .where(MeetingInvitation.id.in_(chosen))
            .values(response=response, responded_at=datetime.now(UTC))
        )
    await session.flush()
    return cohort.id


async def run(url: str, requests: int, members: int, small: int) -> None:
    await ensure(url, Spec(), if_missing=True)
    settings = bench_settings(url)
    engine = make_engine(url, pool_size=2)
    async with engine.connect() as connection:
        outer = await connection.begin()
        factory = async_sessionmaker(
            bind=connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
            autoflush=False,
        )
        started = time.perf_counter()
        async with factory(info={PRINCIPAL: SYSTEM}) as session:  # seeding: the system
            partner = await partners.create_partner(
                session, SYSTEM, slug="bench-portal", name="Bench portal partner", countries=["GB"]
            )
            user = await auth.create_user(
                session,
                SYSTEM,
                email=EMAIL,
                name="Bench",
                role=Role.PARTNER,
                partner_slug="bench-portal",
            )
            await auth.set_password(session, SYSTEM, user.email, PASSWORD)
            # A network_bench made before generator FORMAT 2 gave a few long member names a
            # domain label over 63 characters, which the outbox refuses: leave those out.
            undeliverable = (
                select(Contact.id)
                .where(Contact.member_id == Member.id, Contact.email.regexp_match("[^.@]{64,}"))
                .exists()
            )
            pool = (
                await session.scalars(
                    select(Member.id)
                    .where(Member.network == Network.CITIZEN_POWERED_COUNCIL, ~undeliverable)
                    .order_by(Member.name, Member.id)
                    .limit(members + small)
                )
            ).all()
            big = await build_cohort(session, partner.slug, "Bench cohort of 40", pool[:members])
            little = await build_cohort(session, partner.slug, "Bench cohort of 10", pool[members:])
            invited = {
                cohort_id: await session.scalar(
                    select(func.count())
                    .select_from(MeetingInvitation)
                    .join(NetworkMeeting, NetworkMeeting.id == MeetingInvitation.meeting_id)
                    .where(NetworkMeeting.cohort_id == cohort_id)
                )
                for cohort_id in (big, little)
            }
            # Autovacuum would analyze the tables after this many new rows; inside the
            # transaction it cannot, so do what it would (ANALYZE sees the transaction's rows).
            await session.execute(text(f"ANALYZE {', '.join(ANALYZED)}"))
            await session.commit()
        print(f"data built in {time.perf_counter() - started:.1f} s (rolled back at the end)")

        statements: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        app = create_app(settings, session_factory=factory)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                login = await client.get("/portal/login")
                token = CSRF.search(login.text)
                assert token is not None
                signed = await client.post(
                    "/portal/login",
                    data={"csrf": token.group(1), "email": EMAIL, "password": PASSWORD},
                )
                assert signed.status_code == 303, signed.text
                cohorts = {members: big, small: little}
                sync = connection.sync_connection
                assert sync is not None
                counts: dict[int, int] = {}
                for size, cohort_id in cohorts.items():
                    statements.clear()
                    event.listen(sync, "before_cursor_execute", count)
                    page = await client.get(f"/portal/cohorts/{cohort_id}")
                    event.remove(sync, "before_cursor_execute", count)
                    assert page.status_code == 200, page.text
                    assert page.text.count('<tr class="') == MEETINGS, "every meeting listed"
                    assert page.text.count('<th scope="row">') >= size
                    counts[size] = len(statements)
                timings: dict[int, list[float]] = {size: [] for size in cohorts}
                for _ in range(10):
                    for cohort_id in cohorts.values():
                        await client.get(f"/portal/cohorts/{cohort_id}")
                for _ in range(requests):
                    for size, cohort_id in cohorts.items():
                        began = time.perf_counter()
                        answer = await client.get(f"/portal/cohorts/{cohort_id}")
                        timings[size].append((time.perf_counter() - began) * 1000)
                        assert answer.status_code == 200
        await outer.rollback()
    await engine.dispose()
    await forget_jobs(settings)

    now = datetime.now(UTC)
    print(f"python {platform.python_version()}, {requests} requests per cohort, {now:%H:%M} UTC")
    for size, cohort_id in ((members, big), (small, little)):
        values = sorted(timings[size])
        p90 = values[int(len(values) * 0.9) - 1]
        print(
            f"cohort of {size:>2} members, {MEETINGS} meetings "
            f"({invited[cohort_id]:,} invitations): "
            f"median {statistics.median(values):.1f} ms, p90 {p90:.1f} ms, "
            f"{counts[size]} SQL statements per request"
        )
    print("statements constant in members:", "yes" if counts[members] == counts[small] else "NO")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.portal_cohort", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--small", type=int, default=10)
    args = parser.parse_args(argv)
    asyncio.run(run(args.database_url, args.requests, args.members, args.small))


if __name__ == "__main__":
    main()
