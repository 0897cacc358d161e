"""Logs (network/logs.py): one bounded JSON line per event with its request id, an access line
per request with secrets redacted, expected errors counted on it, no email address anywhere."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.app import create_app
from network.config import Settings
from network.kit.enums import Role
from network.logs import (
    MAX_LINE,
    REDACTED,
    SECRET_PARAMS,
    FloodGuard,
    JsonFormatter,
    install_filters,
    logged_as,
    mark_logged,
)
from network.members import service as members
from tests.support.factories import Factory

TOKEN = "tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0ZYXWVU"
FORMATTER = JsonFormatter()


def line_of(record: logging.LogRecord) -> dict[str, Any]:
    """The record as the log shows it, after checking it is one JSON line."""
    text = FORMATTER.format(record)
    assert "\n" not in text
    entry: dict[str, Any] = orjson.loads(text)
    return entry


def record(message: str, *args: object, **extra: Any) -> logging.LogRecord:
    item = logging.LogRecord("network.test", logging.INFO, __file__, 1, message, args, None)
    item.__dict__.update(extra)
    return item


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [line_of(r) for r in caplog.records if r.name == "network.access"]


@pytest.fixture
def access_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="network.access")
    return caplog


# The formatter ----------------------------------------------------------------------------


def test_a_line_carries_time_level_logger_message_request_id_and_fields() -> None:
    with logged_as("job-42"):
        entry = line_of(record("sent %d", 3, fields={"batch": "b1", "count": 3}))
    assert set(entry) == {"time", "level", "logger", "message", "request_id", "batch", "count"}
    assert (entry["level"], entry["logger"], entry["message"]) == ("INFO", "network.test", "sent 3")
    assert (entry["request_id"], entry["batch"], entry["count"]) == ("job-42", "b1", 3)


def test_no_line_is_longer_than_the_cap_whatever_it_carries() -> None:
    huge = "x" * 1_000_000
    fields = {f"field{n}": huge for n in range(50)}
    try:
        raise ValueError(huge)
    except ValueError:
        item = record("%s", huge, fields=fields, exc_info=sys.exc_info())
    text = FORMATTER.format(item)
    assert len(text) <= MAX_LINE
    entry = orjson.loads(text)
    assert entry["truncated"] is True
    assert entry["message"].startswith("xxx")
    assert entry["traceback"].endswith("x")  # the end of a traceback names the error


def test_a_long_message_is_cut_but_the_line_stays_whole() -> None:
    entry = line_of(record("query: %s", "{ a }" * 10_000))
    assert len(entry["message"]) < 2100
    assert entry["message"].endswith("more]")


@pytest.mark.parametrize(
    "address",
    ["someone@example.org", "First.Last+tag@sub.council.gov.uk", "josé@exämple.cymru"],
)
def test_email_addresses_are_masked_in_message_fields_and_traceback(address: str) -> None:
    try:
        raise LookupError(f"no contact {address}")
    except LookupError:
        item = record(
            "sign-in failed for %s", address, fields={"to": address}, exc_info=sys.exc_info()
        )
    text = FORMATTER.format(item)
    assert address not in text
    assert "@" not in text
    entry = orjson.loads(text)
    assert entry["message"] == "sign-in failed for <email>"
    assert entry["to"] == "<email>"
    assert "LookupError: no contact <email>" in entry["traceback"]


def test_an_address_cut_short_by_a_library_is_masked_too() -> None:
    # arq logs a job's arguments cut at 80 characters, which may fall inside the domain.
    entry = line_of(record("→ send_login_link('%s', 'gwenllian.ellis@ynysm…", "0" * 36))
    # (An apostrophe may be part of an address, O'Neill's: the quote goes with it.)
    assert entry["message"] == f"→ send_login_link('{'0' * 36}', <email>…"


def test_configured_logging_writes_json_lines_for_every_logger() -> None:
    """`configure()` (the worker) and `config_dict()` (uvicorn) in a process of their own."""
    script = (
        "import logging\n"
        "from network.logs import configure\n"
        "configure('INFO')\n"
        "logging.getLogger('uvicorn.error').info('started for %s', 'ops@example.org')\n"
        "logging.getLogger('arq.worker').info('redis_version=7')\n"
        "logging.getLogger('uvicorn.access').info('must not appear')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    lines = [orjson.loads(line) for line in done.stderr.splitlines()]
    assert [(e["logger"], e["message"]) for e in lines] == [
        ("uvicorn.error", "started for <email>"),
        ("arq.worker", "redis_version=7"),
    ]


def test_an_error_already_logged_is_not_logged_again_by_the_server(
    caplog: pytest.LogCaptureFixture,
) -> None:
    install_filters()
    first, second = RuntimeError("handled"), RuntimeError("not handled")
    mark_logged(first)
    server = logging.getLogger("uvicorn.error")
    server.error("Exception in ASGI application\n", exc_info=first)
    server.error("Exception in ASGI application\n", exc_info=second)
    logged = [r.exc_info[1] for r in caplog.records if r.name == "uvicorn.error" and r.exc_info]
    assert logged == [second]


# The access log ---------------------------------------------------------------------------


async def test_one_access_line_per_request_with_its_id_and_no_query_string(
    client: httpx.AsyncClient, access_log: pytest.LogCaptureFixture
) -> None:
    response = await client.get(f"/login/{TOKEN}?email=someone%40example.org&next=/x")
    [entry] = access_lines(access_log)
    assert entry == {
        "time": entry["time"],
        "level": "INFO",
        "logger": "network.access",
        "message": "request",
        "request_id": response.headers["x-request-id"],
        "method": "GET",
        "path": f"/login/{REDACTED}",
        "status": response.status_code,
        "duration_ms": entry["duration_ms"],
        "client": "127.0.0.1",
    }
    assert isinstance(entry["duration_ms"], float)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/login/{}"),
        ("POST", "/login/{}"),
        ("GET", "/meetings/rsvp/{}"),
        ("POST", "/meetings/rsvp/{}"),
        ("GET", "/unsubscribe/{}"),
        ("POST", "/unsubscribe/{}"),
        ("GET", "/portal/password/reset/{}"),
        ("POST", "/portal/password/reset/{}"),
        ("GET", "/verify/{}"),
        ("GET", "/no/such/route/{}/at-all"),
    ],
)
async def test_tokens_in_paths_never_reach_the_log(
    client: httpx.AsyncClient, access_log: pytest.LogCaptureFixture, method: str, path: str
) -> None:
    await client.request(method, path.format(TOKEN), data={"x": "1"} if method == "POST" else None)
    lines = [FORMATTER.format(r) for r in access_log.records]
    assert lines
    assert not [line for line in lines if TOKEN in line]
    [entry] = access_lines(access_log)
    assert entry["path"] == path.format(REDACTED)


async def test_a_short_token_on_a_known_route_is_redacted_too(
    client: httpx.AsyncClient, access_log: pytest.LogCaptureFixture
) -> None:
    await client.get("/meetings/rsvp/abc123")
    [entry] = access_lines(access_log)
    assert entry["path"] == f"/meetings/rsvp/{REDACTED}"


def app_paths(app: FastAPI) -> Iterator[str]:
    """Every route's path, routers included in routers too."""

    def walk(routes: Any, prefix: str) -> Iterator[str]:
        for route in routes:
            inner = getattr(route, "original_router", None)  # FastAPI's included routers
            if inner is not None:
                yield from walk(inner.routes, prefix + route.include_context.prefix)
            elif getattr(route, "path", None):
                yield prefix + route.path

    return walk(app.routes, "")


