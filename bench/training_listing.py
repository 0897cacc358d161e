"""Benchmark: the sessions listing with nested bookings (page size 100) against hand-written SQL.

    .venv/bin/python -m bench.training_listing [--sessions 300] [--rounds 20] [--per-round 5]

One process, interleaved rounds (each round runs both variants, in a shuffled order):

  A  whole request: create_app() over httpx + ASGITransport, staff bearer token, JSON decoded
  B  hand-written endpoint: a bare ASGI app, three asyncpg queries, orjson, same transport

Before timing, A and B must return the same data, and the SQL statements of one request are
counted at page sizes 10, 50 and 100 (they must not grow with the page).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import platform
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no type hints shipped
import httpx
import orjson
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bench.training_data import (
    DEFAULT_URL,
    bench_settings,
    database_name,
    forget_jobs,
    rebuild,
    seed_listing,
    staff_token,
)
from network.app import create_app
from network.db import make_engine, make_session_factory
from network.kit.ids import to_global_id
from network.kit.pagination import encode_cursor

BOOKINGS_FIRST = 10
QUERY = """
query Sessions($first: Int!) {
  trainingSessions(first: $first) {
    totalCount
    edges {
      node {
        id startsAt endsAt timeZone language venue capacity
        seatsLeft confirmedCount waitlistCount icsUrl
        course { id title cpdHours }
        bookings(first: 10) {
          totalCount
          edges { node { id status waitlistPosition contact { id email firstName lastName } } }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

SESSIONS_SQL = """
SELECT s.id, s.starts_at, s.ends_at, s.time_zone, s.language, s.venue, s.capacity,
       (extract(epoch FROM s.starts_at) * 1000000)::bigint AS start_key,
       c.id AS course_id, c.title, c.cpd_hours,
       (SELECT count(*) FROM training_sessions) AS total
FROM training_sessions s JOIN courses c ON c.id = s.course_id
ORDER BY start_key, s.id
LIMIT $1
"""

# Seats and queue per session, and the first bookings with their place and contact.
COUNTS_SQL = """
SELECT session_id,
       count(*) FILTER (WHERE status IN ('CONFIRMED', 'ATTENDED', 'NO_SHOW')) AS taken,
       count(*) FILTER (WHERE status = 'WAITLISTED') AS waiting,
       count(*) AS total
FROM bookings WHERE session_id = ANY($1::uuid[]) GROUP BY session_id
"""

BOOKINGS_SQL = """
SELECT b.session_id, b.id, b.status, b.position, ct.id AS contact_id, ct.email,
       ct.first_name, ct.last_name
FROM (
    SELECT id, session_id, contact_id, status, queue_number,
           row_number() OVER (PARTITION BY session_id ORDER BY queue_number) AS rank,
           CASE WHEN status = 'WAITLISTED' THEN
               count(*) FILTER (WHERE status = 'WAITLISTED')
                   OVER (PARTITION BY session_id ORDER BY queue_number)
           END AS position
    FROM bookings WHERE session_id = ANY($1::uuid[])
) b JOIN contacts ct ON ct.id = b.contact_id
WHERE b.rank <= $2
ORDER BY b.session_id, b.rank
"""


async def sessions_json(pool: asyncpg.Pool, first: int, base_url: str) -> bytes:
    """The sessions page as GraphQL answers it, encoded with orjson."""
    async with pool.acquire() as connection:
        rows = await connection.fetch(SESSIONS_SQL, first + 1)
        shown = rows[:first]
        ids = [row["id"] for row in shown]
        counts = {r["session_id"]: r for r in await connection.fetch(COUNTS_SQL, ids)}
        booking_rows = await connection.fetch(BOOKINGS_SQL, ids, BOOKINGS_FIRST)
    nested: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in booking_rows:
        nested[row["session_id"]].append(
            {
                "node": {
                    "id": to_global_id("Booking", row["id"]),
                    "status": row["status"],
                    "waitlistPosition": row["position"],
                    "contact": {
                        "id": to_global_id("Contact", row["contact_id"]),
                        "email": row["email"],
                        "firstName": row["first_name"],
                        "lastName": row["last_name"],
                    },
                }
            }
        )
    edges = []
    for row in shown:
        count = counts.get(row["id"])
        taken = count["taken"] if count else 0
        edges.append(
            {
                "node": {
                    "id": to_global_id("TrainingSession", row["id"]),
                    "startsAt": row["starts_at"].isoformat(),
                    "endsAt": row["ends_at"].isoformat(),
                    "timeZone": row["time_zone"],
                    "language": row["language"],
                    "venue": row["venue"],
                    "capacity": row["capacity"],
                    "seatsLeft": max(row["capacity"] - taken, 0),
                    "confirmedCount": taken,
                    "waitlistCount": count["waiting"] if count else 0,
                    "icsUrl": f"{base_url}/training/sessions/{row['id']}.ics",
                    "course": {
                        "id": to_global_id("Course", row["course_id"]),
                        "title": row["title"],
                        "cpdHours": float(row["cpd_hours"]),
                    },
                    "bookings": {
                        "totalCount": count["total"] if count else 0,
                        "edges": nested.get(row["id"], []),
                    },
                }
            }
        )
    last = shown[-1] if shown else None
    return orjson.dumps(
        {
            "data": {
                "trainingSessions": {
                    "totalCount": rows[0]["total"] if rows else 0,
                    "edges": edges,
                    "pageInfo": {
                        "hasNextPage": len(rows) > first,
                        "endCursor": (
                            encode_cursor([last["start_key"], last["id"]]) if last else None
                        ),
                    },
                }
            }
        }
    )


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class HandWrittenApp:
    """A bare ASGI app serving `GET /sessions?first=N` from `sessions_json`."""

    def __init__(self, pool: asyncpg.Pool, base_url: str) -> None:
        self.pool = pool
        self.base_url = base_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one HTTP request."""
        query = dict(
            part.split("=", 1) for part in scope["query_string"].decode().split("&") if part
        )
        body = await sessions_json(self.pool, int(query.get("first", "100")), self.base_url)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


class StatementCounter:
    """Counts statements sent through the app's engine."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: Any) -> None:
        self.count += 1


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Rebuild and seed the private database, check A equals B, count statements, time."""
    await rebuild(args.database_url)
    settings = bench_settings(args.database_url)
    engine = make_engine(args.database_url, pool_size=settings.db_pool_size)
    sessions = make_session_factory(engine)
    await seed_listing(engine, sessions=args.sessions, bookings_per_session=14, seed=args.seed)
    token = await staff_token(engine)
    dsn = make_url(args.database_url).set(drivername="postgresql").render_as_string(False)
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=4)
    app = create_app(settings, session_factory=sessions)
    headers = {"Authorization": f"Bearer {token}"}
    counter = StatementCounter()
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as a,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=HandWrittenApp(pool, settings.base_url)),
                base_url="http://bench",
            ) as b,
        ):

            async def request_a(first: int = args.first) -> bytes:
                response = await a.post(
                    "/graphql",
                    json={"query": QUERY, "variables": {"first": first}},
                    headers=headers,
                )
                orjson.loads(response.content)
                return response.content

            async def request_b(first: int = args.first) -> bytes:
                response = await b.get(f"/sessions?first={first}")
                orjson.loads(response.content)
                return response.content

            a_data = orjson.loads(await request_a())
            assert "errors" not in a_data, a_data["errors"]
            assert a_data == orjson.loads(await request_b()), "A and B differ"
            page = a_data["data"]["trainingSessions"]
            checks = {
                "sessions": len(page["edges"]),
                "bookings": sum(len(e["node"]["bookings"]["edges"]) for e in page["edges"]),
                "total_count": page["totalCount"],
                "response_bytes": len(await request_a()),
            }
            statements: dict[int, int] = {}
            event.listen(engine.sync_engine, "before_cursor_execute", counter)
            try:
                for size in (10, 50, 100):
                    await request_a(size)
                    counter.count = 0
                    await request_a(size)
                    statements[size] = counter.count
            finally:
                event.remove(engine.sync_engine, "before_cursor_execute", counter)

            variants: dict[str, Callable[[], Awaitable[bytes]]] = {"A": request_a, "B": request_b}
            samples: dict[str, list[float]] = {name: [] for name in variants}
            for run in variants.values():
                for _ in range(5):
                    await run()
            shuffle = random.Random(args.seed)
            for _ in range(args.rounds):
                order = list(variants)
                shuffle.shuffle(order)
                for name in order:
                    gc.collect()
                    for _ in range(args.per_round):
                        began = time.perf_counter()
                        await variants[name]()
                        samples[name].append(time.perf_counter() - began)
    finally:
        await pool.close()
        await engine.dispose()
        await forget_jobs(settings)
    stats = {
        name: {
            "median_ms": statistics.median(s) * 1000,
            "p90_ms": statistics.quantiles(s, n=10)[8] * 1000,
            "min_ms": min(s) * 1000,
            "n": len(s),
        }
        for name, s in samples.items()
    }
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}",
        "database": database_name(args.database_url),
        "command": args.command,
        "page_size": args.first,
        "checks": checks,
        "statements": statements,
        "stats": stats,
        "ratio_a_over_b": stats["A"]["median_ms"] / stats["B"]["median_ms"],
    }


def report(result: dict[str, Any]) -> str:
    """The plain-text figures BENCHMARKS.md quotes."""
    lines = [
        f"{result['date']}  {result['machine']}  database {result['database']}",
        f"page size {result['page_size']}; checks: " + json.dumps(result["checks"]),
        "SQL statements per request by page size: " + json.dumps(result["statements"]),
        "",
        f"{'variant':<8}{'median ms':>10}{'p90 ms':>9}{'min ms':>9}{'n':>5}",
    ]
    for name, stat in result["stats"].items():
        lines.append(
            f"{name:<8}{stat['median_ms']:>10.2f}{stat['p90_ms']:>9.2f}{stat['min_ms']:>9.2f}"
            f"{stat['n']:>5}"
        )
    lines.append(
        f"\nwhole request over hand-written endpoint (A/B): {result['ratio_a_over_b']:.2f}x"
    )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.training_listing")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--sessions", type=int, default=300)
    parser.add_argument("--first", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--per-round", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    args.command = "python -m bench.training_listing " + " ".join(argv or [])
    return args


def run(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print the report."""
    import sys

    args = parse_args(sys.argv[1:] if argv is None else argv)
    print(report(asyncio.run(main(args))))


if __name__ == "__main__":
    run()
