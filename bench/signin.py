"""Benchmark (issue 12): does the time of an answer tell whether an email address has an account?

    .venv/bin/python -m bench.signin [--rounds 40] [--link-rounds 300] [--database-url URL]

The database `network_bench_signin` (or --database-url) is rebuilt by the real commands
(`scripts/ensure_database.py --recreate`, `network migrate`), then given a partner user with a
password and a member user. Through `create_app()` over httpx's ASGITransport, interleaved:

- the portal's sign-in POST with a wrong password, for the partner's address and for an
  address with no account (both answer 401; argon2 verifies against the real hash or a dummy);
- `requestLoginLink` for the member's address and for an unknown one (both owe a job).

The sign-in limits, the email-ask limits and the anonymous cost budget are raised out of the
way for the run (they would
answer 429 after a few tries, which is the point of them, but not what is measured here); the
jobs owed are removed from the run's own queue afterwards. Prints the medians, the p90s and
the ratio known/unknown of each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
import uuid

import httpx
from redis.asyncio import Redis

from bench.training_data import rebuild
from network.app import create_app
from network.auth import service as auth
from network.auth import throttle
from network.auth.principal import SYSTEM
from network.config import Settings
from network.db import make_engine, make_session_factory, unit_of_work
from network.kit import ratelimit
from network.kit.enums import Network, Role
from network.members import service as members
from network.partners import service as partners
from network.usecases import contacts as contact_cases

DEFAULT_URL = os.environ.get(
    "BENCH_SIGNIN_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/network_bench_signin"
)
QUEUE = "arq:queue:signin-bench"
PARTNER_EMAIL = "partner@bench-signin.example"
MEMBER_EMAIL = "member@bench-signin.example"
PASSWORD = "a long bench password"
REQUEST = "mutation($e: String!) { requestLoginLink(input: {email: $e}) { accepted } }"


async def seed(url: str) -> None:
    """A partner user with a password and a member user (through the services)."""
    engine = make_engine(url, pool_size=2)
    try:
        async with unit_of_work(make_session_factory(engine, principal=SYSTEM)) as session:
            partner = await partners.create_partner(
                session, SYSTEM, name="Bench Partner", slug="bench-signin", countries=["GB"]
            )
            await auth.create_user(
                session,
                SYSTEM,
                email=PARTNER_EMAIL,
                name="Bench Partner User",
                role=Role.PARTNER,
                partner_slug=partner.slug,
            )
            member = await members.create_member(
                session,
                SYSTEM,
                name="Bench Council",
                network=Network.CITIZEN_POWERED_COUNCIL,
                country="GB",
            )
            await contact_cases.create_contact(
                session,
                SYSTEM,
                member_id=member.id,
                email=MEMBER_EMAIL,
                first_name="Bench",
                last_name="Member",
            )
            await session.flush()
            await auth.create_user(
                session, SYSTEM, email=MEMBER_EMAIL, name="Bench Member", role=Role.MEMBER
            )
            await auth.set_password(session, SYSTEM, PARTNER_EMAIL, PASSWORD)
    finally:
        await engine.dispose()


def summary(name: str, known: list[float], unknown: list[float]) -> str:
    """One line: medians and p90s in ms, and the ratio of the medians."""

    def p90(values: list[float]) -> float:
        return sorted(values)[int(len(values) * 0.9) - 1]

    mk, mu = statistics.median(known), statistics.median(unknown)
    return (
        f"{name}: known median {mk * 1000:.2f} ms (p90 {p90(known) * 1000:.2f}), "
        f"unknown median {mu * 1000:.2f} ms (p90 {p90(unknown) * 1000:.2f}), "
        f"ratio {mk / mu:.3f} (n={len(known)} each)"
    )


async def measure(url: str, rounds: int, link_rounds: int) -> None:
    """Time both answers, interleaved, and print the figures."""
    # Out of the way for the measurement (see the module docstring).
    throttle.LIMITS = throttle.Limits(client_free=10**9, pair_free=10**9, account_free=10**9)
    ratelimit.EMAIL_ASKS_PER_ADDRESS = ratelimit.EMAIL_ASKS_PER_CLIENT = 10**9
    settings = Settings(
        database_url=url,
        worker_queue_name=QUEUE,
        base_url="http://bench",
        graphql_anonymous_cost_budget_per_hour=10**9,
    )
    app = create_app(settings)
    nobody = f"nobody-{uuid.uuid4().hex[:8]}@bench-signin.example"
    sign_in: dict[str, list[float]] = {"known": [], "unknown": []}
    link: dict[str, list[float]] = {"known": [], "unknown": []}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            page = await client.get("/portal/login")
            csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            for n in range(rounds + 3):  # three rounds of warm-up
                pairs = (("known", PARTNER_EMAIL), ("unknown", nobody))
                for kind, email in pairs[:: 1 - 2 * (n % 2)]:  # which goes first alternates
                    form = {"csrf": csrf, "email": email, "password": "not the password"}
                    started = time.perf_counter()
                    answer = await client.post("/portal/login", data=form)
                    elapsed = time.perf_counter() - started
                    assert answer.status_code == 401, answer.status_code
                    if n >= 3:
                        sign_in[kind].append(elapsed)
            for n in range(link_rounds + 10):
                pairs = (("known", MEMBER_EMAIL), ("unknown", nobody))
                for kind, email in pairs[:: 1 - 2 * (n % 2)]:
                    body = {"query": REQUEST, "variables": {"e": email}}
                    started = time.perf_counter()
                    answer = await client.post("/graphql", json=body)
                    elapsed = time.perf_counter() - started
                    assert answer.json()["data"] == {"requestLoginLink": {"accepted": True}}, (
                        answer.text
                    )
                    if n >= 10:
                        link[kind].append(elapsed)
    redis = Redis.from_url(settings.redis_url)
    try:
        ids = await redis.zrange(QUEUE, 0, -1)
        for start in range(0, len(ids), 500):
            await redis.delete(*[b"arq:job:" + i for i in ids[start : start + 500]])
        await redis.delete(QUEUE)
    finally:
        await redis.aclose()
    print(f"# {platform.node()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(summary("portal sign-in POST (wrong password)", sign_in["known"], sign_in["unknown"]))
    print(summary("requestLoginLink", link["known"], link["unknown"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--link-rounds", type=int, default=300)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()

    async def run() -> None:
        await rebuild(args.database_url)
        await seed(args.database_url)
        await measure(args.database_url, args.rounds, args.link_rounds)

    asyncio.run(run())


if __name__ == "__main__":
    main()
