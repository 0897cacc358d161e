"""Scheduling network meetings through GraphQL: who is invited, what they get, who may do it."""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.meetings import links
from network.meetings.models import NetworkMeeting
from network.messaging.rendering import Renderer
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.meetings import (
    SCHEDULE,
    Scene,
    attachments,
    outbox,
    planned,
    schedule_input,
    tokens,
    upcoming,
)


async def test_partner_schedules_a_cohort_meeting_and_its_people_are_invited(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession, renderer: Renderer
) -> None:
    token = (await tokens(make, scene))["partner"]
    data = schedule_input(scene)
    result = await gql(SCHEDULE, {"input": data}, token=token)
    starts = upcoming(days=30)
    assert result == {
        "data": {
            "scheduleNetworkMeeting": {
                "meeting": {
                    "title": "Focus It network meeting",
                    "afterStep": "FOCUS_IT",
                    "network": "CITIZEN_POWERED_COUNCIL",
                    "networkWide": False,
                    "startsAt": starts.astimezone(UTC).isoformat(),
                    "endsAt": (starts + timedelta(hours=2)).astimezone(UTC).isoformat(),
                    "timeZone": "Europe/Paris",
                    "localStartsAt": starts.isoformat(),
                    "venue": "Neuadd y Sir, Llandrindod",
                    "onlineUrl": "https://meet.example/focus-it",
                    "agenda": "1. Welcome\n2. What we learnt",
                    "reminderOffsetsMinutes": [10080, 1440],
                    "status": "SCHEDULED",
                    "sequence": 0,
                    "cohort": {"name": "Wales cohort 1"},
                    "invitations": {
                        "totalCount": 3,
                        "edges": [
                            {
                                "node": {
                                    "contact": {"email": "marie@anglesey.example"},
                                    "response": None,
                                }
                            },
                            {"node": {"contact": {"email": "tom@powys.example"}, "response": None}},
                            {
                                "node": {
                                    "contact": {"email": "sian@powys.example"},
                                    "response": None,
                                }
                            },
                        ],
                    },
                    "responseCounts": {"yes": 0, "no": 0, "maybe": 0, "noResponse": 3},
                },
                "userErrors": [],
            }
        }
    }
    meeting = (await session.scalars(select(NetworkMeeting))).one()
    sent = await outbox(session)
    assert [(m.template, m.to_email, m.language, m.kind, m.dedup_key) for m in sent] == [
        (
            "meeting_invitation",
            "marie@anglesey.example",
            "fr",
            "programme",
            f"meeting-invitation:{meeting.id}:{scene.marie.id}",
        ),
        (
            "meeting_invitation",
            "sian@powys.example",
            "cy",
            "programme",
            f"meeting-invitation:{meeting.id}:{scene.sian.id}",
        ),
        (
            "meeting_invitation",
            "tom@powys.example",
            "en",
            "programme",
            f"meeting-invitation:{meeting.id}:{scene.tom.id}",
        ),
    ]
    files = await attachments(session, sent[2].id)
    assert [(f.filename, f.content_type) for f in files] == [
        ("invite.ics", "text/calendar; method=REQUEST; charset=utf-8")
    ]
    ics = files[0].content.decode()
    assert "METHOD:REQUEST\r\n" in ics
    assert f"UID:{links.calendar_uid(meeting.id)}\r\n" in ics
    assert "SEQUENCE:0\r\n" in ics
    assert "ATTENDEE;CN=Tom Evans;ROLE=REQ-PARTICIPANT" in ics

    english = renderer.render(sent[2].template, sent[2].language, sent[2].context)
    assert english.subject == (f"Invitation: Focus It network meeting, {sent[2].context['date']}")
    assert f"When: {sent[2].context['date']}, 10:00\u201312:00 (Paris time)" in english.text
    welsh = renderer.render(sent[1].template, sent[1].language, sent[1].context)
    assert welsh.languages == ("cy", "en")
    assert welsh.text.index("Annwyl Siân") < welsh.text.index("Dear Siân")
    assert "10:00\u201312:00 (amser Paris)" in welsh.text
    assert "10:00\u201312:00 (Paris time)" in welsh.text

    assert await planned(session, meeting.id) == [
        ("marie@anglesey.example", 1440, "PLANNED"),
        ("marie@anglesey.example", 10080, "PLANNED"),
        ("sian@powys.example", 1440, "PLANNED"),
        ("sian@powys.example", 10080, "PLANNED"),
        ("tom@powys.example", 1440, "PLANNED"),
        ("tom@powys.example", 10080, "PLANNED"),
    ]


