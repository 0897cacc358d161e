"""Answering an invitation: by the signed link in the email (no login) or by the rsvp mutation."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.kit.enums import RsvpResponse
from network.meetings import links
from network.meetings.models import MeetingInvitation
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import snapshot
from tests.support.meetings import RSVP, Scene, planned, schedule, tokens, upcoming


async def invitation_of(
    session: AsyncSession, meeting_id: object, contact_id: object
) -> MeetingInvitation:
    statement = select(MeetingInvitation).where(
        MeetingInvitation.meeting_id == meeting_id, MeetingInvitation.contact_id == contact_id
    )
    invitation = (await session.scalars(statement)).one()
    await session.refresh(invitation)
    return invitation


async def test_the_partner_records_an_answer_and_no_stops_the_reminders(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    meeting = await schedule(session, scene.cohort, starts_at=upcoming(days=30))
    token = (await tokens(make, scene))["partner"]
    answer = {
        "meetingId": gid("NetworkMeeting", meeting),
        "contactId": gid("Contact", scene.tom),
        "response": "NO",
    }
    result = await gql(RSVP, {"input": answer}, token=token)
    assert result == {"data": {"rsvp": {"invitation": {"response": "NO"}, "userErrors": []}}}
    assert await planned(session, meeting.id) == [
        ("marie@anglesey.example", 1440, "PLANNED"),
        ("marie@anglesey.example", 10080, "PLANNED"),
        ("sian@powys.example", 1440, "PLANNED"),
        ("sian@powys.example", 10080, "PLANNED"),
        ("tom@powys.example", 1440, "SKIPPED"),
        ("tom@powys.example", 10080, "SKIPPED"),
    ]
    # Changing one's mind brings the reminders still to come back.
    result = await gql(RSVP, {"input": {**answer, "response": "MAYBE"}}, token=token)
    assert result["data"]["rsvp"] == {"invitation": {"response": "MAYBE"}, "userErrors": []}
    assert [row for row in await planned(session, meeting.id) if row[0] == "tom@powys.example"] == [
        ("tom@powys.example", 1440, "PLANNED"),
        ("tom@powys.example", 1440, "SKIPPED"),
        ("tom@powys.example", 10080, "PLANNED"),
        ("tom@powys.example", 10080, "SKIPPED"),
    ]


async def test_an_answer_to_a_cancelled_meeting_is_refused(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    from network.auth.principal import SYSTEM
    from network.meetings import service

    meeting = await schedule(session, scene.cohort, starts_at=upcoming(days=30))
    await service.cancel_meeting(session, SYSTEM, meeting.id)
    token = (await tokens(make, scene))["staff"]
    before = await snapshot(session)
    answer = {
        "meetingId": gid("NetworkMeeting", meeting),
        "contactId": gid("Contact", scene.tom),
        "response": "YES",
    }
    result = await gql(RSVP, {"input": answer}, token=token)
    assert result["data"]["rsvp"] == {
        "invitation": None,
        "userErrors": [
            {"field": "meetingId", "code": "CANCELLED", "message": "This meeting was cancelled."}
        ],
    }
    assert await snapshot(session) == before


async def test_the_signed_link_shows_a_page_and_the_post_records_the_answer(
    client: httpx.AsyncClient, scene: Scene, session: AsyncSession
) -> None:
    meeting = await schedule(session, scene.cohort, starts_at=upcoming(days=30))
    invitation = await invitation_of(session, meeting.id, scene.marie.id)
    await session.commit()
    path = links.rsvp_path(invitation.id, RsvpResponse.NO)

    page = await client.get(path)
    assert page.status_code == 200
    # Marie reads French: the page is in her language, the time in the meeting's zone.
    assert '<html lang="fr">' in page.text
    assert "Bonjour Marie," in page.text
    assert "10:00\u201312:00 (heure de Paris)" in page.text
    assert "Merci de confirmer votre réponse : <strong>Non, je ne peux pas venir</strong>" in (
        page.text
    )
    # Following the link (as a mail scanner does) records nothing.
    assert (await invitation_of(session, meeting.id, scene.marie.id)).response is None

    token = links.rsvp_token(invitation.id)
    done = await client.post(f"/meetings/rsvp/{token}", data={"response": "NO"})
    assert done.status_code == 200
    assert "Votre réponse est enregistrée : <strong>Non, je ne peux pas venir</strong>." in (
        done.text
    )
    recorded = await invitation_of(session, meeting.id, scene.marie.id)
    assert recorded.response is RsvpResponse.NO
    assert [row for row in await planned(session, meeting.id) if row[0].startswith("marie")] == [
        ("marie@anglesey.example", 1440, "SKIPPED"),
        ("marie@anglesey.example", 10080, "SKIPPED"),
    ]
    again = await client.get(links.rsvp_path(invitation.id))
    assert "Votre réponse actuelle : <strong>Non, je ne peux pas venir</strong>" in again.text


async def test_a_forged_or_altered_link_is_not_found_and_records_nothing(
    client: httpx.AsyncClient, scene: Scene, session: AsyncSession
) -> None:
    meeting = await schedule(session, scene.cohort, starts_at=upcoming(days=30))
    invitation = await invitation_of(session, meeting.id, scene.marie.id)
    await session.commit()
    token = links.rsvp_token(invitation.id)
    value, _, signature = token.partition(".")
    other = await invitation_of(session, meeting.id, scene.tom.id)
    forged = [
        f"{other.id.hex}.{signature}",  # someone else's invitation with Marie's signature
        f"{value}.{signature[:-1]}A" if signature[-1] != "A" else f"{value}.{signature[:-1]}B",
        value,
        "nonsense",
    ]
    before = await snapshot(session)
    for bad in forged:
        page = await client.get(f"/meetings/rsvp/{bad}")
        assert (bad, page.status_code) == (bad, 404)
        posted = await client.post(f"/meetings/rsvp/{bad}", data={"response": "YES"})
        assert (bad, posted.status_code) == (bad, 404)
    assert await snapshot(session) == before


async def test_the_ics_link_serves_the_meeting_and_refuses_a_bad_signature(
    gql: GraphQL, client: httpx.AsyncClient, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    meeting = await schedule(session, scene.cohort, starts_at=upcoming(days=30))
    token = (await tokens(make, scene))["partner"]
    result = await gql(
        "query($id: ID!) { networkMeeting(id: $id) { icsUrl } }",
        {"id": gid("NetworkMeeting", meeting)},
        token=token,
    )
    url = result["data"]["networkMeeting"]["icsUrl"]
    assert (
        url
        == f"http://testserver/meetings/{meeting.id}/invite.ics?sig={links.ics_signature(meeting.id)}"
    )
    response = await client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "METHOD:PUBLISH\r\n" in response.text
    assert f"UID:{links.calendar_uid(meeting.id)}\r\n" in response.text
    assert "X-WR-TIMEZONE:Europe/Paris\r\n" in response.text
    forged = await client.get(f"/meetings/{meeting.id}/invite.ics?sig=AAAA")
    assert forged.status_code == 404


async def test_the_rsvp_page_speaks_each_invitees_language(
    client: httpx.AsyncClient, scene: Scene, session: AsyncSession
) -> None:
    meeting = await schedule(session, scene.cohort, starts_at=upcoming(days=30))
    sian = await invitation_of(session, meeting.id, scene.sian.id)
    tom = await invitation_of(session, meeting.id, scene.tom.id)
    await session.commit()

    welsh = await client.get(links.rsvp_path(sian.id, RsvpResponse.YES))
    assert '<html lang="cy">' in welsh.text
    assert "Annwyl Siân," in welsh.text
    assert "Cadarnhewch eich ateb: <strong>Byddaf, fe ddof i</strong>" in welsh.text
    english = await client.get(links.rsvp_path(tom.id))
    assert '<html lang="en">' in english.text
    assert "Dear Tom," in english.text and "Can you come?" in english.text

    missing = await client.post(f"/meetings/rsvp/{links.rsvp_token(sian.id)}", data={})
    assert missing.status_code == 400
    assert "Dewiswch Byddaf, Na neu Efallai." in missing.text
    assert (await invitation_of(session, meeting.id, scene.sian.id)).response is None
    unknown = await client.get("/meetings/rsvp/nonsense")
    assert unknown.status_code == 404
    assert "This link is not valid" in unknown.text
