"""A meeting invitation's signed RSVP page, `/meetings/rsvp/{token}`.

It works without a login: the link itself is signed. Following an RSVP link only shows the
answer picked in the email with a button to confirm it; the answer is recorded by the POST.
Mail scanners and link previews open every link in an email, so a GET that recorded the
answer would let them answer YES, NO and MAYBE in turn on the invitee's behalf.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse

from network.kit.enums import MeetingStatus, RsvpResponse
from network.kit.errors import DomainError
from network.meetings import service as meetings
from network.meetings.formatting import format_span
from network.portal.deps import PortalDep
from network.portal.public.pages import render_public, rsvp_labels

router = APIRouter(prefix="/meetings", tags=["meetings"])


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


@router.get("/rsvp/{token}", response_class=HTMLResponse)
async def rsvp_page(
    token: str, portal: PortalDep, response: str | None = Query(default=None)
) -> HTMLResponse:
    """The invitation, with the answer picked in the email and a button to confirm it."""
    async with portal.db() as session:
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
    portal: PortalDep,
    response: str | None = Form(default=None),
    response_query: str | None = Query(default=None, alias="response"),
) -> HTMLResponse:
    """Record the answer (Yes, No or Maybe) the invitee confirmed."""
    async with portal.db() as session:
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
        async with portal.write() as session:
            await meetings.respond_by_token(session, token, answer)
    except DomainError as error:
        first = error.errors[0]
        if first.code == "NOT_FOUND":
            return _invalid(code)
        return message(t["not_recorded"], t.get(first.code, first.message), 409)
    return render_public(
        "public_rsvp.html", code, t=t, title=t["thanks"], state="thanks", answer=answer.value
    )
