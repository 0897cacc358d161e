"""What row-level security costs the members page: bench.members_api with and without it, and
the page's SQL statements with and without the policies.

    .venv/bin/python -m bench.rls_overhead --without-rls --rounds 6 --variants A,Ap
    .venv/bin/python -m bench.rls_overhead --rounds 6 --variants A,Ap
    .venv/bin/python -m bench.rls_overhead --statements [--rounds 30]

Without an option this is bench.members_api as it is. `--without-rls` takes the layer out of
the process before anything runs: network.db's begin listener is removed and `act_as` does
nothing, so every session stays the superuser the benchmark connects as (PostgreSQL skips the
policies) and sends no settings: the code as it was before migration 0008, everything else
equal. Run the two alternately in one sitting.

`--statements` isolates the database's share: it records the SELECTs of one members-page
request (staff, then the partner user) and replays each on two connections in alternation,
one as the superuser and one switched to network_app with the caller's settings, `--rounds`
times; it prints each statement's median on both and the sums. Each connection keeps its own
prepared plans, as the app's pooled connections do. BENCHMARKS.md has the figures.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no type hints shipped
import httpx
from sqlalchemy import event
from sqlalchemy.orm import Session

import network.api.downloads.deps
import network.app
import network.db
import network.portal.deps
from bench import members_api
from bench.generate import DEFAULT_URL, Spec, _dsn, tokens_for
from network.config import Settings

SETTINGS = (
    "SELECT set_config('role', 'network_app', true), set_config('network.principal_kind', $1,"
    " true), set_config('network.partner_id', $2, true)"
)


async def _nobody(*args: Any, **kwargs: Any) -> None:
    """act_as without the layer: nothing to tell the database."""


def without_rls() -> None:
    """Take the row-level-security switch out of this process."""
    event.remove(Session, "after_begin", network.db._act_on_begin)
    for module in (network.db, network.app, network.portal.deps, network.api.downloads.deps):
        module.act_as = _nobody  # type: ignore[attr-defined]
    members_api.act_as = _nobody  # type: ignore[attr-defined]


async def _statements_of(token: str) -> list[tuple[str, Any]]:
    """The SELECTs one members-page request sends after its token lookup."""
    captured: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        captured.append((statement, parameters))

    settings = Settings(database_url=DEFAULT_URL, graphql_max_page_size=100)
    engine = network.db.make_engine(DEFAULT_URL, pool_size=1)
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    app = network.app.create_app(settings, session_factory=network.db.make_session_factory(engine))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        response = await client.post(
            "/graphql",
            json={"query": members_api.QUERY, "variables": {"first": 100}},
            headers={"authorization": f"Bearer {token}"},
        )
        assert "errors" not in response.json(), response.text
    await engine.dispose()
    return [
        (s, p)
        for s, p in captured
        if s.lstrip().startswith("SELECT") and "set_config" not in s and "FROM users" not in s
    ]


async def statements(rounds: int) -> None:
    """Each statement of the page, as the superuser and under the policies, alternately."""
    without_rls()
    tokens = tokens_for(Spec().seed)
    plain = await asyncpg.connect(_dsn(DEFAULT_URL))
    policed = await asyncpg.connect(_dsn(DEFAULT_URL))
    partner_id = await plain.fetchval("SELECT partner_id FROM users WHERE role = 'PARTNER'")
    callers = (
        ("staff", tokens.staff, ("STAFF", "")),
        ("partner", tokens.partner, ("PARTNER", str(partner_id))),
    )
    for who, token, acting in callers:
        sums = {"without": 0.0, "with": 0.0}
        for statement, parameters in await _statements_of(token):
            times: dict[str, list[float]] = {"without": [], "with": []}
            for n in range(rounds):
                order = ("without", "with") if n % 2 == 0 else ("with", "without")
                for mode in order:
                    connection = plain if mode == "without" else policed
                    async with connection.transaction():
                        if mode == "with":
                            await connection.execute(SETTINGS, *acting)
                        started = time.perf_counter()
                        await connection.fetch(statement, *parameters)
                        times[mode].append((time.perf_counter() - started) * 1000)
            medians = {mode: statistics.median(values[3:]) for mode, values in times.items()}
            for mode, value in medians.items():
                sums[mode] += value
            first_line = " ".join(statement.split())[:60]
            print(f"{who:8} {medians['without']:7.2f} {medians['with']:7.2f} ms  {first_line}")
        print(f"{who:8} {sums['without']:7.2f} {sums['with']:7.2f} ms  all statements (medians)")
    await plain.close()
    await policed.close()


def run() -> None:
    """bench.members_api's command line, plus --without-rls and --statements."""
    argv = sys.argv[1:]
    if "--statements" in argv:
        rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 30
        asyncio.run(statements(rounds))
        return
    if "--without-rls" in argv:
        argv.remove("--without-rls")
        without_rls()
    members_api.run(argv)


if __name__ == "__main__":
    run()
