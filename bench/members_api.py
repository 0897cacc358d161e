"""Benchmark: the members connection with nested contacts and cohorts, page size 100.

    .venv/bin/python -m bench.members_api            # builds the dataset first if missing

One process, interleaved rounds (each round runs every variant, in a shuffled order), so
the noise of two shared cores lands on all of them alike. Variants:

  A   whole request: create_app() over httpx + ASGITransport, staff bearer token, JSON decoded
  Ap  the same as the partner user (scoped reads; diagnostic)
  B   hand-written endpoint: a bare ASGI app, 3 asyncpg queries, orjson, over the same transport
  B0  the hand-written handler alone (no HTTP)
  C   raw graphql-core over pre-fetched rows (a schema built by hand, plain resolvers)
  S   the smallest Strawberry schema over the same rows: Strawberry's own floor (diagnostic)
  D   Strawberry (the app's schema) over the same pre-fetched rows: no I/O at all
  E   Strawberry with the database (schema.execute in a session; no HTTP, no token; diagnostic)

Before timing, the data of A, B, C and D must be equal, and the SQL statement count of one
request is taken at several page sizes (it must not grow with the page).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import platform
import random
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no type hints shipped
import httpx
import orjson
import uvloop
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench import rawstrawberry
from bench.generate import DEFAULT_URL, Spec, _dsn, ensure, tokens_for
from bench.handwritten import HandWrittenApp, members_json
from bench.rawgraphql import Prefetched, RawGraphQL
from network.api.core.context import Context
from network.api.core.loaders import Loaders
from network.api.schema import schema
from network.app import create_app
from network.auth.principal import Principal
from network.auth.service import authenticate_token
from network.config import Settings
from network.db import act_as, make_engine, make_session_factory
from network.kit.pagination import plain_rows
from network.members import service as members

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CONTACTS_FIRST = 5

QUERY = """
query Members($first: Int!) {
  members(first: $first) {
    totalCount
    edges {
      node {
        id name country network membershipStatus
        partner { slug }
        contacts(first: 5) {
          totalCount
          edges { node { id email firstName lastName language } }
        }
        cohorts { id name }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


class StatementCounter:
    """Counts the SQL statements the engine sends."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_: Any) -> None:
        self.count += 1


class CannedResult:
    """What the page and count statements return, from rows fetched beforehand."""

    def __init__(self, rows: Sequence[Any], total: int | None) -> None:
        self.rows, self.total = rows, total

    def all(self) -> list[Any]:
        """The page's rows."""
        return list(self.rows)

    def scalar_one(self) -> int:
        """The count."""
        assert self.total is not None
        return self.total


class CannedSession:
    """Stands in for the session in variant D: answers the root page and count, nothing else.

    Everything nested is served by DataLoaders primed with the same rows, so a query that
    reached for the database would fail here rather than be timed.
    """

    def __init__(self, data: Prefetched) -> None:
        self.data = data

    async def execute(self, statement: Any, *_: Any, **__: Any) -> CannedResult:
        """The page (the members columns) or its count (one column)."""
        columns = len(statement.selected_columns)
        if columns == 1:
            return CannedResult([], self.data.total)
        if columns == len(members.members):
            return CannedResult(self.data.members, None)
        raise AssertionError(f"unexpected statement in variant D: {statement}")


@dataclass
class Bench:
    """Everything the variants share."""

    first: int
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    app_client: httpx.AsyncClient
    hand_client: httpx.AsyncClient
    pool: asyncpg.Pool
    staff: Principal
    staff_token: str
    partner_token: str
    data: Prefetched
    raw: RawGraphQL
    dicts: Prefetched = field(init=False)
    counter: StatementCounter = field(default_factory=StatementCounter)

    def __post_init__(self) -> None:
        self.dicts = self.data.as_dicts()

    @property
    def variables(self) -> dict[str, Any]:
        """The query's variables."""
        return {"first": self.first}

    async def request(self, token: str, first: int | None = None) -> bytes:
        """Variant A's request; the body as bytes."""
        response = await self.app_client.post(
            "/graphql",
            content=orjson.dumps({"query": QUERY, "variables": {"first": first or self.first}}),
            headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
        )
        assert response.status_code == 200, response.text
        return response.content

    async def hand_request(self) -> bytes:
        """Variant B's request; the body as bytes."""
        response = await self.hand_client.get("/members", params={"first": self.first})
        assert response.status_code == 200, response.text
        return response.content

    def strawberry_context(self) -> Context:
        """A request context whose session and loaders answer from the pre-fetched rows."""
        session: Any = CannedSession(self.data)
        context = Context(
            session=session, principal=self.staff, settings=self.settings, request_id="bench"
        )
        loaders = context.loaders
        contacts_loader = loaders.member_contacts(CONTACTS_FIRST, False)
        for row in self.data.members:
            contacts_loader.prime(row.id, self.data.contacts.get(row.id, ([], 0)))
            loaders.member_cohorts.prime(row.id, self.data.cohorts.get(row.id, []))
        for partner_id, partner in self.data.partners.items():
            loaders.partner.prime(partner_id, partner)
        return context

    async def strawberry(self, context: Context) -> dict[str, Any]:
        """Variant D (and E): the app's Strawberry schema executing the query."""
        result = await schema.execute(QUERY, variable_values=self.variables, context_value=context)
        assert not result.errors, result.errors
        assert result.data is not None
        return result.data


async def prefetch(
    sessions: async_sessionmaker[AsyncSession], staff: Principal, first: int
) -> Prefetched:
    """The rows of one page, fetched as the API's resolvers fetch them (services, loaders)."""
    async with sessions() as session:
        await act_as(session, staff)  # row-level security: the same caller as the request
        page = await members.list_members(
            session, staff, members.MemberQuery(), first=first, after=None
        )
        # the page with the one extra row that tells whether a next page exists
        statement = members.readable(staff).order_by(members.members.name, members.members.id)
        rows = plain_rows((await session.execute(statement.limit(first + 1))).all())
        assert [r.id for r in rows[:first]] == [r.id for r in page.rows]
        total = await page.total_count(session)
        ids = [row.id for row in page.rows]
        loaders = Loaders(session, staff)
        contact_pages = await loaders.member_contacts(CONTACTS_FIRST, False).load_many(ids)
        cohorts = await loaders.member_cohorts.load_many(ids)
        partner_ids = list({row.partner_id for row in page.rows if row.partner_id is not None})
        found = await loaders.partner.load_many(partner_ids)
    return Prefetched(
        members=rows,
        total=total,
        contacts=dict(zip(ids, contact_pages, strict=True)),
        cohorts=dict(zip(ids, cohorts, strict=True)),
        partners=dict(zip(partner_ids, found, strict=True)),
    )


Sample = tuple[float, float]  # seconds: (wall clock, CPU time of this process's thread)
Variant = Callable[[Bench], Awaitable[Sample]]


class Stopwatch:
    """Wall clock and CPU time from its creation; CPU time shrugs off the other processes
    on the two shared cores, but misses PostgreSQL's own work (a separate process)."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.thread_time()

    def stop(self) -> Sample:
        """Both elapsed times."""
        return time.perf_counter() - self.wall, time.thread_time() - self.cpu


async def variant_a(bench: Bench) -> Sample:
    """Whole request as staff."""
    clock = Stopwatch()
    orjson.loads(await bench.request(bench.staff_token))
    return clock.stop()


async def variant_ap(bench: Bench) -> Sample:
    """Whole request as the partner user."""
    clock = Stopwatch()
    orjson.loads(await bench.request(bench.partner_token))
    return clock.stop()


async def variant_b(bench: Bench) -> Sample:
    """Hand-written endpoint over HTTP."""
    clock = Stopwatch()
    orjson.loads(await bench.hand_request())
    return clock.stop()


async def variant_b0(bench: Bench) -> Sample:
    """Hand-written handler alone."""
    clock = Stopwatch()
    orjson.loads(await members_json(bench.pool, bench.first))
    return clock.stop()


async def variant_c(bench: Bench) -> Sample:
    """Raw graphql-core over pre-fetched rows."""
    clock = Stopwatch()
    bench.raw.run(bench.dicts, bench.variables)
    return clock.stop()


async def variant_s(bench: Bench) -> Sample:
    """The smallest Strawberry schema over the same rows."""
    clock = Stopwatch()
    await rawstrawberry.run(QUERY, bench.dicts, bench.variables)
    return clock.stop()


async def variant_d(bench: Bench) -> Sample:
    """Strawberry over the same pre-fetched rows."""
    context = bench.strawberry_context()
    clock = Stopwatch()
    await bench.strawberry(context)
    return clock.stop()


async def variant_e(bench: Bench) -> Sample:
    """Strawberry with the database, no HTTP."""
    clock = Stopwatch()
    async with bench.sessions() as session:
        await act_as(session, bench.staff)
        context = Context(
            session=session, principal=bench.staff, settings=bench.settings, request_id="bench"
        )
        await bench.strawberry(context)
    return clock.stop()


VARIANTS: dict[str, tuple[Variant, str]] = {
    "A": (variant_a, "whole request (staff): create_app + httpx ASGITransport"),
    "Ap": (variant_ap, "whole request (partner user, scoped)"),
    "B": (variant_b, "hand-written endpoint (asyncpg + orjson) over the same transport"),
    "B0": (variant_b0, "hand-written handler alone, no HTTP"),
    "C": (variant_c, "raw graphql-core over pre-fetched rows"),
    "S": (variant_s, "smallest Strawberry schema over the same rows (Strawberry's floor)"),
    "D": (variant_d, "Strawberry (app schema) over the same pre-fetched rows"),
    "E": (variant_e, "Strawberry with the database, no HTTP (diagnostic)"),
}


async def check_equal(bench: Bench) -> dict[str, Any]:
    """A, B, C and D must give the same data before anything is timed."""
    a_body = await bench.request(bench.staff_token)
    b_body = await bench.hand_request()
    a = orjson.loads(a_body)
    assert "errors" not in a, a["errors"]
    # the data (the app's response also carries extensions.cost, which B does not compute)
    assert a["data"] == orjson.loads(b_body)["data"], "A and B differ"
    assert a["data"] == bench.raw.run(bench.dicts, bench.variables), "A and C differ"
    assert a["data"] == await bench.strawberry(bench.strawberry_context()), "A and D differ"
    assert a["data"] == await rawstrawberry.run(QUERY, bench.dicts, bench.variables), "A, S"
    members_page = a["data"]["members"]
    return {
        "bytes_equal_a_b": a_body == b_body,
        "response_bytes": len(a_body),
        "members": len(members_page["edges"]),
        "contacts": sum(len(e["node"]["contacts"]["edges"]) for e in members_page["edges"]),
        "cohorts": sum(len(e["node"]["cohorts"]) for e in members_page["edges"]),
        "total_count": members_page["totalCount"],
    }


FALLBACKS = ("_load_partner", "_load_contacts", "_load_cohorts")


async def count_fallbacks(bench: Bench) -> int | None:
    """Nested relations of one request that awaited a DataLoader instead of prefetched rows.

    A diagnostic of the app's lookahead (it should be 0 for this query): the fallbacks are
    counted by wrapping them for one request; None if they are no longer there.
    """
    from network.api.members import types as api_types

    originals = {name: getattr(api_types, name, None) for name in FALLBACKS}
    if any(fn is None for fn in originals.values()):
        return None
    calls = 0

    def counting(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            return fn(*args, **kwargs)

        return wrapper

    try:
        for name, fn in originals.items():
            assert fn is not None
            setattr(api_types, name, counting(fn))
        await bench.request(bench.staff_token)
    finally:
        for name, fn in originals.items():
            setattr(api_types, name, fn)
    return calls


async def count_statements(bench: Bench, sizes: Sequence[int]) -> dict[str, dict[int, int]]:
    """SQL statements sent for one request, per page size (token lookup included)."""
    listener = bench.counter
    event.listen(bench.engine.sync_engine, "before_cursor_execute", listener)
    out: dict[str, dict[int, int]] = {"staff": {}, "partner": {}}
    try:
        for who, token in (("staff", bench.staff_token), ("partner", bench.partner_token)):
            for size in sizes:
                await bench.request(token, size)  # warm caches, then count a second request
                listener.count = 0
                body = orjson.loads(await bench.request(token, size))
                assert "errors" not in body, body["errors"]
                out[who][size] = listener.count
    finally:
        event.remove(bench.engine.sync_engine, "before_cursor_execute", listener)
    return out


def summarise(samples: list[Sample]) -> dict[str, float]:
    """Median, p90 and min of the wall clock, median and p90 of CPU time, in milliseconds."""
    wall = sorted(w * 1000 for w, _ in samples)
    cpu = sorted(c * 1000 for _, c in samples)
    return {
        "median_ms": statistics.median(wall),
        "p90_ms": statistics.quantiles(wall, n=10)[8],
        "min_ms": wall[0],
        "cpu_median_ms": statistics.median(cpu),
        "cpu_p90_ms": statistics.quantiles(cpu, n=10)[8],
        "n": len(wall),
    }


async def run_rounds(
    bench: Bench, names: Sequence[str], rounds: int, per_round: int, seed: int
) -> dict[str, list[Sample]]:
    """Interleaved rounds: every variant in every round, in a shuffled order."""
    shuffle = random.Random(seed)
    samples: dict[str, list[Sample]] = {n: [] for n in names}
    for name in names:  # warm-up: caches, prepared statements, pools
        for _ in range(5):
            await VARIANTS[name][0](bench)
    for _ in range(rounds):
        order = list(names)
        shuffle.shuffle(order)
        for name in order:
            gc.collect()
            run = VARIANTS[name][0]
            for _ in range(per_round):
                samples[name].append(await run(bench))
    return samples


def ratio(
    stats: dict[str, dict[str, float]], top: str, bottom: str, key: str = "median_ms"
) -> float | None:
    """Median of `top` over median of `bottom` (wall clock, or `key`)."""
    if top in stats and bottom in stats:
        return stats[top][key] / stats[bottom][key]
    return None


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Build or reuse the dataset, check the variants agree, then time them."""
    spec = Spec(seed=args.seed)
    await ensure(args.database_url, spec, if_missing=not args.regenerate, quiet=False)
    tokens = tokens_for(spec.seed)
    settings = Settings(database_url=args.database_url)
    engine = make_engine(args.database_url, pool_size=settings.db_pool_size)
    sessions = make_session_factory(engine)
    app = create_app(settings, session_factory=sessions)
    pool = await asyncpg.create_pool(_dsn(args.database_url), min_size=2, max_size=4)
    assert pool is not None
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench"
            ) as app_client,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=HandWrittenApp(pool)),
                base_url="http://bench",
            ) as hand_client,
        ):
            async with sessions() as session:
                staff = await authenticate_token(session, tokens.staff)
            assert staff is not None
            bench = Bench(
                first=args.first,
                settings=settings,
                engine=engine,
                sessions=sessions,
                app_client=app_client,
                hand_client=hand_client,
                pool=pool,
                staff=staff,
                staff_token=tokens.staff,
                partner_token=tokens.partner,
                data=await prefetch(sessions, staff, args.first),
                raw=RawGraphQL(QUERY),
            )
            checks = await check_equal(bench)
            checks["awaited_fallbacks"] = await count_fallbacks(bench)
            statements = await count_statements(bench, [10, 50, 100])
            names = [n for n in args.variants.split(",") if n]
            samples = await run_rounds(bench, names, args.rounds, args.per_round, args.seed)
    finally:
        await pool.close()
        await engine.dispose()
    stats = {name: summarise(values) for name, values in samples.items()}
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {_cpus()} shared cores",
        "dataset": spec.fingerprint(),
        "command": args.command,
        "page_size": args.first,
        "rounds": args.rounds,
        "per_round": args.per_round,
        "checks": checks,
        "statements": statements,
        "stats": stats,
        "ratios": {
            "strawberry_over_graphql_core (D/C)": ratio(stats, "D", "C"),
            "strawberry_floor_over_graphql_core (S/C)": ratio(stats, "S", "C"),
            "whole_request_over_hand_written_endpoint (A/B)": ratio(stats, "A", "B"),
            "whole_request_over_hand_written_handler (A/B0)": ratio(stats, "A", "B0"),
            "partner_over_staff_request (Ap/A)": ratio(stats, "Ap", "A"),
            "cpu: strawberry_over_graphql_core (D/C)": ratio(stats, "D", "C", "cpu_median_ms"),
            "cpu: strawberry_floor_over_graphql_core (S/C)": ratio(
                stats, "S", "C", "cpu_median_ms"
            ),
            "cpu: whole_request_over_hand_written_endpoint (A/B)": ratio(
                stats, "A", "B", "cpu_median_ms"
            ),
        },
    }


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


