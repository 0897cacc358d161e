"""Fuzzing the GraphQL API: documents generated from the schema, run as four kinds of caller.

hypothesis-graphql writes valid queries and mutations (any root field, any selection, any
arguments) whose values come from strategies that know the seeded world of the authorization
matrix (tests/support/matrix_world.py): its global ids and e-mail addresses next to garbage,
forged cursors, dates and times at the calendar's ends and in DST gaps, text with odd unicode.
Each document is sent as anonymous, the member contact, partner A and staff, each call in a
savepoint rolled back after it (mutations never outlive the test's transaction). No answer may be
an HTTP 500 or carry an error whose extensions.code is INTERNAL.

All documents run before the test fails, so one run lists every failure with the caller, the
document and the exception our code logged. `FUZZ_SKIP_KNOWN=1` sidesteps the failures listed in
KNOWN_FAILING (being fixed elsewhere) to keep fuzzing the rest; `FUZZ_ONLY=op1,op2` fuzzes only
those operations (to reproduce one quickly).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import re
import traceback
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from graphql import build_schema
from graphql.execution import executor
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema
from hypothesis_graphql.nodes import Int, String
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from network.api.schema import schema
from network.kit.ids import to_global_id
from tests.support.config import REDIS_URL
from tests.support.matrix_world import build_matrix_world

# Documents generated per operation (each root field of Query and Mutation), each sent once per
# caller: 23 x 52 operations make about 1,060 distinct documents (issue 12 asks for at least
# 1,000). With MIXED, 4,360 calls: 2.5 minutes of CPU (a third of it generating), 5.5 minutes
# of wall time on a busy 2-core machine; hence `slow`.
PER_OPERATION = 23
# And queries asking for several root fields at once, whose resolvers run concurrently (`node` is
# left out: its fragments on every type make documents slow to generate).
MIXED = 40
CALLERS = ("anonymous", "member", "partner A", "staff")

# Failures known today, by a root field or a text of the failure's log -> why, and whose area.
CANCELLED = "the database connection was invalidated"
KNOWN_FAILING: dict[str, str] = {
    CANCELLED: (
        "graphql-core 3.3 cancels the sibling resolvers of a failed non-null field; a statement"
        " cancelled mid-flight makes SQLAlchemy invalidate the request's connection (network/api/"
        "schema.py execution, or the session in network/db.py)"
    ),
}
SKIP_KNOWN = os.environ.get("FUZZ_SKIP_KNOWN") == "1"
ONLY = [name for name in os.environ.get("FUZZ_ONLY", "").split(",") if name]

SDL = schema.as_str()
GRAPHQL = build_schema(SDL)
OPERATIONS = sorted(
    name for root in (GRAPHQL.query_type, GRAPHQL.mutation_type) if root for name in root.fields
)
CONCURRENT = (
    [name for name in GRAPHQL.query_type.fields if name != "node"] if GRAPHQL.query_type else []
)
# The world's values a document may name (tests/support/matrix_world.py; ids are global ids).
# fmt: off
WORLD_IDS = (
    "partner_a", "aberdare", "bangor", "builth", "sian", "gareth", "rhys", "archived", "cohort",
    "meeting", "other_meeting", "upcoming", "booking", "attended", "mine", "theirs", "initiative",
    "partner_b", "lyon", "helene", "cohort_b", "meeting_b", "foreign", "past", "course", "outbox",
)
# fmt: on
WORLD_TEXT = ("slug_a", "code", "member_email", "staff_email", "partner_A_email")

# -- values: what the world holds, next to what an attacker would send -----------------------

ODD_TEXT = [
    "",
    " ",
    "\x00",
    "Ann\x00Lee",
    "\u202eevil\u202c",  # bidi override
    "Si\u200bân",  # zero-width space
    "Zoë Ñúñez-Øster",
    "\U0001f600\U0001f469\u200d\U0001f4bb",
    "e\u0301" * 50,  # combining marks
    "=cmd|' /C calc'!A0",
    "\uff1dSUM(1+1)",  # fullwidth equals
    "'; DROP TABLE members; --",
    "%s %(x)s {0} {x}",
    "<script>alert(1)</script>",
    "\ud7ff\ue000\uffff",
    "x" * 201,
    "y" * 5000,
    "\n\r\t",
]
EMAILS = [
    "ann.lee@aberdare.example",
    "ANN.LEE@ABERDARE.EXAMPLE",
    "nobody@nowhere.example",
    "siân@llanelli.example",
    "ann@例え.jp",
    "a@b",
    "a..b@example.com",
    "@example.com",
    "ann@",
    "x" * 250 + "@example.com",
    '"quoted local"@example.com',
    "ann+tag@example.com",
]
WORDS = [
    "GB",
    "FR",
    "gb",
    "XX",
    "Europe/London",
    "Europe/Paris",
    "America/St_Johns",
    "Pacific/Kiritimati",
    "Not/AZone",
    "UTC",
    "en",
    "cy",
    "fr",
    "zz",
    "gwynedd",
    "Aberdare",
    "Powys",
]
DATES = [
    "0001-01-01",
    "9999-12-31",
    "2024-02-29",
    "2023-02-29",
    "2026-13-01",
    "2026-00-10",
    "10000-01-01",
    "2026-1-1",
    "",
    "today",
]
DATE_TIMES = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-12:00",  # after year 9999 in UTC
    "9999-12-31T23:59:59.999999+00:00",
    "2031-05-06T10:00:00Z",
    "2031-05-06T12:00:00Z",
    "2031-05-06T10:00:00",  # no offset
    "2031-03-30T01:30:00",  # in the spring-forward gap in London
    "2031-10-26T01:30:00",  # ambiguous in London
    "2031-03-30T01:30:00+00:00",
    "2020-01-01T00:00:00Z",
    "2031-05-06T25:00:00Z",
    "2031-05-06",
    "",
    "now",
]


def forged_cursor(values: Any) -> str:
    """A cursor as a client could write one (any JSON)."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


