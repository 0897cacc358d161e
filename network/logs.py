"""Logs: one JSON line per event, each with its request id, bounded in size, without secrets.

`configure()` is called once per process (`network serve`, `network worker`). Every line is a
JSON object (`time level logger message request_id`, the event's own fields, `traceback`);
whatever a request sends, no line exceeds `MAX_LINE` characters, and anything shaped like an
email address is masked as a last line of defence (code logs ids, never addresses).

`RequestLog` is the access log: one line per request with the method, the path with its
secrets redacted (sign-in, RSVP, password reset and unsubscribe tokens, verification codes;
never the query string), the status, the duration, the client address and the request id, which it
takes from a well-formed `X-Request-ID` header or makes, and echoes in the response. Expected
errors (not found, forbidden, rate limited, invalid input) are counted on that one line by
code (`note_error`), with no traceback and no query text; strawberry's own error log lines
are folded into it (`GraphQLErrorLog`).
"""

from __future__ import annotations

import logging
import logging.config
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from network.kit.masking import mask_emails

MAX_MESSAGE = 2000
"""Characters of a message kept; the rest is cut (a message can quote a request)."""
MAX_FIELD = 300
"""Characters kept of any other text field (a path, a logger name, an event's field)."""
MAX_TRACEBACK = 4000
"""Characters of a traceback kept: its end, where the error is."""
MAX_LINE = 8192
"""No line is longer, whatever the event; a longer one is cut down further."""
MAX_ERROR_CODES = 10
"""Distinct expected-error codes counted on one access line (the rest are summed as OTHER)."""

"""Anything shaped like an email address (internationalised ones too), or like the start of
one: a library that cuts its message short (arq cuts a job's arguments at 80 characters) may
cut it inside the domain."""
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
"""What a client may send as X-Request-ID: short, and safe in a header and a log."""
SECRET_PARAMS = frozenset({"token", "code"})
"""Path parameters that are secrets: sign-in, RSVP, reset and unsubscribe tokens (the last
names a contact), verification codes, the signed part of a personal-data export's download
link (/exports/{id}/download/{token})."""
OPAQUE_SEGMENT = re.compile(r"[A-Za-z0-9_-]{20,}")
UUID_SEGMENT = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
REDACTED = "<redacted>"
QUIET_PATHS = frozenset({"/healthz", "/readyz"})
"""Probed every few seconds: logged at DEBUG unless they fail."""

access_logger = logging.getLogger("network.access")


@dataclass(slots=True)
class RequestState:
    """What the logs know of the request being served."""

    request_id: str
    errors: dict[str, int] = field(default_factory=dict)
    client: str = ""


_current: ContextVar[RequestState | None] = ContextVar("network_request", default=None)


def new_request_id() -> str:
    """A short random id for a request (or a job) that its log lines share."""
    return secrets.token_hex(8)


def current_request_id() -> str:
    """The id of the request being served, or "" outside one."""
    state = _current.get()
    return state.request_id if state is not None else ""


@contextmanager
def logged_as(request_id: str) -> Iterator[None]:
    """Log lines written inside carry this id (a worker passes each job's id)."""
    token = _current.set(RequestState(request_id[:64]))
    try:
        yield
    finally:
        _current.reset(token)


def note_error(code: str) -> None:
    """Count an expected error on the current request's access line (one line per request,
    whatever the number of errors)."""
    state = _current.get()
    if state is None:
        return
    key = code[:40] if code in state.errors or len(state.errors) < MAX_ERROR_CODES else "OTHER"
    state.errors[key] = state.errors.get(key, 0) + 1


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"...[{len(text) - limit} more]"


