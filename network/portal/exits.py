"""How a portal handler stops early: it raises a `PortalExit`, and one exception handler (put
on the app by `network.portal.routes.install_portal`) answers with the page it names.

Sign-in required -> 303 to /portal/login; not found -> the 404 page; a refused CSRF token ->
the 403 page; a bad request -> the 400 page; all in the user's language with the page headers.
"""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from network.logs import note_error
from network.portal.web import Portal

T = TypeVar("T")

# How an exit is counted on the request's access log line (network.logs.note_error).
EXPECTED_CODES = {400: "BAD_REQUEST", 403: "FORBIDDEN", 404: "NOT_FOUND"}


class PortalExit(Exception):
    """A portal request ends here with the page `template` and `status_code`."""

    template = "not_found.html"
    status_code = 404


class NotFound(PortalExit):
    """404: missing, not the user's to see, or a malformed id (they read alike)."""


class Forbidden(PortalExit):
    """403: the form's CSRF token is missing or wrong; nothing may change."""

    template = "forbidden.html"
    status_code = 403


class BadRequest(PortalExit):
    """400: the request cannot be read (e.g. text holding a NUL character)."""

    template = "bad_request.html"
    status_code = 400


class SignInRequired(PortalExit):
    """Not signed in (or the session ended): 303 to the sign-in page."""

    template = ""
    status_code = 303


def or_404(value: T | None) -> T:
    """`value`, or raise NotFound when it is None (a lookup that found nothing visible)."""
    if value is None:
        raise NotFound()
    return value


def portal_of(request: Request) -> Portal:
    """The app's Portal (set by install_portal)."""
    portal: Portal = request.app.state.portal
    return portal


async def exit_page(request: Request, exc: Exception) -> Response:
    """The page a PortalExit names."""
    assert isinstance(exc, PortalExit)
    if isinstance(exc, SignInRequired):
        return RedirectResponse("/portal/login", status_code=303)
    note_error(EXPECTED_CODES.get(exc.status_code, str(exc.status_code)))  # on the access line
    portal = portal_of(request)
    return portal.render(request, portal.read_session(request), exc.template, exc.status_code)


def is_portal_path(path: str) -> bool:
    return path == "/portal" or path.startswith("/portal/")


async def unknown_page(request: Request, exc: Exception) -> Response:
    """An unknown path or a wrong method under /portal: the portal's 404 page; elsewhere
    FastAPI's own answer."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code not in (404, 405) or not is_portal_path(request.url.path):
        return await http_exception_handler(request, exc)
    portal = portal_of(request)
    data = portal.read_session(request)
    data.chosen_language = None  # no page was found: nothing to save, whatever the method
    if data.user_id is not None:  # no handler checked the cookie: a dead sign-in shows as none
        async with portal.db() as session:
            await portal.principal_of(session, data)
    return portal.render(request, data, "not_found.html", 404)
