"""Request body limits, enforced before any route runs (so before a database connection):
its size, the time it takes to arrive, and, for /graphql, a client still there to answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import MutableMapping
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GRAPHQL_PATH = "/graphql"

logger = logging.getLogger("network.limits")


class BodySizeLimit:
    """Pure ASGI middleware: read the whole body up to a limit and within a time, or answer
    413 (too large) or 408 (too slow) without routing.

    The body is read here, not by the handler, so an oversized or trickled request, whether
    it announces its size (Content-Length) or streams chunks without one, costs no handler
    and no database connection; the handler is then fed the buffered body. (FastAPI's own
    `max_body_size` counts the body only as the handler reads it, after the GraphQL context
    has taken a database session and checked the token.)

    A GraphQL POST then runs while the client's side of the connection is watched: when the
    client goes away before the answer is complete, the handler is cancelled (its unit of
    work rolls back) instead of finishing work nobody will read.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        graphql_bytes: int,
        form_bytes: int,
        read_timeout_seconds: float = 10.0,
    ) -> None:
        self.app = app
        self.graphql_bytes = graphql_bytes
        self.form_bytes = form_bytes
        self.read_timeout_seconds = read_timeout_seconds

    def limit_for(self, path: str) -> int:
        """GraphQL documents may be larger than anything a portal form posts."""
        return self.graphql_bytes if _is_graphql(path) else self.form_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.limit_for(path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send, path, limit)
            return
        try:
            async with asyncio.timeout(self.read_timeout_seconds):
                body = await _read_body(receive, limit)
        except TimeoutError:
            await _too_slow(send, path, self.read_timeout_seconds)
            return
        if body is None:  # the client went away: nothing to serve
            return
        if len(body) > limit:
            await _too_large(send, path, limit)
            return
        if _is_graphql(path) and scope["method"] == "POST":
            await _run_while_connected(self.app, scope, body, receive, send)
        else:
            await self.app(scope, _replay(body, receive), send)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or its first part over `limit`; None if the client disconnected."""
    body = bytearray()
    message: Message = {"type": "http.request", "body": b"", "more_body": True}
    while message.get("more_body", False):
        message = await receive()
        if message["type"] != "http.request":
            return None
        body += message.get("body", b"")
        if len(body) > limit:
            break
    return bytes(body)


async def _run_while_connected(
    app: ASGIApp, scope: Scope, body: bytes, receive: Receive, send: Send
) -> None:
    """Run the app on the buffered body while a watcher task reads the client's side; a
    disconnect before the response is complete cancels the app.

    The app runs in this task (a task of its own per request would cost as much as the rest
    of this middleware): the watcher cancels this task, and the cancellation it caused is
    told apart from any other by `Task.uncancel()`. The watcher is the only reader of
    `receive` from here on: the app's own `receive` gets the body, then waits for the
    disconnect the watcher saw (Starlette asks, e.g. to stop a streaming response).
    """
    this = asyncio.current_task()
    assert this is not None  # an ASGI app runs in a task
    gone = asyncio.Event()
    complete = cancelled = False
    body_sent = False

    async def app_receive() -> MutableMapping[str, Any]:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def app_send(message: Message) -> None:
        nonlocal complete
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            complete = True
        await send(message)

    async def watch() -> None:
        nonlocal cancelled
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()
        if not complete:  # after a complete answer the app is only cleaning up: let it
            cancelled = True
            this.cancel()

    watcher = asyncio.ensure_future(watch())
    try:
        await app(scope, app_receive, app_send)
    except asyncio.CancelledError:
        if not cancelled or this.uncancel() > 0:  # cancelled from outside too: pass it on
            raise
        logger.info("client went away: request cancelled")
    else:
        if cancelled:  # the app swallowed our cancellation: take the request back
            this.uncancel()
    finally:
        watcher.cancel()


def _is_graphql(path: str) -> bool:
    return path == GRAPHQL_PATH or path.startswith(GRAPHQL_PATH + "/")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length before we see it
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the buffered body once, then waits on the client (disconnects)."""
    sent = False

    async def replay() -> MutableMapping[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _too_large(send: Send, path: str, limit: int) -> None:
    """413: the body is over the limit."""
    await _refuse(
        send,
        path,
        413,
        "PAYLOAD_TOO_LARGE",
        "Request too large",
        f"Request body too large (limit {limit} bytes).",
    )


async def _too_slow(send: Send, path: str, seconds: float) -> None:
    """408: the body did not arrive in time."""
    await _refuse(
        send,
        path,
        408,
        "REQUEST_TIMEOUT",
        "Request too slow",
        f"The request body did not arrive within {seconds:g} seconds.",
    )


async def _refuse(send: Send, path: str, status: int, code: str, title: str, message: str) -> None:
    """A GraphQL error for /graphql, a plain page elsewhere; the connection is closed."""
    if _is_graphql(path):
        payload = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
        content_type = b"application/json"
    else:
        payload = (
            f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{message}</p>\n".encode()
        )
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(payload)).encode()),
                # The rest of the body is never read, so the connection cannot be reused.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
