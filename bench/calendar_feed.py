"""Benchmark: a member contact's private calendar feed with 50 bookings and 50 meetings.

    .venv/bin/python -m bench.calendar_feed [--rounds 200]

A database of its own built by the real migrations (`network_bench_feeds`, recreated each
run): one member contact booked on 50 upcoming sessions (50 courses; 10 of them waitlisted,
5 sessions cancelled) and invited to 50 meetings of its cohort, with another 20 contacts
booked and invited alike around it. Timed over httpx's ASGITransport to `create_app()`:
`GET /calendar/<token>.ics` (hash lookup, two queries, rendering, the response), `--rounds`
times after 10 warm-up calls; then `download_feed` alone, in a session, the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert

from bench.training_data import bench_settings, rebuild
from network.app import create_app
from network.auth.principal import SYSTEM, Principal, PrincipalKind
from network.contacts.models import Contact
from network.db import make_engine, make_session_factory, unit_of_work, utcnow
from network.feeds import service as feeds
from network.kit.enums import MeetingStatus, Network, StarStep
from network.meetings.models import MeetingInvitation, NetworkMeeting
from network.members.models import Member
from network.partners.models import Partner
from network.programme.models import Cohort, CohortMember
from network.training.enums import BookingStatus, CourseFormat, TrainingSessionStatus
from network.training.models import Booking, Course, TrainingSession

DEFAULT_URL = os.environ.get(
    "BENCH_FEEDS_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/network_bench_feeds"
)
ITEMS = 50
CANCELLED, SCHEDULED = TrainingSessionStatus.CANCELLED, TrainingSessionStatus.SCHEDULED
OTHERS = 20


async def seed(url: str) -> uuid.UUID:
    """The contact, its bookings and invitations, and the people around it; its id."""
    engine = make_engine(url)
    now = utcnow().replace(microsecond=0)
    partner_id, member_id, cohort_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    contact_id = uuid.uuid4()
    people = [contact_id, *(uuid.uuid4() for _ in range(OTHERS))]
    courses, sessions, bookings, meetings, invitations = [], [], [], [], []
    for n in range(ITEMS):
        course_id, session_id = uuid.uuid4(), uuid.uuid4()
        starts = now + timedelta(days=3 + 5 * n, hours=n % 7)
        cancelled = n % 10 == 9
        courses.append(
            {
                "id": course_id,
                "title": f"Co-Production Star training, part {n + 1}",
                "description": "Understand co-production through the Four Co's; plan it.",
                "format": CourseFormat.ONE_DAY,
                "cpd_hours": 6,
                "cpd_certified": True,
            }
        )
        sessions.append(
            {
                "id": session_id,
                "course_id": course_id,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=6),
                "time_zone": "Europe/London",
                "language": "en",
                "capacity": 30,
                "venue": "Council Chamber, Llandrindod Wells",
                "status": CANCELLED if cancelled else SCHEDULED,
                "cancelled_at": now if cancelled else None,
                "ics_sequence": 1 if cancelled else 0,
            }
        )
        for person in people:
            if cancelled:
                status = BookingStatus.CANCELLED
            elif n % 5 == 4 and person == contact_id:
                status = BookingStatus.WAITLISTED
            else:
                status = BookingStatus.CONFIRMED
            bookings.append(
                {
                    "session_id": session_id,
                    "contact_id": person,
                    "status": status,
                    "cancelled_at": now if cancelled else None,
                }
            )
        meeting_id = uuid.uuid4()
        meeting_starts = now + timedelta(days=2 + 4 * n, hours=9)
        meetings.append(
            {
                "id": meeting_id,
                "cohort_id": cohort_id,
                "network": Network.CITIZEN_POWERED_COUNCIL,
                "after_step": StarStep.FOCUS_IT,
                "title": f"Focus It network meeting {n + 1}",
                "starts_at": meeting_starts,
                "ends_at": meeting_starts + timedelta(hours=2),
                "time_zone": "Europe/Paris",
                "venue": "Neuadd y Sir, Llandrindod",
                "online_url": "https://meet.example/focus-it",
                "agenda": "1. Welcome\n2. What we learnt\n3. Next steps",
                "reminder_offsets_minutes": [1440],
                "status": MeetingStatus.SCHEDULED,
            }
        )
        invitations += [{"meeting_id": meeting_id, "contact_id": p} for p in people]
    async with engine.begin() as connection:
        await connection.execute(
            insert(Partner), [{"id": partner_id, "slug": "wales", "name": "Wales"}]
        )
        await connection.execute(
            insert(Member),
            [
                {
                    "id": member_id,
                    "name": "Powys County Council",
                    "network": Network.CITIZEN_POWERED_COUNCIL,
                    "country": "GB",
                    "partner_id": partner_id,
                }
            ],
        )
        await connection.execute(
            insert(Contact),
            [
                {
                    "id": person,
                    "member_id": member_id,
                    "email": f"person{i}@powys.example",
                    "first_name": "Siân" if i == 0 else f"Person {i}",
                    "last_name": "Pryce",
                    "language": "cy" if i == 0 else "en",
                }
                for i, person in enumerate(people)
            ],
        )
        await connection.execute(
            insert(Cohort),
            [
                {
                    "id": cohort_id,
                    "name": "Wales cohort",
                    "network": Network.CITIZEN_POWERED_COUNCIL,
                    "partner_id": partner_id,
                }
            ],
        )
        await connection.execute(
            insert(CohortMember), [{"cohort_id": cohort_id, "member_id": member_id}]
        )
        for model, rows in (
            (Course, courses),
            (TrainingSession, sessions),
            (Booking, bookings),
            (NetworkMeeting, meetings),
            (MeetingInvitation, invitations),
        ):
            await connection.execute(insert(model), rows)
    await engine.dispose()
    return contact_id


async def timed(call: Callable[[], Awaitable[Any]], rounds: int) -> tuple[float, float]:
    """Median and p90 of `call`, in ms, after 10 warm-up calls."""
    for _ in range(10):
        await call()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(rounds * 0.9) - 1]


async def run(url: str, rounds: int) -> None:
    await rebuild(url)
    contact_id = await seed(url)
    engine = make_engine(url, pool_size=2)
    sessions = make_session_factory(engine, principal=SYSTEM)
    owner = Principal(PrincipalKind.MEMBER, contact_id=contact_id)
    async with unit_of_work(sessions) as session:
        issued = await feeds.create_feed(session, owner)
    path = "/" + issued.url.split("/", 3)[3]
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    app = create_app(bench_settings(url), session_factory=make_session_factory(engine))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            answer = await client.get(path)
            assert answer.status_code == 200, answer.text
            size, events = len(answer.content), answer.text.count("BEGIN:VEVENT")

            async def over_http() -> None:
                assert (await client.get(path)).status_code == 200

            http = await timed(over_http, rounds)

    async def service_only() -> None:
        async with unit_of_work(sessions) as session:
            assert await feeds.download_feed(session, token)

    service = await timed(service_only, rounds)
    await engine.dispose()
    print(
        f"python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{events} events, {size:,} bytes"
    )
    print(f"GET /calendar/<token>.ics: median {http[0]:.1f} ms (p90 {http[1]:.1f})")
    print(f"download_feed alone: median {service[0]:.1f} ms (p90 {service[1]:.1f})")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.calendar_feed", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)
    asyncio.run(run(args.database_url, args.rounds))


if __name__ == "__main__":
    main()