def _tail(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"[{len(text) - limit} cut]..." + text[-limit:]


def _bounded(value: object) -> object:
    """An event field, made JSON-safe and small."""
    if type(value) in SCALARS:
        return value
    if isinstance(value, str):
        return _cut(value, MAX_FIELD)
    if isinstance(value, dict):
        return {str(k)[:MAX_FIELD]: _bounded(v) for k, v in list(value.items())[:20]}
    if isinstance(value, list | tuple):
        return [_bounded(v) for v in value[:20]]
    return _cut(str(value), MAX_FIELD)


SCALARS = frozenset({int, float, bool, type(None)})


class JsonFormatter(logging.Formatter):
    """One JSON object per record: bounded, single-line, with email addresses masked.

    Events carry their own fields in `extra={"fields": {...}}`.
    """

    _second: tuple[int, str] = (-1, "")

    def _time(self, created: float) -> str:
        """ISO 8601 in UTC to the millisecond (the date part made once a second)."""
        second = int(created)
        if self._second[0] != second:
            self._second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
        return f"{self._second[1]}.{int((created - second) * 1000):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self._time(record.created),
            "level": record.levelname,
            "logger": _cut(record.name, MAX_FIELD),
            "message": _cut(record.getMessage(), MAX_MESSAGE),
        }
        request_id = getattr(record, "log_request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        suppressed = getattr(record, "suppressed", 0)
        if suppressed:
            entry["suppressed"] = suppressed  # lines like this one left out before it
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            for key, value in list(fields.items())[:20]:
                entry.setdefault(str(key)[:50], _bounded(value))
        if record.exc_info and record.exc_info[1] is not None:
            entry["traceback"] = _tail(self.formatException(record.exc_info), MAX_TRACEBACK)
        elif record.exc_text:
            entry["traceback"] = _tail(record.exc_text, MAX_TRACEBACK)
        line = mask_emails(orjson.dumps(entry, default=str).decode())
        if len(line) > MAX_LINE:  # many long fields at once: keep what says what happened
            kept = ("time", "level", "logger", "request_id")
            small: dict[str, Any] = {key: entry[key] for key in kept if key in entry}
            small["message"] = _cut(entry["message"], 500)
            if "traceback" in entry:
                small["traceback"] = _tail(entry["traceback"], 2000)
            small["truncated"] = True
            line = mask_emails(orjson.dumps(small).decode())
        return line


def _is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class GraphQLErrorLog(logging.Filter):
    """strawberry logs every GraphQL error with its traceback (and a syntax error with the
    query text around it). Here an expected error becomes a count on the request's access
    line; an unexpected one is dropped, because the error masking logs it, once, with its
    traceback and error id."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.msg
        if not isinstance(error, GraphQLError):
            return True
        if _is_unexpected(error):
            return False
        code = (error.extensions or {}).get("code")
        code = str(code) if code else ("INVALID_QUERY" if error.path is None else "ERROR")
        if _current.get() is not None:
            note_error(code)
            return False
        # Outside a request (a script running the schema): a short line, no source, no trace.
        record.msg, record.args, record.exc_info, record.exc_text = (
            "graphql error %s: %s",
            (code, _cut(error.message, 200)),
            None,
            None,
        )
        return True


class AlreadyLogged(logging.Filter):
    """Starlette re-raises an error after its handler answered 500, and uvicorn logs it again:
    the app's handler logged it with its error id, so the second traceback is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not getattr(error, "__network_logged__", False)


def mark_logged(error: BaseException) -> None:
    """Note that this error's traceback has been logged (see AlreadyLogged)."""
    error.__network_logged__ = True  # type: ignore[attr-defined]


def _with_request_id(factory: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        state = _current.get()
        # Prefixed: a caller's `extra={"request_id": ...}` must not collide with them.
        record.log_request_id, record.log_client = (
            (state.request_id, state.client) if state else ("", "")
        )
        return record

    make.adds_request_id = True  # type: ignore[attr-defined]
    return make


def install_filters() -> None:
    """Stamp every record with the current request id when it is made (a handler may format
    it later, elsewhere), and put the filters on the library loggers they are for; calling it
    again changes nothing."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "adds_request_id", False):
        logging.setLogRecordFactory(_with_request_id(factory))
    for name, kind in (("strawberry.execution", GraphQLErrorLog), ("uvicorn.error", AlreadyLogged)):
        logger = logging.getLogger(name)
        if not any(isinstance(existing, kind) for existing in logger.filters):
            logger.addFilter(kind())


class FloodGuard(logging.Filter):
    """At most `per_client` lines a second for each client address (all its requests' lines
    together) and `total` a second for the whole process, each with a burst of `BURST_SECONDS`
    worth; the next line written of the same kind says how many were left out (`suppressed`).

    Ordinary traffic, many clients each well under the limit, is logged line for line; a
    client flooding the server fills the log at its limit's pace, not at its own.
    """

    BURST_SECONDS = 5.0
    MAX_KEYS = 10_000

    def __init__(self, per_client: float = 10.0, total: float = 200.0) -> None:
        super().__init__()
        self.per_client, self.total = per_client, total
        # key -> [tokens, last refill, lines left out since the last one written]
        self.buckets: dict[object, list[float]] = {}
        self.lock = threading.Lock()
        self.clock: Callable[[], float] = time.monotonic

    def _take(self, key: object, rate: float, now: float) -> list[float] | None:
        """The key's bucket if a token was taken from it, else None (counted as left out)."""
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= self.MAX_KEYS:
                self.buckets.clear()  # every budget starts full again; the total still holds
            bucket = self.buckets[key] = [rate * self.BURST_SECONDS, now, 0.0]
        bucket[0] = min(rate * self.BURST_SECONDS, bucket[0] + (now - bucket[1]) * rate)
        bucket[1] = now
        if bucket[0] < 1:
            bucket[2] += 1
            return None
        bucket[0] -= 1
        return bucket

    def filter(self, record: logging.LogRecord) -> bool:
        client = getattr(record, "log_client", "")
        key = ("client", client) if client else (record.name, record.levelno)
        now = self.clock()
        with self.lock:
            mine = self._take(key, self.per_client if client else self.total, now)
            if mine is None:
                return False
            everyone = self._take("total", self.total, now)
            if everyone is None:
                mine[0] += 1  # not written: the client keeps its token (counted as "total")
                return False
            left_out = int(mine[2] + everyone[2])
            mine[2] = everyone[2] = 0
        if left_out:
            record.suppressed = left_out
        return True


def config_dict(
    level: str = "INFO", per_client: float = 10.0, total: float = 200.0
) -> dict[str, Any]:
    """The `logging.config.dictConfig` of a process: JSON lines on stderr, at most `per_client`
    lines a second per client and `total` in all (FloodGuard), uvicorn included (uvicorn's
    access log is off: `RequestLog` writes ours)."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "filters": {"flood": {"()": FloodGuard, "per_client": per_client, "total": total}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["flood"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            # uvicorn's own handlers would print plain text: ours instead, through the root.
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            # Reading the migration heads at startup logs a line per alembic plugin.
            "alembic": {"level": "WARNING"},
        },
    }


def configure(level: str = "INFO", per_client: float = 10.0, total: float = 200.0) -> None:
    """Set up the process's logging (`network serve` passes `config_dict` to uvicorn instead)."""
    logging.config.dictConfig(config_dict(level, per_client, total))
    install_filters()


def loggable_path(scope: Scope) -> str:
    """The request's path as it may be logged: the route's secret parameters replaced (known
    once the router has matched), or, where no route matched (yet), every long opaque segment
    (it may be a token, with a typo around it); never the query string."""
    path: str = scope["path"]
    params = scope.get("path_params")
    if params:
        for name, value in params.items():
            if name in SECRET_PARAMS and isinstance(value, str) and value:
                path = path.replace(value, REDACTED)
    elif "endpoint" not in scope:
        path = "/".join(_opaque(segment) for segment in path.split("/"))
    return _cut(path, MAX_FIELD)


def _opaque(segment: str) -> str:
    if OPAQUE_SEGMENT.search(segment) and not UUID_SEGMENT.fullmatch(segment):
        return REDACTED
    return segment


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if REQUEST_ID.fullmatch(text) else None
    return None


class RequestLog:
    """Pure ASGI middleware: the request id (in `request.state.request_id`, the log context
    and the `X-Request-ID` response header) and one access line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        client = scope.get("client")
        state = RequestState(request_id, client=client[0] if client else "")
        token = _current.set(state)
        header = (b"x-request-id", request_id.encode())
        status = 0
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            status = status or 500  # the app's error handler answers and logs the traceback
            raise
        finally:
            # 499 (as nginx says): the client went away before any answer.
            self._log(scope, status or 499, time.perf_counter() - started, state)
            _current.reset(token)

    def _log(self, scope: Scope, status: int, seconds: float, state: RequestState) -> None:
        path: str = scope["path"]
        level = logging.INFO
        if status >= 500:
            level = logging.WARNING
        elif path in QUIET_PATHS:
            level = logging.DEBUG
        if not access_logger.isEnabledFor(level):
            return
        fields: dict[str, Any] = {
            "method": _cut(str(scope["method"]), 10),
            "path": loggable_path(scope),
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "client": state.client or None,
        }
        if state.errors:
            fields["errors"] = state.errors
        # Made and handled directly: `Logger.log` would walk the stack for a caller that is
        # always this line (a third of the cost of a line).
        record = access_logger.makeRecord(
            access_logger.name, level, __file__, 0, "request", (), None, extra={"fields": fields}
        )
        access_logger.handle(record)
