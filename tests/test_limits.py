"""Request body limits (network/limits.py): too large answers 413 and too slow 408 before any
handler runs; a GraphQL request whose client has gone is cancelled; Redis clients time out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from network.config import Settings
from network.jobs import JobQueue, arq_redis
from network.kit.owed import Job
from network.limits import BodySizeLimit
from tests.support.database import StatementCounter
from tests.support.hanging import hanging_redis
from workers import main as worker_main

GRAPHQL_LIMIT = Settings.model_fields["max_graphql_body_bytes"].default
FORM_LIMIT = Settings.model_fields["max_form_body_bytes"].default


def oversized_document() -> bytes:
    """A GraphQL request just over the /graphql limit (the padding is a legal comment)."""
    query = "{ __typename }\n#" + "x" * GRAPHQL_LIMIT
    return orjson.dumps({"query": query})


async def chunks(body: bytes, size: int = 16_384) -> AsyncIterator[bytes]:
    """The body as a stream: httpx then sends no Content-Length (Transfer-Encoding: chunked)."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def test_an_oversized_graphql_post_is_413_before_any_database_statement(
    client: httpx.AsyncClient, count_statements: Callable[[], StatementCounter]
) -> None:
    counter = count_statements()
    response = await client.post(
        "/graphql",
        content=oversized_document(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer ncrm_whatever"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert str(GRAPHQL_LIMIT) in error["message"]
    assert counter.statements == []


async def test_a_chunked_body_without_content_length_is_cut_off_at_the_limit(
    client: httpx.AsyncClient, count_statements: Callable[[], StatementCounter]
) -> None:
    counter = count_statements()
    request = client.build_request(
        "POST",
        "/graphql",
        content=chunks(oversized_document()),
        headers={"Content-Type": "application/json"},
    )
    assert "content-length" not in request.headers
    response = await client.send(request)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert counter.statements == []


async def test_a_chunked_body_under_the_limit_reaches_the_handler_whole(
    client: httpx.AsyncClient,
) -> None:
    body = orjson.dumps({"query": "{ __typename }\n#" + "y" * 100_000})
    request = client.build_request(
        "POST", "/graphql", content=chunks(body, 1000), headers={"Content-Type": "application/json"}
    )
    response = await client.send(request)
    assert (response.status_code, response.json()["data"]) == (200, {"__typename": "Query"})


async def test_an_oversized_portal_form_is_413_with_a_plain_page(
    client: httpx.AsyncClient, count_statements: Callable[[], StatementCounter]
) -> None:
    counter = count_statements()
    form = {"email": "someone@example.org", "password": "p" * FORM_LIMIT, "csrf": "x"}
    response = await client.post("/portal/login", data=form)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "Request too large" in response.text
    assert counter.statements == []


async def test_a_form_larger_than_the_form_limit_still_fits_graphql(
    client: httpx.AsyncClient,
) -> None:
    # The form limit is for everything but /graphql: a document of that size is still served.
    body = orjson.dumps({"query": "{ __typename }\n#" + "z" * FORM_LIMIT})
    response = await client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()["data"]) == (200, {"__typename": "Query"})


# Slow bodies and clients that go away (raw ASGI: the test plays the server) ------------------


class Connection:
    """The server's side of one request: what the client sends, what the app answers."""

    def __init__(self, path: str = "/graphql", method: str = "POST") -> None:
        self.scope: dict[str, Any] = {
            "type": "http",
            "method": method,
            "path": path,
            "headers": [(b"content-type", b"application/json")],
        }
        self.incoming: asyncio.Queue[Message] = asyncio.Queue()
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        return await self.incoming.get()

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    def status(self) -> int | None:
        starts = [m["status"] for m in self.sent if m["type"] == "http.response.start"]
        return starts[0] if starts else None


def limited(app: ASGIApp, read_timeout: float = 10.0) -> BodySizeLimit:
    return BodySizeLimit(
        app, graphql_bytes=GRAPHQL_LIMIT, form_bytes=FORM_LIMIT, read_timeout_seconds=read_timeout
    )


async def never_called(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError("the app must not run")


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/graphql", "application/json"), ("/portal/login", "text/html; charset=utf-8")],
)
async def test_a_body_that_trickles_in_is_cut_off_with_408(path: str, content_type: str) -> None:
    connection = Connection(path)
    # One chunk, then nothing more: the rest never comes.
    connection.incoming.put_nowait({"type": "http.request", "body": b"{", "more_body": True})
    await limited(never_called, read_timeout=0.01)(
        connection.scope, connection.receive, connection.send
    )
    start, body = connection.sent
    assert start["status"] == 408
    assert (b"content-type", content_type.encode()) in start["headers"]
    assert (b"connection", b"close") in start["headers"]
    if path == "/graphql":
        error = orjson.loads(body["body"])["errors"][0]
        assert error["extensions"]["code"] == "REQUEST_TIMEOUT"
    else:
        assert b"Request too slow" in body["body"]


def test_the_default_body_read_timeout_is_ten_seconds() -> None:
    assert Settings.model_fields["body_read_timeout_seconds"].default == 10.0


async def test_a_graphql_request_is_cancelled_when_the_client_goes_away() -> None:
    """The body arrives, the resolver-like app starts, the client disconnects: the app is
    cancelled, and nothing is answered to nobody."""
    started, cancelled = asyncio.Event(), asyncio.Event()
    read: list[bytes] = []

    async def slow_resolver(scope: Scope, receive: Receive, send: Send) -> None:
        read.append((await receive())["body"])
        started.set()
        try:
            await asyncio.Event().wait()  # a query that would run for ever
        except asyncio.CancelledError:
            cancelled.set()
            raise

    connection = Connection()
    connection.incoming.put_nowait({"type": "http.request", "body": b'{"query"', "more_body": True})
    connection.incoming.put_nowait({"type": "http.request", "body": b":1}", "more_body": False})
    serving = asyncio.ensure_future(
        limited(slow_resolver)(connection.scope, connection.receive, connection.send)
    )
    await started.wait()
    connection.incoming.put_nowait({"type": "http.disconnect"})
    await serving
    assert cancelled.is_set()
    assert read == [b'{"query":1}']
    assert connection.sent == []


async def test_a_disconnect_after_the_answer_does_not_cancel_the_cleanup() -> None:
    """After a complete response the server reports a disconnect; the app's work after its
    answer (closing the session, background tasks) still finishes."""
    finished = asyncio.Event()

    async def answers_then_cleans_up(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})
        assert (await receive())["type"] == "http.disconnect"
        await asyncio.sleep(0)  # a checkpoint where a cancellation would land
        finished.set()

    connection = Connection()
    connection.incoming.put_nowait({"type": "http.request", "body": b"{}", "more_body": False})
    connection.incoming.put_nowait({"type": "http.disconnect"})
    await limited(answers_then_cleans_up)(connection.scope, connection.receive, connection.send)
    assert finished.is_set()
    assert connection.status() == 200


