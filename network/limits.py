"""Request body limits, enforced before any route runs (so before a database connection)."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GRAPHQL_PATH = "/graphql"


class BodySizeLimit:
    """Pure ASGI middleware: read the whole body up to a limit, or answer 413 without routing.

    The body is read here, not by the handler, so an oversized request, whether it announces
    its size (Content-Length) or streams chunks without one, costs no handler and no database
    connection; the handler is then fed the buffered body. (FastAPI's own `max_body_size`
    counts the body only as the handler reads it, after the GraphQL context has taken a
    database session and checked the token.)
    """

    def __init__(self, app: ASGIApp, *, graphql_bytes: int, form_bytes: int) -> None:
        self.app = app
        self.graphql_bytes = graphql_bytes
        self.form_bytes = form_bytes

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
        body = bytearray()
        message: Message = {"type": "http.request", "body": b"", "more_body": True}
        while message.get("more_body", False):
            message = await receive()
            if message["type"] != "http.request":  # the client went away: nothing to serve
                return
            body += message.get("body", b"")
            if len(body) > limit:
                await _too_large(send, path, limit)
                return
        await self.app(scope, _replay(bytes(body), receive), send)


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
    """413: a GraphQL error for /graphql, a plain page elsewhere; the connection is closed."""
    message = f"Request body too large (limit {limit} bytes)."
    if _is_graphql(path):
        payload = orjson.dumps(
            {"errors": [{"message": message, "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]}
        )
        content_type = b"application/json"
    else:
        payload = (
            "<!doctype html><title>Request too large</title>"
            f"<h1>Request too large</h1><p>{message}</p>\n"
        ).encode()
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(payload)).encode()),
                # The rest of the body is never read, so the connection cannot be reused.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
