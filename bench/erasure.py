"""Benchmark: erasing people on the retention benchmark's dataset, with a profile per step.

    .venv/bin/python -m bench.erasure [--people 200] [--batch-size 200] [--single] [--profile]
                                      [--trigram]

On the dataset of `bench.retention` (50,000 contacts, one 600-byte email each, bookings,
meeting invitations, member users; its history added inside one transaction rolled back at
the end), plus an audit trail of 100,000 entries (a `contact.created` with the name and
address of each contact, and as many `contact.updated` about job titles), this erases
`--people` contacts chosen at random, as retention does: a batch of `--batch-size` per
savepoint through `network.privacy.retention` (its `_erase`), or with `--single` one
`erase_person` call each. `--profile` adds the time spent in each step of
network/privacy/erasure.py (its private coroutines, wrapped); `--trigram` first creates pg_trgm
GIN indexes on the texts erasure searches (inside the rolled-back transaction) to measure
what such a migration would bring.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import platform
import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.retention import DEFAULT_URL, _bulk, add_history, rolled_back
from network.audit.models import AuditEvent
from network.auth.principal import SYSTEM
from network.contacts.models import Contact
from network.privacy import erasure, retention

REASON = "Retention: no activity for the period of the rule"
TRIGRAM_INDEXES = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX bench_outbox_context_trgm ON outbox_messages"
    " USING gin ((context::text) gin_trgm_ops)",
    "CREATE INDEX bench_audit_changes_trgm ON audit_events"
    " USING gin ((changes::text) gin_trgm_ops)",
)


async def add_audit_trail(session: AsyncSession, seed: int = 13) -> int:
    """A `contact.created` naming each contact, and a `contact.updated` for as many again."""
    rng = random.Random(seed)
    people = (
        await session.execute(
            select(
                Contact.id, Contact.first_name, Contact.last_name, Contact.email, Contact.created_at
            )
        )
    ).all()
    rows: list[dict[str, Any]] = []
    titles = ["Coordinator", "Officer", "Volunteer", "Manager", "Trustee", "Advisor"]
    for person in people:
        rows.append(
            {
                "occurred_at": person.created_at,
                "actor_role": "STAFF",
                "action": "contact.created",
                "entity_type": "Contact",
                "entity_id": person.id,
                "changes": {
                    "first_name": person.first_name,
                    "last_name": person.last_name,
                    "email": person.email,
                    "language": "en",
                },
            }
        )
    for person in rng.choices(people, k=len(people)):
        rows.append(
            {
                "occurred_at": person.created_at + timedelta(days=rng.randrange(1, 400)),
                "actor_role": "STAFF",
                "action": "contact.updated",
                "entity_type": "Contact",
                "entity_id": person.id,
                "changes": {"job_title": {"before": rng.choice(titles), "after": "Lead"}},
            }
        )
    await _bulk(session, AuditEvent, rows)
    return len(rows)


def _profiled(timings: dict[str, float]) -> Callable[[], None]:
    """Wrap each private coroutine of the erasure module to add up its time; the undo."""
    originals: dict[str, Any] = {}
    for name, function in list(vars(erasure).items()):
        if not (name.startswith("_") and inspect.iscoroutinefunction(function)):
            continue
        originals[name] = function

        def wrap(function: Any, name: str) -> Any:
            @functools.wraps(function)
            async def timed(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await function(*args, **kwargs)
                finally:
                    timings[name] = timings.get(name, 0.0) + time.perf_counter() - started

            return timed

        setattr(erasure, name, wrap(function, name))

    def undo() -> None:
        for name, function in originals.items():
            setattr(erasure, name, function)

    return undo


async def run(
    url: str, people: int, batch_size: int, single: bool, profile: bool, trigram: bool
) -> None:
    async with rolled_back(url) as (connection, sessions):
        async with sessions() as session:
            started = time.perf_counter()
            added = await add_history(session)
            added["audit entries"] = await add_audit_trail(session)
            await session.commit()
            print(f"history added in {time.perf_counter() - started:.1f} s: {added}")
            if trigram:
                started = time.perf_counter()
                for statement in TRIGRAM_INDEXES:
                    await connection.exec_driver_sql(statement)
                print(f"trigram indexes built in {time.perf_counter() - started:.1f} s")
            await connection.exec_driver_sql("ANALYZE")
            ids = list((await session.scalars(select(Contact.id).order_by(Contact.id))).all())
        chosen = random.Random(7).sample(ids, people)
        steps: dict[str, float] = {}
        undo = _profiled(steps) if profile else (lambda: None)
        started = time.perf_counter()
        erased = 0
        try:
            for start in range(0, len(chosen), batch_size):
                chunk = chosen[start : start + batch_size]
                async with sessions() as session:
                    if single:
                        for contact_id in chunk:
                            async with session.begin_nested():
                                await erasure.erase_person(session, SYSTEM, contact_id, REASON)
                            erased += 1
                    else:
                        erased += await retention._erase(session, SYSTEM, chunk, REASON)
                    await session.commit()
        finally:
            undo()
        elapsed = time.perf_counter() - started
        async with sessions() as session:
            left = await session.scalar(
                select(Contact.id).where(Contact.id.in_(chosen), Contact.erased_at.is_(None))
            )
    assert left is None and erased == people, "not every chosen contact was erased"
    how = "erase_person one by one" if single else f"retention batches of {batch_size}"
    print(
        f"python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"{how}{', trigram indexes' if trigram else ''}"
    )
    print(f"erased {erased:,} in {elapsed:.1f} s: {elapsed / erased * 1000:,.1f} ms each")
    for name, seconds in sorted(steps.items(), key=lambda item: -item[1]):
        print(f"  {name}: {seconds:.2f} s ({seconds / erased * 1000:,.1f} ms each)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.erasure", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--single", action="store_true", help="erase_person one call each")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--trigram", action="store_true")
    args = parser.parse_args(argv)
    asyncio.run(
        run(
            args.database_url,
            args.people,
            args.batch_size,
            args.single,
            args.profile,
            args.trigram,
        )
    )


if __name__ == "__main__":
    main()
