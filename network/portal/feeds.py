"""My calendar feed: a member contact's or a partner user's private calendar URL.

The page says whether the person has a live feed (when it was made and last read); a button
makes a new one (the same `create_feed` as the API; it revokes the old one) and shows its URL
this once, to copy into a calendar program; another revokes it (the same `revoke_feed`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import Response

from network.feeds import service as feeds
from network.kit.errors import DomainError
from network.meetings.formatting import format_date, language_or_default
from network.portal.deps import OwnerForm, OwnerReading, PortalDep, area_router
from network.portal.web import Portal, Reading

PATH = "/portal/calendar-feed"

router = area_router()


def _when(moment: datetime | None, language: str) -> str:
    """A moment as the page shows it: its date in the page's language and its time, in UTC."""
    if moment is None:
        return ""
    utc = moment.astimezone(UTC)
    return f"{format_date(utc, language_or_default(language))} {utc:%H:%M} UTC"


async def feed_view(
    request: Request,
    portal: Portal,
    seen: Reading,
    *,
    status_code: int = 200,
    url: str | None = None,
    message: str | None = None,
    problem: str | None = None,
) -> Response:
    """The page: the live feed (if any), the new URL (just made), the buttons."""
    language = portal.language_of(request)
    feed = await feeds.live_feed(seen.session, seen.principal)
    return portal.render(
        request,
        seen.data,
        "calendar_feed.html",
        status_code,
        feed=feed,
        created=_when(feed.created_at, language) if feed else "",
        last_used=_when(feed.last_used_at, language) if feed else "",
        url=url,
        message=message,
        problem=problem,
    )


@router.get("/calendar-feed")
async def calendar_feed(request: Request, portal: PortalDep, seen: OwnerReading) -> Response:
    """My calendar feed."""
    revoked = request.query_params.get("revoked") == "1"
    return await feed_view(
        request, portal, seen, message=seen.t["feed_revoked"] if revoked else None
    )


@router.post("/calendar-feed")
async def new_calendar_feed(request: Request, portal: PortalDep, seen: OwnerForm) -> Response:
    """Make a new feed (revoking the current one) and show its URL, this once."""
    try:
        async with portal.write() as session:
            issued = await feeds.create_feed(session, seen.principal)
    except DomainError:
        async with portal.again(seen) as fresh:
            return await feed_view(
                request, portal, fresh, status_code=422, problem=seen.t["feed_failed"]
            )
    async with portal.again(seen) as fresh:
        return await feed_view(request, portal, fresh, url=issued.url, message=seen.t["feed_made"])


@router.post("/calendar-feed/revoke")
async def revoke_calendar_feed(request: Request, portal: PortalDep, seen: OwnerForm) -> Response:
    """Revoke the feed: its URL answers 404 from now on."""
    try:
        async with portal.write() as session:
            await feeds.revoke_feed(session, seen.principal)
    except DomainError:
        async with portal.again(seen) as fresh:
            return await feed_view(
                request, portal, fresh, status_code=422, problem=seen.t["feed_none"]
            )
    return portal.redirect(f"{PATH}?revoked=1")
