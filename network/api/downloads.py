"""File downloads that are not GraphQL: a training session's calendar file.

`GET /training/sessions/{id}.ics` needs no token: calendar programs and email clients fetch
it without one. It is a capability URL: the id is a random UUID that only people shown the
session (through the scoped API, or in their invitation email) learn, and the file holds only
what an invitation holds (course, times, place, online link). An unknown id is a 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import APIRouter, HTTPException, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.training import service as training


def downloads_router(sessions: Callable[[], async_sessionmaker[AsyncSession]]) -> APIRouter:
    """The download routes; `sessions` gives the app's session factory once it has started."""
    router = APIRouter()

    @router.get("/training/sessions/{session_id}.ics", name="training_session_ics")
    async def training_session_ics(session_id: str) -> Response:
        try:
            raw = uuid.UUID(session_id)
        except ValueError:
            raise HTTPException(status_code=404, detail="No such training session.") from None
        async with sessions()() as session:
            content = await training.calendar_file(session, raw)
        if content is None:
            raise HTTPException(status_code=404, detail="No such training session.")
        return Response(
            content,
            media_type=training.ICS_CONTENT_TYPE,
            headers={
                "Content-Disposition": f'attachment; filename="{training.ics_file_name(raw)}"',
                "Cache-Control": "no-cache",
            },
        )

    return router
