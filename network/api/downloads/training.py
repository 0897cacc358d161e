"""`GET /training/sessions/{id}.ics`: a training session's calendar file.

It needs no token: calendar programs and email clients fetch it without one. Public sessions'
ids are published in the catalogue, so the file holds the course, times and place but never
the online link (that is in the booked person's invitation). An unknown id is a 404.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from network.api.downloads.deps import Db, parse_id
from network.training import service as training

router = APIRouter()


@router.get("/training/sessions/{session_id}.ics", name="training_session_ics")
async def training_session_ics(session_id: str, session: Db) -> Response:
    """The session's invitation as an .ics file."""
    raw = parse_id(session_id)
    content = await training.calendar_file(session, raw) if raw else None
    if raw is None or content is None:
        raise HTTPException(status_code=404, detail="No such training session.")
    return Response(
        content,
        media_type=training.ICS_CONTENT_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{training.ics_file_name(raw)}"',
            "Cache-Control": "no-cache",
        },
    )
