"""Benchmark: the liaison desk's staff pages (issue 14), whole request, staff signed in.

    .venv/bin/python -m bench.desk_pages [--rounds 30] [--warm-up 3] [--keep]

The database `network_bench_desk` (or --database-url, or BENCH_DESK_DATABASE_URL) is rebuilt by
the real migrations (bench.training_data.rebuild) and seeded with bench.training_data's
listing dataset: 200 sessions of three courses with 10 bookings each (2,000 bookings, seats
first then a waiting list), 2,000 contacts of 40 members. Every other session is moved 120 days
back, so the listing has upcoming and past ones; two partners are made, one session in ten is
reserved for a member and one for a cohort; then a staff user with a password (set through the
auth service). --keep skips the rebuild and the seeding.

Signed in through the sign-in form of `create_app()` over httpx's ASGITransport, every page
below is requested once to count its SQL statements and the rows it shows, then `--rounds`
rounds over every page (interleaved) after `--warm-up` rounds: median and p90 of the whole
request in this process. The pages of other areas (a session's register, partners, users,
outbox, members) are timed when the app serves them, and listed as skipped otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.portal_pages import Counter, p90, rows_of
from bench.training_data import bench_settings, forget_jobs, rebuild, seed_listing
from network.app import create_app
from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.db import make_engine, make_session_factory, unit_of_work
from network.kit.enums import Network, Role
from network.members.models import Member
from network.partners import service as partners
from network.programme import service as programme
from network.training.models import Course, TrainingSession

DEFAULT_URL = os.environ.get(
    "BENCH_DESK_DATABASE_URL",
    "postgresql+asyncpg://postgres@127.0.0.1:5432/network_bench_desk",
)
STAFF_EMAIL = "liaison@bench-desk.example"
PASSWORD = "bench-desk-pages-password"
SEED = 14
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NEXT = re.compile(r'rel="next" href="\?after=([^"]+)"')


@dataclass
class Page:
    """One page timed."""

    name: str
    url: str
    rows: int = 0
    statements: int = 0
    timings: list[float] = field(default_factory=list)


async def seed(engine: AsyncEngine) -> None:
    """The listing dataset, half of it moved into the past, some sessions reserved, two
    partners, and the staff user with its password."""
    await seed_listing(engine, sessions=200, bookings_per_session=10, seed=SEED)
    factory = make_session_factory(engine, principal=SYSTEM)
    async with unit_of_work(factory) as session:
        for slug, name, country in (
            ("wales", "Public Governance Wales", "GB"),
            ("france", "Consulting Territorial Europe", "FR"),
        ):
            await partners.create_partner(
                session, SYSTEM, slug=slug, name=name, countries=[country]
            )
        cohort = await programme.create_cohort(
            session,
            SYSTEM,
            name="Cymru cohort 2027",
            network=Network.CITIZEN_POWERED_COUNCIL,
            partner_slug="wales",
        )
        ids = list(
            (
                await session.scalars(
                    select(TrainingSession.id).order_by(TrainingSession.starts_at)
                )
            ).all()
        )
        member_ids = list((await session.scalars(select(Member.id).order_by(Member.name))).all())
        await session.execute(
            update(TrainingSession)
            .where(TrainingSession.id.in_(ids[1::2]))
            .values(
                starts_at=TrainingSession.starts_at - text("interval '120 days'"),
                ends_at=TrainingSession.ends_at - text("interval '120 days'"),
            )
        )
        for n, session_id in enumerate(ids[::10]):
            await session.execute(
                update(TrainingSession)
                .where(TrainingSession.id == session_id)
                .values(reserved_member_id=member_ids[n % len(member_ids)])
            )
        await session.execute(
            update(TrainingSession)
            .where(TrainingSession.id.in_(ids[5::10]))
            .values(reserved_cohort_id=cohort.id)
        )
        await auth.create_user(session, SYSTEM, email=STAFF_EMAIL, name="Liaison", role=Role.STAFF)
        await session.flush()
        await auth.set_password(session, SYSTEM, STAFF_EMAIL, PASSWORD)
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))


async def sign_in(client: httpx.AsyncClient) -> None:
    login = await client.get("/portal/login")
    token = CSRF.search(login.text)
    assert token is not None, "no CSRF token on the sign-in page"
    signed = await client.post(
        "/portal/login", data={"csrf": token.group(1), "email": STAFF_EMAIL, "password": PASSWORD}
    )
    assert signed.status_code == 303, f"staff could not sign in: {signed.status_code}"


async def pages_to_time(engine: AsyncEngine, client: httpx.AsyncClient) -> list[Page]:
    """The pages: the desk's own, then those of other areas the app serves."""
    async with engine.connect() as connection:
        upcoming = (
            await connection.execute(
                select(TrainingSession.id)
                .where(TrainingSession.starts_at > datetime.now(UTC))
                .order_by(TrainingSession.starts_at)
                .limit(1)
            )
        ).scalar_one()
        course = (
            await connection.execute(select(Course.id).order_by(Course.title).limit(1))
        ).scalar_one()
    first = await client.get("/portal/sessions")
    cursor = NEXT.search(first.text)
    assert cursor is not None, "the sessions listing has one page only"
    session_url = f"/portal/sessions/{upcoming}"
    return [
        Page("sessions listing, first page", "/portal/sessions"),
        Page("sessions listing, second page", f"/portal/sessions?after={cursor.group(1)}"),
        Page("sessions listing, filtered", f"/portal/sessions?course={course}&seats=1"),
        Page("session page (staff)", session_url),
        Page("session edit form", f"{session_url}/edit"),
        Page("session cancel page", f"{session_url}/cancel"),
        Page("schedule a session form", "/portal/sessions/new"),
        Page("courses", "/portal/courses"),
        Page("course edit form", f"/portal/courses/{course}/edit"),
        Page("session register", f"{session_url}/register"),
        Page("partners", "/portal/partners"),
        Page("users", "/portal/users"),
        Page("outbox", "/portal/outbox"),
        Page("members", "/portal/members"),
    ]


