"""`GET /calendar/{token}.ics`: a member contact's or partner user's private calendar feed.

No sign-in: the token is the authority (a capability URL, revocable from the portal or the
API). An unknown, revoked or malformed token is the same plain-text 404, after one lookup by
the token's hash. The path parameter is named `token` so the access log redacts it
(network.logs.SECRET_PARAMS).
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from network.api.downloads.deps import Db
from network.auth.principal import SYSTEM
from network.db import act_as, unit_of_work
from network.feeds import service as feeds

router = APIRouter(tags=["calendar"])


@router.get("/calendar/{token}.ics", name="calendar_feed")
async def calendar_feed(token: str, session: Db) -> Response:
    """The feed as an iCalendar file (calendar programs poll it)."""
    # The token is checked in Python (by its hash): the database sees the system.
    await act_as(session, SYSTEM)
    async with unit_of_work(session):  # writes last_used_at, at most once an hour
        content = await feeds.download_feed(session, token)
    if content is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    return Response(
        content,
        media_type=feeds.CONTENT_TYPE,
        headers={
            "Content-Disposition": 'inline; filename="calendar.ics"',
            "Cache-Control": "private, max-age=300",
            "X-Content-Type-Options": "nosniff",
        },
    )