CURSORS = [
    forged_cursor(["2031-05-06T10:00:00+00:00", str(uuid.UUID(int=1))]),
    forged_cursor(["0001-01-01T00:00:00+14:00", str(uuid.UUID(int=1))]),
    forged_cursor(["Aberdare", str(uuid.UUID(int=1))]),
    forged_cursor([str(uuid.UUID(int=1))]),
    forged_cursor([2**70, "x"]),
    forged_cursor([None, True]),
    forged_cursor({"a": 1}),
    "bm90IGpzb24",
    "!!!",
]


def placeholder(name: str) -> str:
    """Where a value of the world goes in a generated document (the world is built after)."""
    return f"<<{name}>>"


PLACEHOLDER = re.compile(r"<<(\w+)>>")


def garbage_ids() -> list[str]:
    """Ids that are nobody's: wrong types, no such row, not base64, not text at all."""
    nobody = uuid.UUID(int=7)
    return [
        to_global_id("Member", nobody),
        to_global_id("Contact", nobody),
        to_global_id("Nope", nobody),
        to_global_id("Member", uuid.UUID(int=0)),
        base64.urlsafe_b64encode(b"Member:not-a-uuid").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe:\x00").decode(),
        str(nobody),
        "",
        "1",
        "\x00",
        "=" * 10,
    ]


def node(values: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """String literals of these values."""
    return values.map(String)


# Every scalar of the schema, built-in ones included (custom_scalars replaces those): mostly
# values the resolvers act on, else values at the edges and garbage.
SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "ID": node(
        st.one_of(
            st.sampled_from([placeholder(name) for name in WORLD_IDS]),
            st.sampled_from(garbage_ids()),
        )
    ),
    "String": node(
        st.one_of(
            st.sampled_from([placeholder(name) for name in WORLD_TEXT] + WORDS),
            st.sampled_from(EMAILS + ODD_TEXT),
            st.sampled_from(CURSORS + DATE_TIMES + DATES),
            st.text(max_size=40),
        )
    ),
    "Int": st.one_of(
        st.integers(min_value=0, max_value=120),
        st.sampled_from([-1, 2**31 - 1, -(2**31)]),
    ).map(Int),
    "Date": node(st.one_of(st.sampled_from(DATES), st.dates().map(lambda d: d.isoformat()))),
    "DateTime": node(
        st.one_of(
            st.sampled_from(DATE_TIMES),
            st.datetimes().map(lambda d: d.isoformat() + "Z"),
        )
    ),
}


def generate(fields: list[str], count: int) -> list[str]:
    """Up to `count` distinct documents asking for some of these root fields, the same ones
    every run."""
    documents: list[str] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(from_schema(SDL, fields=fields, custom_scalars=SCALARS))
    def collect(document: str) -> None:
        documents.append(document)

    collect()
    return list(dict.fromkeys(documents))


# -- running them ----------------------------------------------------------------------------


@dataclass
class Failure:
    """One call that failed inside: who asked what, and what our code logged about it."""

    operation: str
    caller: str
    document: str
    status: int
    errors: list[Any]
    logged: list[str]

    def known(self) -> bool:
        """Whether KNOWN_FAILING names its operation or a text of its log."""
        text = "\n".join(self.logged)
        return any(key == self.operation or key in text for key in KNOWN_FAILING)

    def __str__(self) -> str:
        return (
            f"--- {self.operation} as {self.caller}, HTTP {self.status}\n{self.document}\n"
            f"errors: {self.errors}\nlogged: {self.logged}"
        )