async def run(url: str, rounds: int, warm_up: int, keep: bool) -> tuple[list[Page], list[str]]:
    engine = make_engine(url, pool_size=2)
    if not keep:
        started = time.perf_counter()
        await rebuild(url)
        await seed(engine)
        print(f"database rebuilt and seeded in {time.perf_counter() - started:.1f} s")
    settings = bench_settings(url)
    counter = Counter(engine)
    app = create_app(settings, session_factory=make_session_factory(engine))
    timed: list[Page] = []
    skipped: list[str] = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await sign_in(client)
            for page in await pages_to_time(engine, client):
                answer = await client.get(page.url)
                if answer.status_code == 404:  # an area not served (yet)
                    skipped.append(page.name)
                    continue
                assert answer.status_code == 200, f"GET {page.url}: {answer.status_code}"
                timed.append(page)
            for _ in range(warm_up):
                for page in timed:
                    await client.get(page.url)
            for page in timed:
                answer, page.statements = await counter.get(client, page.url)
                page.rows = rows_of(answer)
            for _ in range(rounds):
                for page in timed:
                    began = time.perf_counter()
                    answer = await client.get(page.url)
                    page.timings.append((time.perf_counter() - began) * 1000)
                    assert answer.status_code == 200, f"GET {page.url}"
    await engine.dispose()
    await forget_jobs(settings)
    return timed, skipped


def table(pages: Sequence[Page]) -> str:
    """A Markdown table, one row per page."""
    lines = [
        "| page | path | rows | SQL | median ms | p90 ms |",
        "|---|---|--:|--:|--:|--:|",
    ]
    for page in pages:
        path = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "{id}", page.url)
        path = re.sub(r"after=[^&]+", "after=...", path)
        lines.append(
            f"| {page.name} | `{path}` | {page.rows} | {page.statements} "
            f"| {statistics.median(page.timings):.1f} | {p90(page.timings):.1f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.desk_pages", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warm-up", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="do not rebuild the database")
    args = parser.parse_args(argv)
    pages, skipped = asyncio.run(run(args.database_url, args.rounds, args.warm_up, args.keep))
    now = datetime.now(UTC)
    print(
        f"python {platform.python_version()}, {len(pages)} pages, {args.rounds} rounds after "
        f"{args.warm_up} warm-up rounds, {now:%Y-%m-%d %H:%M} UTC, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(table(pages))
    if skipped:
        print(f"not served, skipped: {', '.join(skipped)}")


if __name__ == "__main__":
    main()
