"""Benchmark: the public training catalogue (issue 15), whole request, nobody signed in.

    .venv/bin/python -m bench.catalogue [--rounds 30] [--warm-up 3] [--keep]

The database `network_bench_catalogue` (or --database-url, or BENCH_CATALOGUE_DATABASE_URL)
is rebuilt by the real migrations (bench.training_data.rebuild) and seeded with
bench.training_data's listing dataset: 220 upcoming sessions of three courses with 10 bookings
each (seats first, then a waiting list), in London, Paris and Berlin time and five languages.
One session in ten is then reserved for a member (not in the catalogue: 198 are) and one in
four is made online (no venue). --keep skips the rebuild and the seeding.

Over httpx's ASGITransport to `create_app()`, each page below is requested once to count its
SQL statements and the sessions it shows (articles of the HTML pages, VEVENTs of the feed),
then `--rounds` rounds over every page (interleaved) after `--warm-up` rounds: median and p90
of the whole request in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import html
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

from bench.portal_pages import Counter, p90
from bench.training_data import bench_settings, forget_jobs, rebuild, seed_listing
from network.app import create_app
from network.db import make_engine, make_session_factory
from network.members.models import Member
from network.training.models import Course, TrainingSession

DEFAULT_URL = os.environ.get(
    "BENCH_CATALOGUE_DATABASE_URL",
    "postgresql+asyncpg://postgres@127.0.0.1:5432/network_bench_catalogue",
)
SEED = 15
SESSIONS = 220
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


@dataclass
class Page:
    """One page timed."""

    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    rows: int = 0
    statements: int = 0
    timings: list[float] = field(default_factory=list)


async def seed(engine: AsyncEngine) -> None:
    """The listing dataset, one session in ten reserved for a member, one in four online."""
    await seed_listing(engine, sessions=SESSIONS, bookings_per_session=10, seed=SEED)
    async with engine.begin() as connection:
        ids = list(
            (
                await connection.execute(
                    select(TrainingSession.id).order_by(TrainingSession.starts_at)
                )
            ).scalars()
        )
        member_ids = list(
            (await connection.execute(select(Member.id).order_by(Member.name))).scalars()
        )
        for n, session_id in enumerate(ids[::10]):
            await connection.execute(
                update(TrainingSession)
                .where(TrainingSession.id == session_id)
                .values(reserved_member_id=member_ids[n % len(member_ids)])
            )
        await connection.execute(
            update(TrainingSession)
            .where(TrainingSession.id.in_(ids[3::4]))
            .values(venue=None, online_url="https://meet.example/bench")
        )
        await connection.execute(text("ANALYZE"))


def shown(answer: httpx.Response) -> int:
    """The sessions a page shows: articles of a page, events of a feed."""
    if answer.headers.get("content-type", "").startswith("text/calendar"):
        return answer.text.count("BEGIN:VEVENT")
    return answer.text.count('<article class="session"')


async def pages_to_time(engine: AsyncEngine, client: httpx.AsyncClient) -> list[Page]:
    async with engine.connect() as connection:
        course = (
            await connection.execute(select(Course.id).order_by(Course.title).limit(1))
        ).scalar_one()
        session_id = (
            await connection.execute(
                select(TrainingSession.id)
                .where(TrainingSession.reserved_member_id.is_(None))
                .order_by(TrainingSession.starts_at)
                .limit(1)
            )
        ).scalar_one()
    first = await client.get("/training")
    following = NEXT.search(first.text)
    assert following is not None, "the catalogue has one page only"
    return [
        Page("catalogue, first page", "/training"),
        Page("catalogue, second page", html.unescape(following.group(1))),
        Page("catalogue in Welsh (bilingual)", "/training", {"Accept-Language": "cy"}),
        Page("catalogue, course + month", f"/training?course={course}&month=2027-02"),
        Page("catalogue, online in French", "/training?place=online&language=fr"),
        Page("session page", f"/training/sessions/{session_id}"),
        Page("calendar feed", "/training.ics"),
    ]


async def run(url: str, rounds: int, warm_up: int, keep: bool) -> list[Page]:
    engine = make_engine(url, pool_size=2)
    if not keep:
        started = time.perf_counter()
        await rebuild(url)
        await seed(engine)
        print(f"database rebuilt and seeded in {time.perf_counter() - started:.1f} s")
    settings = bench_settings(url)
    counter = Counter(engine)
    app = create_app(settings, session_factory=make_session_factory(engine))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            pages = await pages_to_time(engine, client)
            for _ in range(warm_up):
                for page in pages:
                    answer = await client.get(page.url, headers=page.headers)
                    assert answer.status_code == 200, f"GET {page.url}: {answer.status_code}"
            for page in pages:
                answer, page.statements = await counter.get(client, page.url)
                if page.headers:  # Counter.get sends no headers: count this one by hand
                    answer = await client.get(page.url, headers=page.headers)
                page.rows = shown(answer)
            for _ in range(rounds):
                for page in pages:
                    began = time.perf_counter()
                    answer = await client.get(page.url, headers=page.headers)
                    page.timings.append((time.perf_counter() - began) * 1000)
                    assert answer.status_code == 200, f"GET {page.url}"
    await engine.dispose()
    await forget_jobs(settings)
    return pages


def table(pages: Sequence[Page]) -> str:
    """A Markdown table, one row per page."""
    lines = [
        "| page | path | sessions shown | SQL | median ms | p90 ms |",
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
    parser = argparse.ArgumentParser(prog="python -m bench.catalogue", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warm-up", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="do not rebuild the database")
    args = parser.parse_args(argv)
    pages = asyncio.run(run(args.database_url, args.rounds, args.warm_up, args.keep))
    now = datetime.now(UTC)
    print(
        f"python {platform.python_version()}, {len(pages)} pages, {args.rounds} rounds after "
        f"{args.warm_up} warm-up rounds, {now:%Y-%m-%d %H:%M} UTC, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(table(pages))


if __name__ == "__main__":
    main()
