"""Benchmark: what the request id, the access log and the trusted-proxy middleware cost, and how
many bytes of log a request writes (issue 12).

    .venv/bin/python -m bench.logs_overhead [--rounds 10] [--requests 3000]

Three parts, in one process, rounds interleaved (each round runs every variant in a shuffled
order, so the noise of shared cores lands on all alike); times are this process's CPU time
(time.process_time), medians of the rounds:

  stack   raw ASGI calls on a bare app answering `{}`: the app alone; behind BodySizeLimit (the
          buffered body, and for POST /graphql the disconnect watcher); behind TrustedProxies +
          RequestLog + BodySizeLimit with JSON access lines written to a byte counter.
  bytes   log bytes per request for ordinary and hostile requests (a token in the path with a
          query string, a 4 KB path, a 10 KB X-Request-ID, 60 expected errors).
  app     the whole app (create_app, httpx ASGITransport) on GET /portal/login, with and
          without RequestLog + TrustedProxies (no database query on that page).
  bytes also sends 20,000 requests from one client through FloodGuard as `network serve` sets
  it up, and counts what reaches the log.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import platform
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from network.app import create_app
from network.config import Settings
from network.limits import BodySizeLimit
from network.logs import FloodGuard, JsonFormatter, RequestLog, install_filters, note_error
from network.proxies import TrustedProxies

BODY = b'{"query":"{ members(first: 100) { edges { node { name } } } }"}'
TOKEN = "tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0ZYXWVU"


class Counter(io.TextIOBase):
    """A stream that counts what is written to it (the log's bytes and lines)."""

    def __init__(self) -> None:
        self.bytes = 0
        self.lines = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        self.lines += text.count("\n")
        return len(text)


def log_to(counter: Counter) -> None:
    handler = logging.StreamHandler(counter)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    install_filters()


async def bare(scope: Scope, receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def with_errors(scope: Scope, receive: Receive, send: Send) -> None:
    for _ in range(60):
        note_error("NOT_FOUND")
    await bare(scope, receive, send)


def scope_for(
    path: str = "/graphql", query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None
) -> Scope:
    return {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": query,
        "client": ("10.0.0.2", 40000),
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(BODY)).encode()),
            (b"x-forwarded-for", b"203.0.113.7, 10.0.0.2"),
            *(headers or []),
        ],
    }


async def call(app: ASGIApp, scope: Scope) -> None:
    """One request as a server makes it: the body, then nothing until the response is done."""
    delivered = False
    never = asyncio.Event()

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": BODY, "more_body": False}
        await never.wait()
        return {"type": "http.disconnect"}  # pragma: no cover - the watcher is cancelled

    async def send(message: Message) -> None:
        pass

    await app(dict(scope), receive, send)


def stacks() -> dict[str, ASGIApp]:
    def limit(app: ASGIApp) -> ASGIApp:
        return BodySizeLimit(app, graphql_bytes=1_000_000, form_bytes=64_000)

    return {
        "bare app": bare,
        "+ BodySizeLimit": limit(bare),
        "+ TrustedProxies + RequestLog + BodySizeLimit": TrustedProxies(
            RequestLog(limit(bare)), trusted=("10.0.0.0/8",)
        ),
    }


async def time_rounds(
    variants: dict[str, Callable[[], Awaitable[None]]], rounds: int, per_round: int
) -> dict[str, list[float]]:
    """CPU microseconds of this process per call, one mean per round and variant (CPU time,
    not wall time: other processes on shared cores inflate wall time unevenly)."""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        order = list(variants)
        random.shuffle(order)
        for name in order:
            run = variants[name]
            started = time.process_time()
            for _ in range(per_round):
                await run()
            samples[name].append((time.process_time() - started) / per_round * 1e6)
    return samples


async def stack_part(rounds: int, per_round: int, counter: Counter) -> None:
    scope = scope_for()
    variants: dict[str, Callable[[], Awaitable[None]]] = {
        name: partial(call, app, scope) for name, app in stacks().items()
    }
    for run in variants.values():  # warm up
        for _ in range(200):
            await run()
    lines_before = counter.lines
    samples = await time_rounds(variants, rounds, per_round)
    base = statistics.median(samples["bare app"])
    print(f"\nstack: median of {rounds} rounds x {per_round} raw ASGI POST /graphql calls")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"  {name:<48} {median:7.1f} us CPU/request  (+{median - base:5.1f} over the app)")
    logged = counter.lines - lines_before
    print(f"  access lines written: {logged} (one per request of the logging variant)")


