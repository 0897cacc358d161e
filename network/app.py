"""create_app(): the FastAPI application with /graphql, /healthz and the other faces."""

from __future__ import annotations

import logging
import uuid
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
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.fastapi import GraphQLRouter

from network.api import downloads
from network.api.context import Context
from network.api.schema import schema
from network.auth.principal import ANONYMOUS
from network.auth.service import authenticate_token
from network.config import Settings, get_settings
from network.db import make_engine, make_session_factory
from network.jobs import JobQueue
from network.portal import public
from network.portal.routes import install_portal

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


async def healthz(request: Request) -> JSONResponse:
    """200 when the database and Redis answer, else 503 naming the one that does not."""
    state = request.app.state
    checks: dict[str, str] = {}
    try:
        async with state.sessions() as session:
            await session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # health must report, not raise
        logger.warning("health: database: %s", exc)
        checks["database"] = "unavailable"
    try:
        await state.redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:  # health must report, not raise
        logger.warning("health: redis: %s", exc)
        checks["redis"] = "unavailable"
    healthy = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", **checks},
        status_code=200 if healthy else 503,
    )


def create_app(
    settings: Settings | None = None,
    session_factory: async_sessionmaker[AsyncSession] | None = None,
) -> FastAPI:
    """The whole web application; tests pass a session factory bound to their transaction."""
    settings = settings or get_settings()
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = None
        if session_factory is None:
            engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
            state["sessions"] = make_session_factory(engine)
        else:
            state["sessions"] = session_factory
        state["redis"] = Redis.from_url(settings.redis_url)
        state["jobs"] = JobQueue.from_settings(settings)
        # For the download routes' dependencies and the health check.
        app.state.sessions, app.state.redis = state["sessions"], state["redis"]
        try:
            yield
        finally:
            await state["jobs"].close()
            await state["redis"].aclose()
            if engine is not None:
                await engine.dispose()

    async def get_context(request: Request) -> AsyncIterator[Context]:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
        async with state["sessions"]() as session:
            token = _bearer(request)
            principal = ANONYMOUS
            rejected = False
            if token is not None:
                found = await authenticate_token(session, token) if token else None
                if found is None:
                    rejected = True
                else:
                    principal = found
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
                client_address=request.client.host if request.client else "",
            )

    app = FastAPI(title="Network CRM", lifespan=lifespan, default_response_class=JSONResponse)
    graphql_app = OrjsonGraphQLRouter(
        schema,
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

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s", request.url.path)
        return JSONResponse({"error": "Unexpected error; it has been logged."}, status_code=500)

    return app