async def test_an_error_of_the_app_still_propagates() -> None:
    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        raise RuntimeError("resolver bug")

    connection = Connection()
    connection.incoming.put_nowait({"type": "http.request", "body": b"{}", "more_body": False})
    with pytest.raises(RuntimeError, match="resolver bug"):
        await limited(failing)(connection.scope, connection.receive, connection.send)


async def test_a_portal_post_is_not_watched() -> None:
    """Only /graphql is cancelled on a disconnect; a form post gets the server's receive."""
    heard: list[str] = []

    async def form(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        heard.append((await receive())["type"])

    connection = Connection("/portal/login")
    for message in (
        {"type": "http.request", "body": b"a=1", "more_body": False},
        {"type": "http.request", "body": b"", "more_body": False},
    ):
        connection.incoming.put_nowait(message)
    await limited(form)(connection.scope, connection.receive, connection.send)
    assert heard == ["http.request"]


# Redis clients have connect and read timeouts --------------------------------------------


@pytest.fixture
async def silent_redis() -> AsyncIterator[str]:
    """A hanging Redis (tests/support/hanging.py)."""
    async with hanging_redis() as url:
        yield url


async def test_the_job_queue_gives_up_on_a_hanging_redis(silent_redis: str) -> None:
    settings = Settings(redis_url=silent_redis, redis_timeout_seconds=0.05)
    queue = JobQueue.from_settings(settings)
    try:
        assert await queue.enqueue(Job.PING) is False
    finally:
        await queue.close()


def test_the_worker_redis_has_connect_and_read_timeouts() -> None:
    settings = Settings(redis_timeout_seconds=2.5)
    assert worker_main.redis_settings(settings).conn_timeout == 3
    connection = arq_redis(settings).connection_pool.connection_kwargs
    assert (connection["socket_connect_timeout"], connection["socket_timeout"]) == (2.5, 2.5)