def test_every_path_parameter_is_an_id_or_a_redacted_secret(settings: Settings) -> None:
    """A new route taking a secret under another name (say `{reset_key}`) fails here until
    SECRET_PARAMS names it. `{kind}` (/portal/audit/{kind}/{object_id}) is one word of a fixed
    list (member, contact, booking, ...), nobody's data."""
    names = {n for path in app_paths(create_app(settings)) for n in re.findall(r"{(\w+)", path)}
    assert {"token", "code"} <= names
    assert names - SECRET_PARAMS - {"kind"} == {n for n in names if n.endswith("_id")}


async def test_a_safe_request_id_is_kept_and_echoed(
    client: httpx.AsyncClient, access_log: pytest.LogCaptureFixture
) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "edge-7f3a.01_b"})
    assert response.headers["x-request-id"] == "edge-7f3a.01_b"


@pytest.mark.parametrize("sent", ["has space", "x" * 65, "new\tline", "ünïcode", ""])
async def test_an_unsafe_request_id_is_replaced(
    client: httpx.AsyncClient, access_log: pytest.LogCaptureFixture, sent: str
) -> None:
    response = await client.get(
        "/graphql", params={"query": "{ __typename }"}, headers={b"X-Request-ID": sent.encode()}
    )
    echoed = response.headers["x-request-id"]
    assert echoed != sent
    assert re.fullmatch(r"[0-9a-f]{16}", echoed)
    [entry] = access_lines(access_log)
    assert entry["request_id"] == echoed


async def test_health_probes_are_quiet_at_info(
    client: httpx.AsyncClient, access_log: pytest.LogCaptureFixture
) -> None:
    assert (await client.get("/healthz")).status_code == 200
    assert access_lines(access_log) == []


# Errors -----------------------------------------------------------------------------------