class Logged(logging.Handler):
    """The errors our code logs while a request runs: a masked error's real cause, and where
    in our code it was raised."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith("network"):
            return  # strawberry logs every error, the expected ones too
        line = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            ours = [
                f"{frame.filename}:{frame.lineno}"
                for frame in traceback.extract_tb(error.__traceback__)
                if "/network/" in frame.filename
            ]
            line += f" | {type(error).__name__}: {error} | raised via {ours[-1:] or '?'}"
        self.lines.append(line[:1500])


def internal_errors(body: Any) -> list[Any]:
    """The errors of an answer whose code is INTERNAL (an unexpected exception, masked)."""
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors or [] if (e.get("extensions") or {}).get("code") == "INTERNAL"]


class Fuzzer:
    """Sends documents as the callers to the app on the test's connection (the world is built
    in its transaction), each call in a savepoint rolled back after it. A call that breaks the
    connection takes the world with it: it is a failure, and the world is built again."""

    def __init__(
        self, client: httpx.AsyncClient, connection: AsyncConnection, session: AsyncSession
    ) -> None:
        self.client = client
        self.connection = connection
        self.session = session
        self.handler = Logged()
        self.failures: list[Failure] = []
        self.known: list[Failure] = []  # with FUZZ_SKIP_KNOWN=1
        self.answered = dict.fromkeys(CALLERS, 0)  # answers without any error

    async def build(self) -> None:
        self.world = await build_matrix_world(self.session)
        emails = self.world.world.emails
        self.values = {
            **self.world.ids,
            **{f"{who.replace(' ', '_')}_email": email for who, email in emails.items()},
        }

    def filled(self, document: str) -> str:
        """The document with the world's values in place of the placeholders."""
        return PLACEHOLDER.sub(lambda m: json.dumps(self.values[m.group(1)])[1:-1], document)

    async def send(self, operation: str, document: str, caller: str) -> None:
        """Send the document as the caller; note a failure."""
        token = self.world.tokens.get(caller)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.handler.lines.clear()
        savepoint = await self.connection.begin_nested()
        before = asyncio.all_tasks()
        response = await self.client.post(
            "/graphql", json={"query": self.filled(document)}, headers=headers
        )
        problems = []
        leftover = {t for t in asyncio.all_tasks() - before if not t.done()}
        if leftover:  # resolvers still at work after the answer, on a session that is closed
            problems.append(f"{len(leftover)} tasks still ran after the answer")
            await asyncio.wait(leftover)
        broken = self.connection.invalidated
        if broken:
            problems.append(f"{CANCELLED} (a statement was cancelled)")
        await savepoint.rollback()
        body = response.json() if response.status_code != 500 else response.text
        internal = internal_errors(body)
        if response.status_code >= 500 or internal or problems:
            logged = self.handler.lines + problems
            failure = Failure(operation, caller, document, response.status_code, internal, logged)
            (self.known if SKIP_KNOWN and failure.known() else self.failures).append(failure)
        elif isinstance(body, dict) and not body.get("errors"):
            self.answered[caller] += 1
        if broken:
            await self.session.rollback()
            await self.connection.rollback()
            await self.connection.begin()
            await self.build()


async def gather_without_cancel(*awaitables: Awaitable[Any]) -> list[Any]:
    """graphql-core's gather_with_cancel, but letting every sibling finish (FUZZ_SKIP_KNOWN=1
    sidesteps the CANCELLED failure this way: it happens on any operation)."""
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


@pytest.mark.slow
async def test_generated_documents_never_fail_inside(
    client: httpx.AsyncClient,
    connection: AsyncConnection,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    operations = [name for name in OPERATIONS if not ONLY or name in ONLY]
    if SKIP_KNOWN:
        operations = [name for name in operations if name not in KNOWN_FAILING]
        monkeypatch.setattr(executor, "gather_with_cancel", gather_without_cancel)
    documents = [(name, d) for name in operations for d in generate([name], PER_OPERATION)]
    if not ONLY:
        documents += [("several", d) for d in generate(CONCURRENT, MIXED)]
    assert ONLY or SKIP_KNOWN or len(documents) >= 1000

    fuzzer = Fuzzer(client, connection, session)
    await fuzzer.build()
    redis = Redis.from_url(REDIS_URL)
    logging.getLogger().addHandler(fuzzer.handler)
    try:
        for operation, document in documents:
            # The callers' hourly cost budgets live in Redis, outside the test's transaction:
            # each document starts with full ones, as a first request would.
            spent = [key async for key in redis.scan_iter("graphql:cost:*")]
            if spent:
                await redis.delete(*spent)
            for caller in CALLERS:
                await fuzzer.send(operation, document, caller)
    finally:
        logging.getLogger().removeHandler(fuzzer.handler)
        await redis.aclose()

    failures = fuzzer.failures
    report = "\n".join(str(f) for f in failures[:30])
    assert not failures, (
        f"{len(failures)} of {4 * len(documents)} calls failed; the first:\n{report}"
    )
    # The fuzz reached the resolvers: signed-in callers got whole answers, not only refusals.
    assert all(fuzzer.answered[c] > len(documents) // 10 for c in CALLERS[1:]), fuzzer.answered