async def test_the_partner_reschedules_then_cancels_through_graphql(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    token = (await tokens(make, scene))["partner"]
    created = await gql(SCHEDULE, {"input": schedule_input(scene)}, token=token)
    assert created["data"]["scheduleNetworkMeeting"]["userErrors"] == []
    meeting = (await session.scalars(select(NetworkMeeting))).one()
    later = upcoming(days=31, hour=14)
    moved = await gql(
        """mutation($input: RescheduleNetworkMeetingInput!) {
             rescheduleNetworkMeeting(input: $input) {
               meeting { localStartsAt localEndsAt sequence venue
                         reminders { offsetMinutes status count } }
               userErrors { field code message } } }""",
        {
            "input": {
                "meetingId": gid("NetworkMeeting", meeting),
                # Without an offset: read in the meeting's zone (Europe/Paris).
                "startsAt": later.replace(tzinfo=None).isoformat(),
                "venue": "Online only",
            }
        },
        token=token,
    )
    payload = moved["data"]["rescheduleNetworkMeeting"]
    assert payload["userErrors"] == []
    assert payload["meeting"]["localStartsAt"] == later.isoformat()
    assert payload["meeting"]["localEndsAt"] == (later + timedelta(hours=2)).isoformat()
    assert payload["meeting"]["sequence"] == 1
    assert payload["meeting"]["venue"] == "Online only"
    assert {
        (r["offsetMinutes"], r["status"], r["count"]) for r in payload["meeting"]["reminders"]
    } == {
        (1440, "PLANNED", 3),
        (10080, "PLANNED", 3),
        (1440, "SUPERSEDED", 3),
        (10080, "SUPERSEDED", 3),
    }
    cancelled = await gql(
        """mutation($input: CancelNetworkMeetingInput!) {
             cancelNetworkMeeting(input: $input) {
               meeting { status sequence cancellationReason } userErrors { code } } }""",
        {"input": {"meetingId": gid("NetworkMeeting", meeting), "reason": "Storm warning"}},
        token=token,
    )
    assert cancelled["data"]["cancelNetworkMeeting"] == {
        "meeting": {"status": "CANCELLED", "sequence": 2, "cancellationReason": "Storm warning"},
        "userErrors": [],
    }
    again = await gql(
        """mutation($input: CancelNetworkMeetingInput!) {
             cancelNetworkMeeting(input: $input) { meeting { status } userErrors { code } } }""",
        {"input": {"meetingId": gid("NetworkMeeting", meeting)}},
        token=token,
    )
    assert again["data"]["cancelNetworkMeeting"] == {
        "meeting": None,
        "userErrors": [{"code": "CANCELLED"}],
    }
    assert [m.template for m in await outbox(session, "meeting_update")] == ["meeting_update"] * 3
    assert len(await outbox(session, "meeting_cancellation")) == 3


async def test_a_partner_narrows_the_list_and_only_those_chosen_are_invited(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    token = (await tokens(make, scene))["partner"]
    chosen = [gid("Contact", scene.marie), gid("Contact", scene.tom)]
    result = await gql(SCHEDULE, {"input": schedule_input(scene, contactIds=chosen)}, token=token)
    meeting = result["data"]["scheduleNetworkMeeting"]["meeting"]
    assert meeting["invitations"] == {
        "totalCount": 2,
        "edges": [
            {"node": {"contact": {"email": "marie@anglesey.example"}, "response": None}},
            {"node": {"contact": {"email": "tom@powys.example"}, "response": None}},
        ],
    }
    assert [m.to_email for m in await outbox(session, "meeting_invitation")] == [
        "marie@anglesey.example",
        "tom@powys.example",
    ]


async def test_a_network_wide_meeting_invites_every_active_member_of_the_network(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    from network.auth.principal import SYSTEM
    from network.kit.enums import MembershipStatus, Network
    from network.members import service as members

    lapsed = await make.member("Lapsed council")
    await members.update_member(
        session, SYSTEM, lapsed.id, membership_status=MembershipStatus.LAPSED
    )
    await make.contact(lapsed, "former@lapsed.example")
    city = await make.member("City of Mannheim", network=Network.CITIZEN_POWERED_CITY, country="DE")
    await make.contact(city, "stadt@mannheim.example", language="de")
    token = (await tokens(make, scene))["staff"]
    wide = schedule_input(scene, cohortId=None, network="CITIZEN_POWERED_COUNCIL")
    result = await gql(SCHEDULE, {"input": wide}, token=token)
    meeting = result["data"]["scheduleNetworkMeeting"]["meeting"]
    assert (meeting["networkWide"], meeting["cohort"]) == (True, None)
    emails = sorted(e["node"]["contact"]["email"] for e in meeting["invitations"]["edges"])
    assert emails == [
        "marie@anglesey.example",
        "sian@powys.example",
        "someone@kent.example",
        "tom@powys.example",
    ]
