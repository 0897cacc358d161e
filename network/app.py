"""create_app(): the FastAPI application with /graphql, /healthz, /readyz and the other faces."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.fastapi import GraphQLRouter

from network.api import downloads
from network.api.context import Context
from network.api.core.budget import CostBudgets
from network.api.schema import schema_for
from network.auth.principal import ANONYMOUS
from network.auth.service import check_token, record_token_use
from network.auth.throttle import client_of
from network.config import Settings, check_startup, get_settings
from network.db import act_as, make_engine, make_session_factory, unit_of_work
from network.health import healthz, migration_heads, readyz
from network.jobs import JobQueue
from network.limits import BodySizeLimit
from network.logs import (
    RequestLog,
    install_filters,
    loggable_path,
    logged_as,
    mark_logged,
    new_request_id,
)
from network.portal import public
from network.portal.routes import install_portal
from network.proxies import TrustedProxies

logger = logging.getLogger("network.app")


STATIC_DIR = Path(__file__).parent / "static"


class OrjsonGraphQLRouter(GraphQLRouter[Context, None]):
    """GraphQL over HTTP with responses encoded by orjson, and GraphiQL served offline."""

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    @property
    def graphql_ide_html(self) -> str:
        return _graphiql_page()


@lru_cache(maxsize=1)
def _graphiql_page() -> str:
    return (STATIC_DIR / "graphiql" / "index.html").read_text(encoding="utf-8")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def request_id_of(request: Request) -> str:
    """The id RequestLog gave this request (its log lines and X-Request-ID carry it)."""
    request_id = getattr(request.state, "request_id", None)
    return request_id if isinstance(request_id, str) else new_request_id()


def create_app(
    settings: Settings | None = None,
    session_factory: async_sessionmaker[AsyncSession] | None = None,
) -> FastAPI:
    """The whole web application; tests pass a session factory bound to their transaction."""
    settings = settings or get_settings()
    check_startup(settings)
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = None
        if session_factory is None:
            engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
            state["sessions"] = make_session_factory(engine)
        else:
            state["sessions"] = session_factory
        # Timeouts: with Redis refused or hanging, requests fail soft instead of waiting.
        state["redis"] = Redis.from_url(
            settings.redis_url,
            socket_connect_timeout=settings.redis_timeout_seconds,
            socket_timeout=settings.redis_timeout_seconds,
        )
        state["jobs"] = JobQueue.from_settings(settings)
        # For the download routes' dependencies and the readiness check.
        app.state.sessions, app.state.redis = state["sessions"], state["redis"]
        app.state.redis_timeout = settings.redis_timeout_seconds
        app.state.migration_heads = migration_heads()
        try:
            yield
        finally:
            await state["jobs"].close()
            await state["redis"].aclose()
            if engine is not None:
                await engine.dispose()

    async def get_context(request: Request) -> AsyncIterator[Context]:
        request_id = request_id_of(request)
        # One counter of cost budgets per app (it remembers a Redis outage for a few seconds).
        if state.get("budgets") is None or state["budgets"].redis is not state["redis"]:
            state["budgets"] = CostBudgets(state["redis"], settings.secret_key)
        budgets = state["budgets"]
        async with state["sessions"]() as session:
            token = _bearer(request)
            principal = ANONYMOUS
            rejected = False
            if token is not None:
                found, due = await check_token(session, token) if token else (None, None)
                if due is not None:  # the token's last use, written at most once a minute
                    async with unit_of_work(session):
                        await record_token_use(session, due)
                if found is None:
                    rejected = True
                else:
                    principal = found
            # Row-level security sees the same caller, in every transaction of the request.
            await act_as(session, principal)
            client_address = request.client.host if request.client else ""
            # An anonymous caller whose budget is spent is refused before any resolver runs
            # (CostLimit): it gets no database connection, which a flood of them would hold.
            spent = token is None and await budgets.spent(
                "client", client_of(client_address), settings.graphql_anonymous_cost_budget_per_hour
            )
            if not spent:
                # Resolvers' DataLoaders share this session concurrently: SQLAlchemy serialises
                # statements on one held connection, but must not provision two at once.
                await session.connection()
            yield Context(
                session=session,
                principal=principal,
                settings=settings,
                token_rejected=rejected,
                request_id=request_id,
                jobs=state["jobs"],
                # For per-client limits (verifyCertificate); never used to authorise anything.
                client_address=client_address,
                budgets=budgets,
            )

    app = FastAPI(title="Network CRM", lifespan=lifespan, default_response_class=JSONResponse)
    graphql_app = OrjsonGraphQLRouter(
        schema_for(
            settings.graphql_max_depth, settings.graphql_max_tokens, settings.graphql_max_aliases
        ),
        context_getter=get_context,  # type: ignore[arg-type]  # a yield dependency is allowed
        graphql_ide="graphiql",
    )
    app.include_router(graphql_app, prefix="/graphql")
    app.include_router(downloads.router)
    app.include_router(public.router)
    install_portal(
        app,
        settings,
        lambda: state["sessions"],
        lambda: state["redis"],
        lambda: state.get("jobs"),
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    app.add_api_route("/healthz", healthz, methods=["GET"])
    app.add_api_route("/readyz", readyz, methods=["GET"])
    # The app's own middleware, innermost first (each add wraps the ones before): an oversized
    # or trickled body is refused before routing; every request gets an id and an access log
    # line; the client's address is the one behind our trusted proxies, for both.
    app.add_middleware(
        BodySizeLimit,
        graphql_bytes=settings.max_graphql_body_bytes,
        form_bytes=settings.max_form_body_bytes,
        read_timeout_seconds=settings.body_read_timeout_seconds,
    )
    app.add_middleware(RequestLog)
    app.add_middleware(TrustedProxies, trusted=settings.trusted_proxies)
    install_filters()

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        """500 with an error id that the one log line with the traceback carries."""
        error_id = new_request_id()
        request_id = request_id_of(request)
        with logged_as(request_id):  # the request's own log context has ended
            logger.error(
                "unexpected error %s on %s %s",
                error_id,
                request.method,
                loggable_path(request.scope),
                exc_info=exc,
            )
        mark_logged(exc)  # Starlette re-raises it to the server, which would log it again
        return JSONResponse(
            {
                "error": f"Internal error; it has been logged as {error_id}.",
                "errorId": error_id,
                "requestId": request_id,
            },
            status_code=500,
        )

    return app