async def test_expected_graphql_errors_are_counted_on_the_access_line_without_traceback(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    marker = "Zq" + "w" * 5000  # in the document; must appear in no log line
    query = f'{{ a: node(id: "x") {{ id }} b: node(id: "y") {{ id }} }} # {marker}'
    response = await client.post("/graphql", json={"query": query})
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"] * 2
    syntax = await client.post("/graphql", json={"query": f"{{ viewer {{ {marker}"})
    assert syntax.json()["errors"][0]["message"].startswith("Syntax Error")
    assert [r for r in caplog.records if r.exc_info] == []
    assert [r.name for r in caplog.records if r.name.startswith("strawberry")] == []
    lines = [FORMATTER.format(r) for r in caplog.records]
    assert not [line for line in lines if marker[:50] in line]
    assert [e.get("errors") for e in access_lines(caplog)] == [
        {"UNAUTHENTICATED": 2},
        {"GRAPHQL_PARSE_FAILED": 1},
    ]


async def test_portal_exits_are_counted_on_the_access_line(
    client: httpx.AsyncClient, access_log: pytest.LogCaptureFixture
) -> None:
    response = await client.post("/portal/login", data={"email": "a", "password": "b"})
    assert response.status_code == 403  # no CSRF token
    [entry] = access_lines(access_log)
    assert (entry["status"], entry["errors"]) == (403, {"FORBIDDEN": 1})


async def test_an_unexpected_graphql_error_logs_one_traceback_with_the_ids(
    client: httpx.AsyncClient,
    session: AsyncSession,
    make: Factory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("exploded for someone@example.org")

    monkeypatch.setattr(members, "list_members", broken)
    token = await make.token(Role.STAFF)
    await session.commit()
    response = await client.post(
        "/graphql",
        json={"query": "{ members { totalCount } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    extensions = response.json()["errors"][0]["extensions"]
    # The GraphQL context uses the request id of the access log and the response header.
    assert extensions["requestId"] == response.headers["x-request-id"]
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    entry = line_of(tracebacks[0])
    assert extensions["errorId"] in entry["message"]
    assert entry["request_id"] == extensions["requestId"]
    assert "RuntimeError: exploded for <email>" in entry["traceback"]


@pytest.fixture
async def failing_client(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, session_factory=session_factory)

    async def boom() -> None:
        raise RuntimeError("outside graphql")

    app.add_api_route("/boom/{token}", boom)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def test_an_unexpected_error_outside_graphql_logs_one_traceback_and_one_access_line(
    failing_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = await failing_client.get(f"/boom/{TOKEN}", headers={"X-Request-ID": "r-500"})
    body = response.json()
    assert (response.status_code, body["requestId"]) == (500, "r-500")
    [error] = [line_of(r) for r in caplog.records if r.exc_info]
    assert error["message"] == f"unexpected error {body['errorId']} on GET /boom/{REDACTED}"
    assert error["request_id"] == "r-500"
    [access] = access_lines(caplog)
    assert (access["status"], access["request_id"], access["level"]) == (500, "r-500", "WARNING")


# Floods -------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def guarded(per_client: float, total: float) -> tuple[FloodGuard, Clock]:
    guard, clock = FloodGuard(per_client=per_client, total=total), Clock()
    guard.clock = clock
    return guard, clock


def from_client(client: str, name: str = "network.access") -> logging.LogRecord:
    item = logging.LogRecord(name, logging.INFO, __file__, 1, "request", (), None)
    item.log_client = client
    return item


def test_a_flooding_client_is_logged_at_its_limit_and_the_rest_is_counted() -> None:
    guard, clock = guarded(per_client=10, total=1000)
    flood = [from_client("203.0.113.7") for _ in range(200)]
    assert sum(guard.filter(r) for r in flood) == 50  # the burst: 5 seconds' worth
    assert guard.filter(from_client("198.51.100.1"))  # another client has its own budget
    clock.now += 1
    after = [from_client("203.0.113.7") for _ in range(20)]
    assert [guard.filter(r) for r in after] == [True] * 10 + [False] * 10
    assert getattr(after[0], "suppressed", None) == 150
    assert line_of(after[0])["suppressed"] == 150
    assert not hasattr(after[1], "suppressed")


def test_many_clients_together_are_held_to_the_total() -> None:
    guard, _ = guarded(per_client=10, total=20)
    passed = [guard.filter(from_client(f"10.0.{n // 250}.{n % 250}")) for n in range(500)]
    assert sum(passed) == 100


def test_lines_outside_requests_are_limited_by_logger_and_level() -> None:
    guard, _ = guarded(per_client=1, total=2)
    worker = [from_client("", name="arq.worker") for _ in range(20)]
    assert sum(guard.filter(r) for r in worker) == 10  # the total's burst, not a client's
