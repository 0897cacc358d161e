"""The portal's FastAPI dependencies: who is asking, with an open database session, and the
posted form with its CSRF token checked. They raise a `PortalExit` (network.portal.exits)
instead of returning the answer to give, so a handler only handles the request it can serve.

Each area module declares `router = area_router()` (the portal's route class: the NUL guard
and HEAD served like GET) and plain module-level handlers taking these dependencies.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from network.auth.principal import SYSTEM, Principal, PrincipalKind
from network.db import act_as, acting
from network.kit.ids import parse_uuid
from network.portal.exits import BadRequest, Forbidden, NotFound, SignInRequired, or_404, portal_of
from network.portal.web import (
    MANAGER_KINDS,
    SIGN_IN_KINDS,
    Portal,
    PortalSession,
    Posted,
    Reading,
    has_nul,
)

# Every dependency here is `async def`, even where it awaits nothing: FastAPI runs a plain
# `def` dependency in a worker thread, and three such hops cost each page about 3 ms.


async def the_portal(request: Request) -> Portal:
    """The app's Portal."""
    return portal_of(request)


PortalDep = Annotated[Portal, Depends(the_portal)]


async def session_data(request: Request) -> PortalSession:
    """The session cookie's data (read once per request, shared with the exit pages)."""
    return portal_of(request).read_session(request)


async def page_labels(request: Request) -> dict[str, str]:
    """The page's labels, in the user's language."""
    return portal_of(request).labels(request)


SessionData = Annotated[PortalSession, Depends(session_data)]
Labels = Annotated[dict[str, str], Depends(page_labels)]


def path_id(raw: str) -> uuid.UUID:
    """An id from the path; a malformed one reads as not found (NotFound)."""
    return or_404(parse_uuid(raw))


async def _principal(
    portal: Portal, session: Any, data: PortalSession, kinds: Sequence[Any]
) -> Principal:
    """The signed-in user if of one of `kinds`; raises SignInRequired or NotFound."""
    principal = await portal.principal_of(session, data)
    if not principal.is_authenticated:
        raise SignInRequired()
    if principal.kind not in kinds:
        raise NotFound()
    return principal


def _reading(*kinds: PrincipalKind) -> Callable[..., AsyncIterator[Reading]]:
    async def reading(request: Request, data: SessionData, t: Labels) -> AsyncIterator[Reading]:
        portal = portal_of(request)
        async with portal.db() as session:
            principal = await _principal(portal, session, data, kinds)
            # Row-level security: this session, and every one the handler opens, acts for the
            # signed-in user (network.db).
            await act_as(session, principal)
            with acting(principal):
                yield Reading(data, session, principal, t)

    return reading


async def csrf_form(request: Request, data: SessionData, t: Labels) -> Posted:
    """The posted form's text fields, its CSRF token checked (else Forbidden, nothing changes)."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    sent = fields.pop("csrf", "")
    if not (sent and secrets.compare_digest(sent.encode(), data.csrf.encode())):
        raise Forbidden()
    return Posted(data, fields, t)


CsrfForm = Annotated[Posted, Depends(csrf_form)]


def _form(*kinds: PrincipalKind) -> Callable[..., AsyncIterator[Reading]]:
    async def form(request: Request, posted: CsrfForm) -> AsyncIterator[Reading]:
        portal = portal_of(request)
        # Checked in a session closed before the handler writes with portal.write().
        async with portal.db() as session:
            principal = await _principal(portal, session, posted.data, kinds)
        # The sessions the handler opens (its write, a page shown again) act for the user.
        with acting(principal):
            yield Reading(posted.data, session, principal, posted.t, form=posted.form)

    return form


async def acting_as_system() -> AsyncIterator[None]:
    """For the pages reached from emails and QR codes (network.portal.public): an unguessable
    token, checked in Python, is their authority, so their sessions act as the system."""
    with acting(SYSTEM):
        yield


# Reading pages: the signed-in user of a kind and a database session open for the handler.
PartnerReading = Annotated[Reading, Depends(_reading(PrincipalKind.PARTNER), scope="function")]
MemberReading = Annotated[Reading, Depends(_reading(PrincipalKind.MEMBER), scope="function")]
UserReading = Annotated[Reading, Depends(_reading(*SIGN_IN_KINDS), scope="function")]
StaffReading = Annotated[Reading, Depends(_reading(PrincipalKind.STAFF), scope="function")]
# Staff, or a partner (whose services scope what it sees to its own cohorts).
ManagerReading = Annotated[Reading, Depends(_reading(*MANAGER_KINDS), scope="function")]
# A partner user or a member contact (what belongs to the signed-in person: a calendar feed).
_OWNERS = (PrincipalKind.PARTNER, PrincipalKind.MEMBER)
OwnerReading = Annotated[Reading, Depends(_reading(*_OWNERS), scope="function")]
# Posted forms: CSRF checked first, then the signed-in user of a kind; `seen.form` holds the
# fields and `seen.session` is closed (write with portal.write(), show again with portal.again()).
PartnerForm = Annotated[Reading, Depends(_form(PrincipalKind.PARTNER), scope="function")]
MemberForm = Annotated[Reading, Depends(_form(PrincipalKind.MEMBER), scope="function")]
StaffForm = Annotated[Reading, Depends(_form(PrincipalKind.STAFF), scope="function")]
ManagerForm = Annotated[Reading, Depends(_form(*MANAGER_KINDS), scope="function")]
OwnerForm = Annotated[Reading, Depends(_form(*_OWNERS), scope="function")]


class PortalRoute(APIRoute):
    """The portal's route: HEAD is served like GET, and a query or form holding a NUL
    character gets the 400 page before any handler sees it (PostgreSQL refuses NUL)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = kwargs.get("methods")
        if methods and "GET" in {m.upper() for m in methods}:
            kwargs["methods"] = {*methods, "HEAD"}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            if has_nul(request.query_params.multi_items()) or (
                request.method == "POST" and has_nul((await request.form()).multi_items())
            ):
                raise BadRequest()
            return await handler(request)

        return guarded


def area_router() -> APIRouter:
    """An area's router (its paths without /portal: network.portal.routes adds it)."""
    return APIRouter(route_class=PortalRoute)
