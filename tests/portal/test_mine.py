"""My training: a member contact's bookings, meetings with RSVP buttons, certificates, hours."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.db import utcnow
from network.meetings import repository as meetings
from network.meetings.models import MeetingInvitation, NetworkMeeting
from tests.support.factories import Factory
from tests.support.meetings import schedule, upcoming
from tests.support.portal import csrf_of
from tests.support.portal_certs import Scene, as_user, certificate_scene, principal_of
from tests.support.training import TrainingFactory


async def meeting_scene(session: AsyncSession, make: Factory) -> tuple[Scene, NetworkMeeting]:
    """The certificate scene, and an upcoming meeting of partner A's cohort for its two
    contacts."""
    scene = await certificate_scene(session, make)
    cohort = await make.cohort(partner=scene.partner_a, members=[scene.anglesey, scene.powys])
    meeting = await schedule(
        session,
        cohort,
        starts_at=upcoming(days=12),
        contact_ids=[scene.holder.id, scene.colleague.id],
        title="Focus It network meeting",
    )
    await session.commit()
    return scene, meeting


async def answer_of(session: AsyncSession, meeting: NetworkMeeting, contact_id: uuid.UUID) -> str:
    """The invitee's answer as stored now ('' for none)."""
    value = await session.scalar(
        select(MeetingInvitation.response).where(
            MeetingInvitation.meeting_id == meeting.id, MeetingInvitation.contact_id == contact_id
        )
    )
    return value.value if value is not None else ""


async def test_my_training_shows_bookings_certificates_and_cpd_hours(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    scene = await certificate_scene(session, make)
    await as_user(client, scene, "member")
    page = await client.get("/portal/training")
    assert page.status_code == 200
    assert scene.mine.course_title in page.text
    assert "Attended" in page.text
    assert scene.mine.number in page.text
    assert f'href="/portal/certificates/{scene.mine.id}.pdf"' in page.text
    assert scene.theirs.number not in page.text and scene.foreign.number not in page.text
    this_year = scene.held.starts_at.year == utcnow().year
    hours = "6.0" if this_year else "0"
    assert f'<strong id="cpd-this-year">{hours}</strong>' in page.text
    assert "No upcoming network meetings." in page.text
    download = await client.get(f"/portal/certificates/{scene.mine.id}.pdf")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    welsh = await client.get("/portal/training?lang=cy")
    assert "Fy hyfforddiant" in welsh.text and "Wedi mynychu" in welsh.text


async def test_the_rsvp_buttons_change_the_invitation(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    scene, meeting = await meeting_scene(session, make)
    await as_user(client, scene, "member")
    page = await client.get("/portal/training")
    assert "Focus It network meeting" in page.text
    assert "10:00\u201312:00 (Paris time)" in page.text  # in the meeting's own zone
    action = f'action="/portal/training/meetings/{meeting.id}/rsvp"'
    assert action in page.text
    for value in ("YES", "NO", "MAYBE"):
        assert f'name="response" value="{value}"' in page.text
    assert "Not answered yet" in page.text

    token = csrf_of(page.text)
    path = f"/portal/training/meetings/{meeting.id}/rsvp"
    answered = await client.post(path, data={"csrf": token, "response": "YES"})
    assert answered.status_code == 303
    assert answered.headers["location"] == "/portal/training?answered=1"
    assert await answer_of(session, meeting, scene.holder.id) == "YES"
    assert await answer_of(session, meeting, scene.colleague.id) == ""  # only one's own
    shown = await client.get(answered.headers["location"])
    assert "Your answer is saved." in shown.text
    assert 'value="YES" aria-pressed="true"' in shown.text

    again = await client.post(path, data={"csrf": token, "response": "MAYBE"})
    assert again.status_code == 303
    assert await answer_of(session, meeting, scene.holder.id) == "MAYBE"


async def test_an_rsvp_without_its_csrf_token_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    scene, meeting = await meeting_scene(session, make)
    await as_user(client, scene, "member")
    await client.get("/portal/training")
    path = f"/portal/training/meetings/{meeting.id}/rsvp"
    for sent in ({"response": "YES"}, {"response": "YES", "csrf": "wrong"}):
        refused = await client.post(path, data=sent)
        assert refused.status_code == 403
        assert await answer_of(session, meeting, scene.holder.id) == ""


async def test_a_wrong_answer_or_meeting_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    scene, meeting = await meeting_scene(session, make)
    await as_user(client, scene, "member")
    token = csrf_of((await client.get("/portal/training")).text)
    path = f"/portal/training/meetings/{meeting.id}/rsvp"
    wrong = await client.post(path, data={"csrf": token, "response": "PERHAPS"})
    assert wrong.status_code == 422
    assert f'<div id="{meeting.id}-error" class="error">Please choose one.</div>' in wrong.text
    assert await answer_of(session, meeting, scene.holder.id) == ""
    for other in (uuid.uuid4(), "not-an-id"):
        missing = await client.post(
            f"/portal/training/meetings/{other}/rsvp", data={"csrf": token, "response": "YES"}
        )
        assert missing.status_code == 404


async def test_upcoming_invitations_are_the_contacts_own_and_upcoming(
    session: AsyncSession, make: Factory
) -> None:
    scene, meeting = await meeting_scene(session, make)
    member = await principal_of(session, scene.emails["member"])
    partner_b = await principal_of(session, scene.emails["partner B"])
    now = utcnow()
    own = await meetings.upcoming_invitations(session, member, scene.holder.id, now=now, limit=5)
    assert [row.meeting_id for row in own] == [meeting.id]
    assert own[0].response is None
    colleague = await meetings.upcoming_invitations(
        session, member, scene.colleague.id, now=now, limit=5
    )
    assert colleague == []  # a member contact sees only its own invitations
    hidden = await meetings.upcoming_invitations(
        session, partner_b, scene.holder.id, now=now, limit=5
    )
    assert hidden == []
    started = await meetings.upcoming_invitations(
        session, member, scene.holder.id, now=meeting.starts_at, limit=5
    )
    assert started == []


async def test_the_bookings_are_paginated(
    client: httpx.AsyncClient,
    session: AsyncSession,
    make: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scene = await certificate_scene(session, make)
    train = TrainingFactory(session)
    await train.book(await train.session_of(await train.course("Grow It later")), scene.holder)
    await session.commit()
    monkeypatch.setattr("network.portal.mine.PAGE_SIZE", 1)
    await as_user(client, scene, "member")
    first = await client.get("/portal/training")
    assert scene.mine.course_title in first.text and "Grow It later" not in first.text
    href = first.text.split('rel="next" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = await client.get(f"/portal/training{href}")
    assert "Grow It later" in second.text and "Confirmed" in second.text
    assert 'rel="next"' not in second.text
    assert scene.mine.number in second.text  # the certificates are on every page