def report(result: dict[str, Any]) -> str:
    """A plain-text summary, the figures BENCHMARKS.md quotes."""
    lines = [
        f"{result['date']}  {result['machine']}",
        f"dataset: {result['dataset']}",
        f"page size {result['page_size']}; {result['rounds']} interleaved rounds x "
        f"{result['per_round']} runs per variant",
        "checks: " + json.dumps(result["checks"]),
        "SQL statements per request (by page size): " + json.dumps(result["statements"]),
        "",
        f"{'variant':<4} {'median ms':>9} {'p90 ms':>8} {'min ms':>8} {'cpu med':>8}"
        f" {'cpu p90':>8} {'n':>4}  what",
    ]
    for name, stat in result["stats"].items():
        lines.append(
            f"{name:<4} {stat['median_ms']:>9.2f} {stat['p90_ms']:>8.2f} {stat['min_ms']:>8.2f}"
            f" {stat['cpu_median_ms']:>8.2f} {stat['cpu_p90_ms']:>8.2f} {stat['n']:>4}"
            f"  {VARIANTS[name][1]}"
        )
    lines.append("")
    for label, value in result["ratios"].items():
        if value is not None:
            lines.append(f"{label}: {value:.2f}x")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.members_api", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seed", type=int, default=Spec().seed)
    parser.add_argument("--first", type=int, default=100, help="page size (default 100)")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--per-round", type=int, default=5)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--regenerate", action="store_true", help="rebuild the dataset first")
    parser.add_argument(
        "--loop", choices=["uvloop", "asyncio"], default="uvloop", help="uvicorn's default: uvloop"
    )
    args = parser.parse_args(argv)
    args.command = "python -m bench.members_api " + " ".join(argv or [])
    return args


def run(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark, print the summary, keep the raw figures in bench/results/."""
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    logging.getLogger("network").setLevel(logging.WARNING)
    factory = uvloop.new_event_loop if args.loop == "uvloop" else asyncio.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        result = runner.run(main(args))
    result["loop"] = args.loop
    print(report(result))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = result["date"].replace(":", "").replace("-", "")
    path = RESULTS / f"members_api-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print(f"raw figures: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    run()
