"""`GET /meetings/{id}/invite.ics?sig=`: a network meeting's calendar file, without a login
(the link is signed); an unknown id or a wrong signature is a plain-text 404."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from network.api.downloads.deps import Db, parse_id
from network.auth.principal import SYSTEM
from network.db import act_as
from network.meetings import service as meetings

router = APIRouter(prefix="/meetings", tags=["meetings"])


def _not_found() -> Response:
    return Response("Not found", status_code=404, media_type="text/plain")


@router.get("/{meeting_id}/invite.ics")
async def meeting_ics(meeting_id: str, session: Db, sig: str = Query(default="")) -> Response:
    """The meeting's invitation as an .ics file."""
    raw_id = parse_id(meeting_id)
    # The signed link is the authority here, checked in Python: the database sees the system.
    await act_as(session, SYSTEM)
    meeting = await meetings.meeting_for_ics_link(session, raw_id, sig) if raw_id else None
    if meeting is None:
        return _not_found()
    return Response(
        meetings.ics_for_download(meeting),
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="meeting.ics"',
            "Cache-Control": "no-store",
        },
    )
