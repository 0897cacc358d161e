"""Pages anyone may open without signing in, reached from emails and QR codes: the
certificate verification page (/verify/{code}), a member's sign-in link (/login/{token}) and
a meeting invitation's RSVP page (/meetings/rsvp/{token}). Their labels and rendering are in
`pages`; `router` serves them at the site's root (not under /portal)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from network.portal.deps import acting_as_system
from network.portal.public import login_links, rsvp, verify

router = APIRouter()
for _area in (login_links, verify, rsvp):
    router.include_router(_area.router, dependencies=[Depends(acting_as_system)])
