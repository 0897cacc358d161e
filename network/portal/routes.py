"""The partner portal under /portal: one router made of the areas' routes.

Each area is a module with `add_routes(router, portal)`; web.Portal holds what they share.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from network.config import Settings
from network.portal import certs, cohorts, mine, people, signin, training
from network.portal.web import (
    HERE,
    JobsGetter,
    Portal,
    RedisGetter,
    SessionFactory,
    guarded_routes,
)

AREAS = (signin, cohorts, people, training, certs, mine)


def portal_router(
    settings: Settings,
    sessions: SessionFactory,
    redis: RedisGetter,
    jobs: JobsGetter = lambda: None,
) -> APIRouter:
    """The portal's routes; `sessions`, `redis` and `jobs` are read when a request comes."""
    portal = Portal(settings, sessions, redis, jobs)
    router = APIRouter(
        prefix="/portal", include_in_schema=False, route_class=guarded_routes(portal)
    )
    stylesheet_bytes = (HERE / "static" / "portal.css").read_bytes()

    @router.get("/static/portal.css")
    async def stylesheet() -> Response:
        return Response(
            stylesheet_bytes,
            media_type="text/css",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    for area in AREAS:
        area.add_routes(router, portal)
    return router
