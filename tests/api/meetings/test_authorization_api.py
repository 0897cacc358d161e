"""Who may schedule, change, answer and see which meetings; denied calls change nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from network.kit.enums import Network, Role
from network.kit.ids import to_global_id
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import snapshot
from tests.support.meetings import RSVP, SCHEDULE, Scene, schedule, schedule_input, tokens, upcoming

RESCHEDULE = """
mutation($input: RescheduleNetworkMeetingInput!) {
  rescheduleNetworkMeeting(input: $input) { meeting { title } userErrors { field code message } }
}"""
CANCEL = """
mutation($input: CancelNetworkMeetingInput!) {
  cancelNetworkMeeting(input: $input) { meeting { status } userErrors { field code message } }
}"""
NODE = "query($id: ID!) { node(id: $id) { id } }"
ONE = "query($id: ID!) { networkMeeting(id: $id) { title } }"
LIST = "{ networkMeetings(first: 10) { totalCount edges { node { title networkWide } } } }"

NOT_FOUND_MEETING = [
    {"field": "meetingId", "code": "NOT_FOUND", "message": "No meeting with this id."}
]


def random_meeting_id() -> str:
    return to_global_id("NetworkMeeting", uuid.uuid4())


async def test_another_partner_gets_the_answer_a_random_id_gets_and_nothing_is_written(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    meeting = await schedule(session, scene.cohort, starts_at=upcoming(days=30))
    other = (await tokens(make, scene))["other"]
    mine = gid("NetworkMeeting", meeting)
    before = await snapshot(session)
    calls: list[tuple[str, str, dict[str, Any]]] = [
        (RESCHEDULE, "rescheduleNetworkMeeting", {"title": "Taken over"}),
        (CANCEL, "cancelNetworkMeeting", {"reason": "Because"}),
        (RSVP, "rsvp", {"contactId": gid("Contact", scene.tom), "response": "NO"}),
    ]
    for query, name, extra in calls:
        theirs = await gql(query, {"input": {"meetingId": mine, **extra}}, token=other)
        nobody = await gql(
            query, {"input": {"meetingId": random_meeting_id(), **extra}}, token=other
        )
        assert theirs == nobody
        payload = theirs["data"][name]
        assert payload["userErrors"] == NOT_FOUND_MEETING
    for query in (NODE, ONE):
        assert await gql(query, {"id": mine}, token=other) == await gql(
            query, {"id": random_meeting_id()}, token=other
        )
    assert (await gql(ONE, {"id": mine}, token=other))["data"] == {"networkMeeting": None}
    assert (await gql(LIST, token=other))["data"] == {
        "networkMeetings": {"totalCount": 0, "edges": []}
    }
    assert await snapshot(session) == before


async def test_another_partner_cannot_schedule_for_a_cohort_it_does_not_run(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    other = (await tokens(make, scene))["other"]
    before = await snapshot(session)
    theirs = await gql(SCHEDULE, {"input": schedule_input(scene)}, token=other)
    nobody = await gql(
        SCHEDULE,
        {"input": schedule_input(scene, cohortId=to_global_id("Cohort", uuid.uuid4()))},
        token=other,
    )
    assert (
        theirs
        == nobody
        == {
            "data": {
                "scheduleNetworkMeeting": {
                    "meeting": None,
                    "userErrors": [
                        {
                            "field": "cohortId",
                            "code": "NOT_FOUND",
                            "message": "No cohort with this id.",
                        }
                    ],
                }
            }
        }
    )
    assert await snapshot(session) == before


async def test_network_wide_meetings_are_staff_business(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    keys = await tokens(make, scene)
    before = await snapshot(session)
    wide = schedule_input(scene, cohortId=None, network="CITIZEN_POWERED_COUNCIL")
    result = await gql(SCHEDULE, {"input": wide}, token=keys["partner"])
    assert result["data"]["scheduleNetworkMeeting"] == {
        "meeting": None,
        "userErrors": [
            {"field": "network", "code": "FORBIDDEN", "message": "Only network staff may do this."}
        ],
    }
    assert await snapshot(session) == before
    await schedule(session, None, network=Network.CITIZEN_POWERED_COUNCIL, starts_at=upcoming(9))
    await schedule(session, scene.cohort, starts_at=upcoming(days=10), title="Cohort meeting")
    # A partner sees its cohorts' meetings, not the network-wide ones (their invitee lists span
    # every partner's members); staff see both.
    assert (await gql(LIST, token=keys["partner"]))["data"]["networkMeetings"] == {
        "totalCount": 1,
        "edges": [{"node": {"title": "Cohort meeting", "networkWide": False}}],
    }
    assert (await gql(LIST, token=keys["staff"]))["data"]["networkMeetings"] == {
        "totalCount": 2,
        "edges": [
            {"node": {"title": "Focus It network meeting", "networkWide": True}},
            {"node": {"title": "Cohort meeting", "networkWide": False}},
        ],
    }


async def test_a_member_user_sees_its_meetings_answers_for_itself_and_changes_nothing_else(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    meeting = await schedule(session, scene.cohort, starts_at=upcoming(days=30))
    token = await make.token(Role.MEMBER, contact=scene.tom)
    mine = gid("NetworkMeeting", meeting)
    listed = await gql(
        "{ networkMeetings { edges { node { title invitations { totalCount edges { node "
        "{ contact { email } } } } } } } }",
        token=token,
    )
    assert listed["data"]["networkMeetings"]["edges"] == [
        {
            "node": {
                "title": "Focus It network meeting",
                "invitations": {
                    "totalCount": 1,
                    "edges": [{"node": {"contact": {"email": "tom@powys.example"}}}],
                },
            }
        }
    ]
    answer = {"meetingId": mine, "contactId": gid("Contact", scene.tom), "response": "YES"}
    result = await gql(RSVP, {"input": answer}, token=token)
    assert result["data"]["rsvp"] == {"invitation": {"response": "YES"}, "userErrors": []}
    for_someone_else = {**answer, "contactId": gid("Contact", scene.sian)}
    before = await snapshot(session)
    result = await gql(RSVP, {"input": for_someone_else}, token=token)
    assert result["data"]["rsvp"]["userErrors"] == [
        {
            "field": "contactId",
            "code": "NOT_INVITED",
            "message": "This contact is not invited to the meeting.",
        }
    ]
    result = await gql(CANCEL, {"input": {"meetingId": mine}}, token=token)
    assert result["data"]["cancelNetworkMeeting"]["userErrors"] == [
        {
            "field": "meetingId",
            "code": "FORBIDDEN",
            "message": "Only network staff and partners may do this.",
        }
    ]
    assert await snapshot(session) == before


@pytest.mark.parametrize("query", [SCHEDULE, RSVP, LIST])
async def test_no_token_no_data(gql: GraphQL, scene: Scene, query: str) -> None:
    variables: dict[str, Any] = {}
    if query == SCHEDULE:
        variables = {"input": schedule_input(scene)}
    elif query == RSVP:
        variables = {
            "input": {
                "meetingId": random_meeting_id(),
                "contactId": gid("Contact", scene.tom),
                "response": "YES",
            }
        }
    result = await gql(query, variables)
    assert result["data"] is None
    assert [e["extensions"]["code"] for e in result["errors"]] == ["UNAUTHENTICATED"]


async def test_bad_input_is_a_user_error_and_writes_nothing(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    token = (await tokens(make, scene))["staff"]
    before = await snapshot(session)
    past = upcoming(days=-1)
    cases: list[tuple[dict[str, object], list[tuple[str, str]]]] = [
        ({"timeZone": "Europe/Atlantis"}, [("timeZone", "UNKNOWN_TIME_ZONE")]),
        ({"timeZone": "../../etc/passwd"}, [("timeZone", "UNKNOWN_TIME_ZONE")]),
        (
            {"startsAt": past.isoformat(), "endsAt": (past + timedelta(hours=1)).isoformat()},
            [("startsAt", "IN_PAST")],
        ),
        ({"endsAt": upcoming(days=29).isoformat()}, [("endsAt", "BEFORE_START")]),
        ({"onlineUrl": "javascript:alert(1)"}, [("onlineUrl", "INVALID_URL")]),
        ({"title": "   "}, [("title", "BLANK")]),
        ({"reminderOffsetsMinutes": [0, 1440]}, [("reminderOffsetsMinutes", "INVALID_OFFSET")]),
        ({"cohortId": None}, [("cohortId", "REQUIRED")]),
        ({"cohortId": "not-an-id"}, [("cohortId", "NOT_FOUND")]),
        (
            {"network": "CITIZEN_POWERED_CITY"},
            [("network", "WRONG_NETWORK")],
        ),
        (
            {"contactIds": [gid("Contact", scene.stranger)]},
            [("contactIds", "NOT_IN_AUDIENCE")],
        ),
        ({"contactIds": [gid("Contact", scene.opted_out)]}, [("contactIds", "OPTED_OUT")]),
        ({"contactIds": [gid("Contact", scene.archived)]}, [("contactIds", "ARCHIVED")]),
        ({"contactIds": ["nonsense"]}, [("contactIds", "NOT_FOUND")]),
    ]
    for overrides, expected in cases:
        result = await gql(SCHEDULE, {"input": schedule_input(scene, **overrides)}, token=token)
        payload = result["data"]["scheduleNetworkMeeting"]
        assert (overrides, [(e["field"], e["code"]) for e in payload["userErrors"]]) == (
            overrides,
            expected,
        )
        assert payload["meeting"] is None
    assert await snapshot(session) == before
