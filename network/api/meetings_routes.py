"""HTTP routes of network meetings: the signed RSVP page and the .ics download.

Both work without a login: the link itself is signed. Following an RSVP link only shows the
answer picked in the email with a button to confirm it; the answer is recorded by the POST.
Mail scanners and link previews open every link in an email, so a GET that recorded the
answer would let them answer YES, NO and MAYBE in turn on the invitee's behalf.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.db import unit_of_work
from network.kit.enums import MeetingStatus, RsvpResponse
from network.kit.errors import DomainError
from network.meetings import service as meetings
from network.meetings.formatting import format_span

SessionFactory = Callable[[], async_sessionmaker[AsyncSession]]

LABELS = {
    RsvpResponse.YES: "Yes, I will come",
    RsvpResponse.NO: "No, I cannot come",
    RsvpResponse.MAYBE: "Maybe",
}
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;max-width:600px;margin:40px auto;
padding:0 16px;line-height:1.5;color:#1a1a1a;">
{body}
</body></html>
"""
BUTTON = (
    "padding:10px 18px;margin:0 8px 8px 0;border:0;border-radius:4px;"
    "background:{colour};color:#ffffff;font-size:16px;cursor:pointer;"
)


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(
        PAGE.format(title=html.escape(title), body=body),
        status_code=status_code,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _not_found() -> HTMLResponse:
    return _page(
        "Link not valid",
        "<h1>This link is not valid</h1><p>Please use the link in your invitation email.</p>",
        404,
    )


def _parse_response(value: str | None) -> RsvpResponse | None:
    try:
        return RsvpResponse((value or "").strip().upper())
    except ValueError:
        return None


def _meeting_summary(meeting: Any, language: str) -> str:
    when = format_span(meeting.starts_at, meeting.ends_at, meeting.time_zone, language)["when"]
    return (
        f'<h1 style="font-size:22px;">{html.escape(meeting.title)}</h1>'
        f"<p>{html.escape(when)}</p>"
        + (f"<p>{html.escape(meeting.venue)}</p>" if meeting.venue else "")
    )


def _form(token: str, picked: RsvpResponse | None) -> str:
    buttons = []
    for response, label in LABELS.items():
        colour = "#1d5c96" if picked in (None, response) else "#8a9aa9"
        buttons.append(
            f'<button type="submit" name="response" value="{response.value}" '
            f'style="{BUTTON.format(colour=colour)}">{html.escape(label)}</button>'
        )
    action = html.escape(f"/meetings/rsvp/{token}")
    prompt = (
        f"Please confirm your answer: <strong>{html.escape(LABELS[picked])}</strong>"
        if picked
        else "Can you come?"
    )
    return f'<p>{prompt}</p><form method="post" action="{action}">{"".join(buttons)}</form>'


def meetings_router(sessions: SessionFactory) -> APIRouter:
    """The routes, reading and writing through `sessions()` (the app's session factory)."""
    router = APIRouter(prefix="/meetings", tags=["meetings"])

    @router.get("/rsvp/{token}", response_class=HTMLResponse)
    async def rsvp_page(token: str, response: str | None = Query(default=None)) -> HTMLResponse:
        async with sessions()() as session:
            found = await meetings.invitation_by_token(session, token)
        if found is None:
            return _not_found()
        meeting = found.meeting
        body = _meeting_summary(meeting, found.language)
        body = f"<p>Dear {html.escape(found.first_name)},</p>" + body
        if meeting.status == MeetingStatus.CANCELLED:
            cancelled = "<p><strong>This meeting was cancelled.</strong></p>"
            return _page(meeting.title, body + cancelled)
        current = found.invitation.response
        if current:
            body += (
                "<p>Your answer so far: "
                f"<strong>{html.escape(LABELS[RsvpResponse(current)])}</strong></p>"
            )
        return _page(meeting.title, body + _form(token, _parse_response(response)))

    @router.post("/rsvp/{token}", response_class=HTMLResponse)
    async def rsvp_answer(
        token: str,
        response: str | None = Form(default=None),
        response_query: str | None = Query(default=None, alias="response"),
    ) -> HTMLResponse:
        answer = _parse_response(response or response_query)
        if answer is None:
            return _page(
                "Answer missing", "<p>Please choose Yes, No or Maybe.</p>", status_code=400
            )
        try:
            async with unit_of_work(sessions()) as session:
                await meetings.respond_by_token(session, token, answer)
        except DomainError as error:
            first = error.errors[0]
            if first.code == "NOT_FOUND":
                return _not_found()
            return _page("Answer not recorded", f"<p>{html.escape(first.message)}</p>", 409)
        return _page(
            "Thank you",
            "<h1>Thank you</h1><p>Your answer is recorded: "
            f"<strong>{html.escape(LABELS[answer])}</strong>.</p>"
            "<p>You can change it at any time with the links in the email.</p>",
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