async def bytes_part(counter: Counter) -> None:
    limit = BodySizeLimit(bare, graphql_bytes=1_000_000, form_bytes=64_000)
    stack = TrustedProxies(RequestLog(limit), trusted=("10.0.0.0/8",))
    errors = TrustedProxies(
        RequestLog(BodySizeLimit(with_errors, graphql_bytes=1_000_000, form_bytes=64_000)),
        trusted=("10.0.0.0/8",),
    )
    cases: list[tuple[str, ASGIApp, Scope]] = [
        ("POST /graphql, 200", stack, scope_for()),
        (
            "GET-like token path with a query string",
            stack,
            scope_for(f"/login/{TOKEN}", b"email=someone%40example.org&next=%2Fportal"),
        ),
        ("a 4 KB path nobody routes", stack, scope_for("/" + "a/" * 2048)),
        ("a 10 KB X-Request-ID", stack, scope_for(headers=[(b"x-request-id", b"r" * 10_000)])),
        ("60 expected errors in one request", errors, scope_for()),
    ]
    print("\nbytes: log written per request (access line included)")
    for name, app, scope in cases:
        before = counter.bytes, counter.lines
        for _ in range(100):
            await call(app, scope)
        size = (counter.bytes - before[0]) / 100
        lines = (counter.lines - before[1]) / 100
        print(f"  {name:<44} {size:6.0f} bytes, {lines:.0f} line(s)")
    # A flood from one client through the handler as `network serve` configures it.
    guard = FloodGuard(per_client=10, total=200)
    logging.getLogger().handlers[0].addFilter(guard)
    before = counter.bytes, counter.lines
    started = time.perf_counter()
    for _ in range(20_000):
        await call(stack, scope_for())
    seconds = time.perf_counter() - started
    logging.getLogger().handlers[0].removeFilter(guard)
    print(
        f"  a flood of 20,000 requests from one client in {seconds:.1f} s: "
        f"{counter.bytes - before[0]:,} bytes, {counter.lines - before[1]} lines "
        "(FloodGuard: 10 lines/s per client after a burst of 50)"
    )


async def app_part(rounds: int, per_round: int) -> None:
    settings = Settings()
    apps = {"whole app": create_app(settings), "whole app without the two": create_app(settings)}
    bare_app = apps["whole app without the two"]
    ours: tuple[Any, ...] = (RequestLog, TrustedProxies)
    bare_app.user_middleware = [m for m in bare_app.user_middleware if m.cls not in ours]
    clients: dict[str, httpx.AsyncClient] = {}
    contexts = []
    for name, app in apps.items():
        context = app.router.lifespan_context(app)
        await context.__aenter__()
        contexts.append(context)
        transport = httpx.ASGITransport(app=app)
        clients[name] = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    try:
        for client in clients.values():
            assert (await client.get("/portal/login")).status_code == 200
        variants: dict[str, Callable[[], Awaitable[None]]] = {
            name: partial(_get, client, "/portal/login") for name, client in clients.items()
        }
        samples = await time_rounds(variants, rounds, max(1, per_round // 10))
    finally:
        for client in clients.values():
            await client.aclose()
        for context in contexts:
            await context.__aexit__(None, None, None)
    print(f"\napp: GET /portal/login, median of {rounds} rounds (httpx ASGITransport)")
    for name, values in samples.items():
        print(f"  {name:<48} {statistics.median(values) / 1000:7.3f} ms CPU/request")


async def _get(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200


async def main(rounds: int, per_round: int) -> None:
    counter = Counter()
    log_to(counter)
    print(f"python {platform.python_version()} on {platform.machine()}, {time.strftime('%F %T')}")
    await stack_part(rounds, per_round, counter)
    await bytes_part(counter)
    await app_part(rounds, per_round)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=3000, help="calls per round and variant")
    options = parser.parse_args()
    asyncio.run(main(options.rounds, options.requests))
