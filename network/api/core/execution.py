"""Sibling resolvers run to the end when one of them fails.

graphql-core 3.3 (which Strawberry requires) gathers sibling fields with `gather_with_cancel`:
when one non-null field fails, the others are cancelled wherever they are. A resolver cancelled
in the middle of a SQL statement makes SQLAlchemy invalidate the request's connection, so any
signed-in caller could throw away a pooled connection per request by pairing a forbidden field
with an ordinary one (found by tests/api/test_fuzz.py). Our resolvers are bounded by the cost
budget, so letting them finish costs little; the first error is still the one reported.

The executor looks the function up in its module's namespace on each call, which is the one
place it can be replaced; `install()` does that once, when the schema is built.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from graphql.execution import executor


async def gather_to_the_end(*awaitables: Awaitable[Any]) -> list[Any]:
    """Like `asyncio.gather`: every awaitable finishes; then the first exception is raised."""
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def install() -> None:
    """Make graphql-core's executor gather siblings with `gather_to_the_end`."""
    executor.gather_with_cancel = gather_to_the_end  # type: ignore[attr-defined]
