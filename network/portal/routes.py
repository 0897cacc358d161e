"""The partner portal under /portal: one router made of the areas' routers, installed on the
app with the Portal they share and the handler of their early exits.

Each area is a module with a module-level `router = area_router()` (network.portal.deps);
web.Portal holds what the areas share and is found at `app.state.portal`.
"""

from __future__ import annotations

from types import ModuleType

from fastapi import APIRouter, FastAPI
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from network.config import Settings
from network.portal import (
    admin_partners,
    admin_users,
    audit,
    certs,
    cohort_exports,
    cohort_meetings,
    cohorts,
    consent,
    contacts,
    courses,
    feeds,
    member_training,
    members,
    mine,
    mydata,
    outbox,
    register,
    session_forms,
    signin,
    training,
)
from network.portal.deps import PortalRoute, area_router
from network.portal.exits import PortalExit, exit_page, unknown_page
from network.portal.web import (
    HERE,
    JobsGetter,
    Portal,
    RedisGetter,
    SessionFactory,
)

AREAS: tuple[ModuleType, ...] = (
    signin,
    cohorts,
    cohort_meetings,
    members,
    contacts,
    cohort_exports,
    # Before training: its /sessions/new must not be read as the session page of id "new".
    session_forms,
    training,
    courses,
    register,
    certs,
    member_training,
    mine,
    mydata,
    feeds,
    consent,
    # Staff only: partners, users, the outbox and the audit trail.
    admin_partners,
    admin_users,
    outbox,
    audit,
)
STYLESHEET = (HERE / "static" / "portal.css").read_bytes()

assets = area_router()


@assets.get("/static/portal.css")
async def stylesheet() -> Response:
    return Response(
        STYLESHEET, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


def portal_routers() -> list[APIRouter]:
    """Every area's router, each to be included under /portal (one router holding them all
    could not: an area may serve "/portal" itself, an empty path in a router without prefix)."""
    routers = [assets]
    for area in AREAS:
        unguarded = [r for r in area.router.routes if not isinstance(r, PortalRoute)]
        if unguarded:  # a router made without area_router() would skip the NUL guard
            raise RuntimeError(f"portal routes without PortalRoute: {unguarded}")
        routers.append(area.router)
    return routers


def install_portal(
    app: FastAPI,
    settings: Settings,
    sessions: SessionFactory,
    redis: RedisGetter,
    jobs: JobsGetter = lambda: None,
) -> None:
    """Put the portal on `app`: its Portal (`sessions`, `redis` and `jobs` are read when a
    request comes), its routes, and the pages of its exits, unknown paths and wrong methods."""
    app.state.portal = Portal(settings, sessions, redis, jobs)
    for router in portal_routers():
        app.include_router(router, prefix="/portal", include_in_schema=False)
    app.add_exception_handler(PortalExit, exit_page)
    app.add_exception_handler(StarletteHTTPException, unknown_page)
