"""Reading meetings: filters, pages, node(), the cohort's progress next to its meetings, costs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import SYSTEM
from network.kit.enums import Role
from network.meetings import repository
from network.meetings import service as meetings
from tests.support.app import GraphQL
from tests.support.database import StatementCounter
from tests.support.factories import Factory, gid
from tests.support.meetings import Scene, outbox, planned, schedule, tokens, upcoming

MEETINGS = """
query($first: Int, $after: String, $filter: NetworkMeetingFilter) {
  networkMeetings(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { title startsAt } }
  }
}"""


async def test_meetings_are_listed_by_start_and_filtered_by_cohort_and_time(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    other = await make.cohort("Second cohort", partner=scene.partner, members=[scene.powys])
    await schedule(session, scene.cohort, starts_at=upcoming(days=10), title="A")
    second = await schedule(session, other, starts_at=upcoming(days=20), title="B")
    third = await schedule(session, scene.cohort, starts_at=upcoming(days=30), title="C")
    token = (await tokens(make, scene))["partner"]

    page = await gql(MEETINGS, {"first": 2}, token=token)
    listing = page["data"]["networkMeetings"]
    assert listing["totalCount"] == 3
    assert [e["node"]["title"] for e in listing["edges"]] == ["A", "B"]
    assert listing["pageInfo"]["hasNextPage"] is True
    rest = await gql(MEETINGS, {"first": 2, "after": listing["pageInfo"]["endCursor"]}, token=token)
    assert [e["node"]["title"] for e in rest["data"]["networkMeetings"]["edges"]] == ["C"]

    of_cohort = await gql(
        MEETINGS, {"filter": {"cohortId": gid("Cohort", scene.cohort)}}, token=token
    )
    assert [e["node"]["title"] for e in of_cohort["data"]["networkMeetings"]["edges"]] == [
        "A",
        "C",
    ]
    window = {
        "from": second.starts_at.isoformat(),
        "to": third.starts_at.isoformat(),
    }
    between = await gql(MEETINGS, {"filter": window}, token=token)
    assert between["data"]["networkMeetings"] == {
        "totalCount": 1,
        "pageInfo": {
            "hasNextPage": False,
            "endCursor": between["data"]["networkMeetings"]["pageInfo"]["endCursor"],
        },
        "edges": [
            {"node": {"title": "B", "startsAt": second.starts_at.astimezone(UTC).isoformat()}}
        ],
    }


async def test_node_resolves_meetings_and_invitations_for_those_who_may_see_them(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    meeting = await schedule(session, scene.cohort, starts_at=upcoming(days=10))
    rows = await repository.list_invitations(session, SYSTEM, meeting.id, first=10, after=None)
    marie = next(r for r in rows.rows if r.contact_id == scene.marie.id)
    keys = await tokens(make, scene)
    query = """
    query($m: ID!, $i: ID!) {
      m: node(id: $m) { ... on NetworkMeeting { title } }
      i: node(id: $i) { ... on MeetingInvitation { response contact { email } meeting { title } } }
    }"""
    ids = {"m": gid("NetworkMeeting", meeting), "i": gid("MeetingInvitation", marie)}
    assert (await gql(query, ids, token=keys["partner"]))["data"] == {
        "m": {"title": "Focus It network meeting"},
        "i": {
            "response": None,
            "contact": {"email": "marie@anglesey.example"},
            "meeting": {"title": "Focus It network meeting"},
        },
    }
    assert (await gql(query, ids, token=keys["other"]))["data"] == {"m": None, "i": None}
    # A member user sees its own invitation, not a colleague's.
    tom = await make.token(Role.MEMBER, contact=scene.tom)
    assert (await gql(query, ids, token=tom))["data"] == {
        "m": {"title": "Focus It network meeting"},
        "i": None,
    }


async def test_invitations_and_reminders_of_a_page_of_meetings_cost_a_fixed_number_of_statements(
    gql: GraphQL,
    make: Factory,
    scene: Scene,
    session: AsyncSession,
    count_statements: Callable[[], StatementCounter],
) -> None:
    token = (await tokens(make, scene))["staff"]
    await gql("{ viewer { email } }", token=token)  # records the token's use, once a minute
    query = """
    { networkMeetings(first: 50) { totalCount edges { node {
        title cohort { name }
        responseCounts { yes no maybe noResponse }
        reminders { offsetMinutes status count }
        invitations(first: 50) { totalCount edges { node {
          response contact { email } reminders { offsetMinutes status } } } } } } } }"""

    async def cost(meeting_count: int) -> int:
        for n in range(meeting_count):
            await schedule(session, scene.cohort, starts_at=upcoming(days=10 + n))
        await session.commit()
        counter = count_statements()
        counter.reset()
        result = await gql(query, token=token)
        assert "errors" not in result
        edges = result["data"]["networkMeetings"]["edges"]
        assert all(e["node"]["invitations"]["totalCount"] == 3 for e in edges)
        statements = counter.count
        counter.reset()
        return statements

    two = await cost(2)
    twelve = await cost(10)
    assert two == twelve


async def test_a_member_joining_the_cohort_later_is_invited_to_its_upcoming_meetings(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    past_soon = await schedule(session, scene.cohort, starts_at=upcoming(days=2), title="Soon")
    later = await schedule(session, scene.cohort, starts_at=upcoming(days=20), title="Later")
    await meetings.cancel_meeting(session, SYSTEM, past_soon.id)
    newcomer = await make.member("Powys Teaching Health Board", partner=scene.partner)
    glyn = await make.contact(newcomer, "glyn@health.example", first_name="Glyn", language="cy")
    token = (await tokens(make, scene))["partner"]
    result = await gql(
        """mutation($input: CohortMemberInput!) {
             addCohortMember(input: $input) { cohort { name } userErrors { code } } }""",
        {"input": {"cohortId": gid("Cohort", scene.cohort), "memberId": gid("Member", newcomer)}},
        token=token,
    )
    assert result["data"]["addCohortMember"] == {
        "cohort": {"name": "Wales cohort 1"},
        "userErrors": [],
    }
    invited = await repository.list_invitations(session, SYSTEM, later.id, first=10, after=None)
    assert sorted(r.email for r in invited.rows) == [
        "glyn@health.example",
        "marie@anglesey.example",
        "sian@powys.example",
        "tom@powys.example",
    ]
    cancelled = await repository.list_invitations(
        session, SYSTEM, past_soon.id, first=10, after=None
    )
    assert "glyn@health.example" not in [r.email for r in cancelled.rows]
    assert [
        (m.to_email, m.dedup_key)
        for m in await outbox(session, "meeting_invitation")
        if m.to_email == "glyn@health.example"
    ] == [("glyn@health.example", f"meeting-invitation:{later.id}:{glyn.id}")]
    glyns = [row for row in await planned(session, later.id) if row[0] == "glyn@health.example"]
    assert glyns == [
        ("glyn@health.example", 1440, "PLANNED"),
        ("glyn@health.example", 10080, "PLANNED"),
    ]
