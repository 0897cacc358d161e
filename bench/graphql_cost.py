"""Benchmark: what the cost budget adds to a request (network/api/core/cost.py, budget.py).

    .venv/bin/python -m bench.graphql_cost
    .venv/bin/python -m bench.graphql_cost --redis redis://127.0.0.1:6379/15 --runs 5000

Timed, each as the median of many runs on one core, no database:
- `estimate()` on the members query of bench/members_api.py (page of 100, with contacts and
  cohorts), and on the worst document the limits let through (1,000 tokens: fragments that
  spread each other, nested connections, 15 aliases);
- for scale, validating the same documents without the cache (what a cache miss costs);
- one charge of a budget in Redis (the Lua script, one round trip), when --redis is given,
  next to a PING on the same connection.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable

from graphql import DocumentNode, parse
from redis.asyncio import Redis

from bench.members_api import QUERY
from network.api.core.budget import CostBudgets
from network.api.core.caches import validate_document
from network.api.core.cost import estimate
from network.api.schema import schema
from network.config import Settings

SETTINGS = Settings()
NESTED = "members(first: 100) { edges { node { contacts(first: 100) { edges { node { id } } } } } }"


LEVELS = 10


def worst_document() -> str:
    """Nearly 1,000 tokens of what costs most to walk: a fragment tree spread 2**10 times,
    nested connections, 14 aliases (the app's limits let it through; tests/api/test_cost.py)."""
    fragments = "".join(
        f"fragment F{i} on Member {{ ...F{i + 1} ...F{i + 1} cohorts {{ name members {{ id }} }}"
        " contacts(first: 5) { edges { node { id email } } totalCount } }\n"
        for i in range(LEVELS)
    )
    fragments += f"fragment F{LEVELS} on Member {{ partner {{ slug }} }}\n"
    aliases = " ".join(
        f"a{i}: members(first: 100) {{ edges {{ node {{ ...F0 }} }} }}" for i in range(13)
    )
    return f"{{ {aliases} x: {NESTED} }}\n{fragments}"


def median_us(action: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        action()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


def time_document(name: str, text: str, variables: dict[str, object], runs: int) -> None:
    document: DocumentNode = parse(text)
    graphql_schema = schema._schema
    cost = estimate(graphql_schema, document, None, variables, SETTINGS.graphql_max_page_size)
    took = median_us(
        lambda: estimate(graphql_schema, document, None, variables, SETTINGS.graphql_max_page_size),
        runs,
    )
    validation = median_us(lambda: validate_document(graphql_schema, document, (), False), 50)
    print(
        f"{name}: {len(text)} bytes, cost {cost}; estimate {took:.1f} us "
        f"(validation without the cache: {validation:.0f} us)"
    )


async def time_redis(url: str, runs: int) -> None:
    redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    budgets = CostBudgets(redis, SETTINGS.secret_key)
    try:
        pings = []
        for _ in range(runs):
            start = time.perf_counter_ns()
            await redis.ping()
            pings.append(time.perf_counter_ns() - start)
        samples = []
        for i in range(runs):
            start = time.perf_counter_ns()
            await budgets.charge("user", f"bench-{i % 50}", 1, 10**12)
            samples.append(time.perf_counter_ns() - start)
        keys = [key async for key in redis.scan_iter("graphql:cost:user:*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()
    print(
        f"charge in Redis ({url}): {statistics.median(samples) / 1000:.0f} us median "
        f"(a PING: {statistics.median(pings) / 1000:.0f} us)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--redis", help="also time a charge against this Redis (a spare db)")
    args = parser.parse_args()
    time_document("members query (first: 100)", QUERY, {"first": 100}, args.runs)
    time_document("worst document", worst_document(), {}, args.runs)
    if args.redis:
        asyncio.run(time_redis(args.redis, args.runs))


if __name__ == "__main__":
    main()
