"""HTTP routes of network meetings: the signed RSVP page and the .ics download.

Both work without a login: the link itself is signed. Following an RSVP link only shows the
answer picked in the email with a button to confirm it; the answer is recorded by the POST.
Mail scanners and link previews open every link in an email, so a GET that recorded the
answer would let them answer YES, NO and MAYBE in turn on the invitee's behalf.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.db import unit_of_work
from network.kit.enums import MeetingStatus, RsvpResponse
from network.kit.errors import DomainError
from network.meetings import service as meetings
from network.meetings.formatting import format_span
from network.portal.public import render_public, rsvp_labels

SessionFactory = Callable[[], async_sessionmaker[AsyncSession]]


def _parse_response(value: str | None) -> RsvpResponse | None:
    try:
        return RsvpResponse((value or "").strip().upper())
    except ValueError:
        return None


def _invalid(language: str | None = None) -> HTMLResponse:
    code, t = rsvp_labels(language)
    return render_public(
        "public_rsvp.html", code, 404, t=t, title=t["invalid_title"], state="invalid"
    )


def meetings_router(sessions: SessionFactory) -> APIRouter:
    """The routes, reading and writing through `sessions()` (the app's session factory)."""
    router = APIRouter(prefix="/meetings", tags=["meetings"])

    @router.get("/rsvp/{token}", response_class=HTMLResponse)
    async def rsvp_page(token: str, response: str | None = Query(default=None)) -> HTMLResponse:
        async with sessions()() as session:
            found = await meetings.invitation_by_token(session, token)
        if found is None:
            return _invalid()
        meeting = found.meeting
        code, t = rsvp_labels(found.language)
        current = found.invitation.response
        picked = _parse_response(response)
        return render_public(
            "public_rsvp.html",
            code,
            t=t,
            title=meeting.title,
            state="page",
            meeting=meeting,
            first_name=found.first_name,
            when=format_span(meeting.starts_at, meeting.ends_at, meeting.time_zone, code)["when"],
            cancelled=meeting.status == MeetingStatus.CANCELLED,
            current=RsvpResponse(current).value if current else None,
            picked=picked.value if picked else None,
            token=token,
        )

    @router.post("/rsvp/{token}", response_class=HTMLResponse)
    async def rsvp_answer(
        token: str,
        response: str | None = Form(default=None),
        response_query: str | None = Query(default=None, alias="response"),
    ) -> HTMLResponse:
        async with sessions()() as session:
            found = await meetings.invitation_by_token(session, token)
        if found is None:
            return _invalid()
        code, t = rsvp_labels(found.language)

        def message(title: str, text: str, status: int) -> HTMLResponse:
            return render_public(
                "public_rsvp.html", code, status, t=t, title=title, state="message", message=text
            )

        answer = _parse_response(response or response_query)
        if answer is None:
            return message(t["missing_title"], t["missing"], 400)
        try:
            async with unit_of_work(sessions()) as session:
                await meetings.respond_by_token(session, token, answer)
        except DomainError as error:
            first = error.errors[0]
            if first.code == "NOT_FOUND":
                return _invalid(code)
            return message(t["not_recorded"], t.get(first.code, first.message), 409)
        return render_public(
            "public_rsvp.html", code, t=t, title=t["thanks"], state="thanks", answer=answer.value
        )

    @router.get("/{meeting_id}/invite.ics")
    async def meeting_ics(meeting_id: str, sig: str = Query(default="")) -> Response:
        try:
            raw_id = uuid.UUID(meeting_id)
        except ValueError:
            return Response("Not found", status_code=404, media_type="text/plain")
        async with sessions()() as session:
            meeting = await meetings.meeting_for_ics_link(session, raw_id, sig)
        if meeting is None:
            return Response("Not found", status_code=404, media_type="text/plain")
        return Response(
            meetings.ics_for_download(meeting),
            media_type="text/calendar; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="meeting.ics"',
                "Cache-Control": "no-store",
            },
        )

    return router
