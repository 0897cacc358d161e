"""Benchmark: 1,000 concurrent bookTraining requests for one session with 50 seats.

    .venv/bin/python -m bench.training_contention [--people 1000] [--seats 50] [--rounds 3]

Each round empties the database, seeds one session and `people` contacts, then sends one
bookTraining request per contact, all at once, through the whole app (create_app over
httpx + ASGITransport, staff bearer token, the app's own connection pool). Reported: bookings
per second (requests over the wall time of the burst), median and p99 latency of a request
(requests beyond the pool's 20 connections wait for one: the pool timeout is raised to 600 s),
and the check that nothing was lost or doubled: exactly `seats` CONFIRMED, the rest
WAITLISTED with positions 1..n (no gap, no repeat), one booking per contact, no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bench.training_data import (
    DEFAULT_URL,
    bench_settings,
    database_name,
    forget_jobs,
    rebuild,
    seed_contention,
    staff_token,
    truncate,
)
from network.app import create_app
from network.db import make_session_factory
from network.kit.ids import to_global_id
from network.training.enums import BookingStatus
from network.training.models import Booking

BOOK = """
mutation Book($input: BookTrainingInput!) {
  bookTraining(input: $input) {
    booking { status waitlistPosition }
    userErrors { field code message }
  }
}"""


async def one_round(url: str, people: int, seats: int, pool_size: int) -> dict[str, Any]:
    """Seed, fire every request at once, check the outcome; the figures of one burst."""
    settings = bench_settings(url)
    # The app's pool (DB_POOL_SIZE plus as many overflow connections), but requests may wait
    # for a connection as long as the burst lasts: the default 30 s would fail the last ones.
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_timeout=600, pool_pre_ping=True
    )
    sessions = make_session_factory(engine)
    try:
        await truncate(engine)
        token = await staff_token(engine)
        seeded = await seed_contention(engine, people=people, seats=seats)
        app = create_app(settings, session_factory=sessions)
        session_gid = to_global_id("TrainingSession", seeded.session_id)
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=600
            ) as client,
        ):

            async def book(contact_id: uuid.UUID) -> tuple[float, dict[str, Any]]:
                variables = {
                    "input": {
                        "sessionId": session_gid,
                        "contactId": to_global_id("Contact", contact_id),
                    }
                }
                began = time.perf_counter()
                response = await client.post(
                    "/graphql", json={"query": BOOK, "variables": variables}, headers=headers
                )
                elapsed = time.perf_counter() - began
                assert response.status_code == 200, response.text
                body: dict[str, Any] = response.json()
                return elapsed, body

            began = time.perf_counter()
            answers = await asyncio.gather(*(book(c) for c in seeded.contact_ids))
            wall = time.perf_counter() - began
        async with sessions() as session:
            stored = dict(
                (
                    await session.execute(
                        select(Booking.status, func.count()).group_by(Booking.status)
                    )
                ).all()
            )
            per_contact = Counter(
                (
                    await session.scalars(
                        select(Booking.contact_id).where(Booking.session_id == seeded.session_id)
                    )
                ).all()
            )
    finally:
        await engine.dispose()
        await forget_jobs(settings)
    errors = [b["errors"] for _, b in answers if "errors" in b]
    payloads = [b["data"]["bookTraining"] for _, b in answers if b.get("data")]
    user_errors = [p["userErrors"] for p in payloads if p["userErrors"]]
    statuses = Counter(p["booking"]["status"] for p in payloads if p["booking"])
    positions = sorted(
        p["booking"]["waitlistPosition"]
        for p in payloads
        if p["booking"] and p["booking"]["status"] == "WAITLISTED"
    )
    checks = {
        "errors": len(errors),
        "user_errors": len(user_errors),
        "confirmed": statuses["CONFIRMED"],
        "waitlisted": statuses["WAITLISTED"],
        "positions_1_to_n": positions == list(range(1, people - seats + 1)),
        "stored_confirmed": stored.get(BookingStatus.CONFIRMED, 0),
        "stored_waitlisted": stored.get(BookingStatus.WAITLISTED, 0),
        "one_booking_per_contact": sorted(per_contact) == sorted(seeded.contact_ids)
        and set(per_contact.values()) == {1},
    }
    ok = (
        checks["errors"] == 0
        and checks["user_errors"] == 0
        and checks["confirmed"] == seats == checks["stored_confirmed"]
        and checks["waitlisted"] == people - seats == checks["stored_waitlisted"]
        and checks["positions_1_to_n"]
        and checks["one_booking_per_contact"]
    )
    latencies = sorted(elapsed * 1000 for elapsed, _ in answers)
    return {
        "ok": ok,
        "checks": checks,
        "wall_s": wall,
        "bookings_per_s": people / wall,
        "median_ms": statistics.median(latencies),
        "p99_ms": statistics.quantiles(latencies, n=100)[98],
        "max_ms": latencies[-1],
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Rebuild the private database, then run the rounds."""
    await rebuild(args.database_url)
    rounds = [
        await one_round(args.database_url, args.people, args.seats, args.pool_size)
        for _ in range(args.rounds)
    ]
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}",
        "database": database_name(args.database_url),
        "command": args.command,
        "people": args.people,
        "seats": args.seats,
        "pool": f"{args.pool_size} + {args.pool_size} overflow connections",
        "rounds": rounds,
        "all_ok": all(r["ok"] for r in rounds),
        "median_bookings_per_s": statistics.median(r["bookings_per_s"] for r in rounds),
        "median_p99_ms": statistics.median(r["p99_ms"] for r in rounds),
    }


def report(result: dict[str, Any]) -> str:
    """The plain-text figures BENCHMARKS.md quotes."""
    lines = [
        f"{result['date']}  {result['machine']}  database {result['database']}",
        f"{result['people']} concurrent bookTraining requests, {result['seats']} seats, "
        f"pool {result['pool']}",
        "",
        f"{'round':<6}{'ok':<6}{'bookings/s':>11}{'wall s':>9}{'median ms':>11}{'p99 ms':>9}",
    ]
    for n, r in enumerate(result["rounds"], 1):
        lines.append(
            f"{n:<6}{r['ok']!s:<6}{r['bookings_per_s']:>11.0f}{r['wall_s']:>9.2f}"
            f"{r['median_ms']:>11.0f}{r['p99_ms']:>9.0f}"
        )
        lines.append("      checks: " + json.dumps(r["checks"]))
    lines += [
        "",
        f"median bookings/s: {result['median_bookings_per_s']:.0f}; "
        f"median p99 latency: {result['median_p99_ms']:.0f} ms; "
        f"nothing lost or doubled in every round: {result['all_ok']}",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.training_contention")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--pool-size", type=int, default=10, help="the app's pool (the default DB_POOL_SIZE)"
    )
    args = parser.parse_args(argv)
    args.command = "python -m bench.training_contention " + " ".join(argv or [])
    return args


def run(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print the report; exit 1 if anything was lost or doubled."""
    import sys

    args = parse_args(sys.argv[1:] if argv is None else argv)
    result = asyncio.run(main(args))
    print(report(result))
    if not result["all_ok"]:
        raise SystemExit(1)


if __name__ == "__main__":
    run()
