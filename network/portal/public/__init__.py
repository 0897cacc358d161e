"""Pages anyone may open without signing in, reached from emails and QR codes: the
certificate verification page (/verify/{code}), a member's sign-in link (/login/{token}),
a meeting invitation's RSVP page (/meetings/rsvp/{token}) and an email's unsubscribe link
(/unsubscribe/{token}); and the public training catalogue (/training, its sessions' pages,
/training.ics: `catalogue`); an attendee's evaluation form (/feedback/{token}: `evaluation`,
its labels its own). Their labels and rendering are in `pages` (the unsubscribe page's
in network/portal/labels/consent.py, the catalogue's in network/portal/labels/catalogue.py);
`router` serves them at the site's root (not under /portal)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from network.portal.deps import acting_as_system
from network.portal.public import catalogue, evaluation, login_links, rsvp, unsubscribe, verify

router = APIRouter()
for _area in (login_links, verify, rsvp, unsubscribe, catalogue, evaluation):
    router.include_router(_area.router, dependencies=[Depends(acting_as_system)])
