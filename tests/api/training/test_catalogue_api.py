"""The catalogue and the session list: courses, filters, node(id:), who may do what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from network.kit.enums import Role
from network.kit.ids import to_global_id
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import error_codes, snapshot
from tests.support.training import TrainingFactory

CREATE_COURSE = """
mutation($input: CreateCourseInput!) {
  createCourse(input: $input) {
    course { title format cpdHours cpdCertified description }
    userErrors { field code message }
  }
}"""

SESSIONS = """
query($first: Int, $after: String, $filter: TrainingSessionFilter) {
  trainingSessions(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { language seatsLeft course { title } } }
  }
}"""


async def test_staff_keep_the_catalogue(gql: GraphQL, make: Factory, session: AsyncSession) -> None:
    token = await make.token(Role.STAFF)
    created = await gql(
        CREATE_COURSE,
        {
            "input": {
                "title": "Outcome-Based Commissioning",
                "format": "ONE_DAY",
                "cpdHours": 6.5,
                "cpdCertified": True,
                "description": "  Commissioning for outcomes.  ",
            }
        },
        token=token,
    )
    assert created["data"]["createCourse"] == {
        "course": {
            "title": "Outcome-Based Commissioning",
            "format": "ONE_DAY",
            "cpdHours": 6.5,
            "cpdCertified": True,
            "description": "Commissioning for outcomes.",
        },
        "userErrors": [],
    }
    before = await snapshot(session)
    bad = await gql(
        CREATE_COURSE,
        {"input": {"title": " ", "format": "HALF_DAY", "cpdHours": 3.25, "cpdCertified": True}},
        token=token,
    )
    assert error_codes(bad["data"]["createCourse"]) == [
        ("title", "BLANK"),
        ("cpdHours", "TOO_PRECISE"),
    ]
    no_hours = await gql(
        CREATE_COURSE,
        {"input": {"title": "Star", "format": "HALF_DAY", "cpdHours": 0, "cpdCertified": True}},
        token=token,
    )
    assert error_codes(no_hours["data"]["createCourse"]) == [("cpdHours", "CPD_HOURS_REQUIRED")]
    assert await snapshot(session) == before
    listed = await gql(
        """query { courses(filter: {cpdCertified: true, search: "outcome"}) {
             totalCount edges { node { title } } } }""",
        token=token,
    )
    assert listed["data"]["courses"] == {
        "totalCount": 1,
        "edges": [{"node": {"title": "Outcome-Based Commissioning"}}],
    }
    course_id = (await gql("query { courses { edges { node { id } } } }", token=token))["data"][
        "courses"
    ]["edges"][0]["node"]["id"]
    updated = await gql(
        """mutation($input: UpdateCourseInput!) {
             updateCourse(input: $input) {
               course { title cpdHours format } userErrors { code } } }""",
        {"input": {"id": course_id, "format": "TWO_DAY", "cpdHours": 12}},
        token=token,
    )
    assert updated["data"]["updateCourse"] == {
        "course": {"title": "Outcome-Based Commissioning", "cpdHours": 12.0, "format": "TWO_DAY"},
        "userErrors": [],
    }


async def test_partners_and_members_may_not_change_the_catalogue_or_schedule(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    partner = await make.partner()
    token = await make.token(Role.PARTNER, partner=partner)
    course = await train.course()
    course_session = await train.session_of(course)
    await session.flush()
    before = await snapshot(session)
    denied = await gql(
        CREATE_COURSE,
        {"input": {"title": "Ours", "format": "HALF_DAY", "cpdHours": 3, "cpdCertified": False}},
        token=token,
    )
    assert error_codes(denied["data"]["createCourse"]) == [("title", "FORBIDDEN")]
    schedule = await gql(
        """mutation($input: CreateTrainingSessionInput!) {
             createTrainingSession(input: $input) {
               trainingSession { id } userErrors { field code } } }""",
        {
            "input": {
                "courseId": gid("Course", course),
                "startsAt": "2027-05-10T09:00:00",
                "endsAt": "2027-05-10T12:00:00",
                "timeZone": "Europe/Paris",
                "language": "fr",
                "capacity": 10,
                "venue": "Strasbourg",
            }
        },
        token=token,
    )
    assert schedule["data"]["createTrainingSession"] == {
        "trainingSession": None,
        "userErrors": [{"field": "courseId", "code": "FORBIDDEN"}],
    }
    change = await gql(
        """mutation($input: UpdateTrainingSessionInput!) {
             updateTrainingSession(input: $input) { userErrors { field code } } }""",
        {"input": {"id": gid("TrainingSession", course_session), "capacity": 100}},
        token=token,
    )
    assert change["data"]["updateTrainingSession"]["userErrors"] == [
        {"field": "id", "code": "FORBIDDEN"}
    ]
    assert await snapshot(session) == before
    anonymous = await gql("query { trainingSessions { totalCount } }")
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_session_list_filters_and_pages(
    gql: GraphQL, make: Factory, train: TrainingFactory
) -> None:
    star = await train.course("Co-Production Star training")
    obc = await train.course("Outcome-Based Commissioning")
    base = datetime(2027, 4, 5, 8, 0, tzinfo=UTC)
    first = await train.session_of(star, starts_at=base, capacity=1)
    await train.session_of(star, starts_at=base + timedelta(days=7), language="cy")
    await train.session_of(obc, starts_at=base + timedelta(days=14), language="fr")
    await train.session_of(obc, starts_at=base + timedelta(days=60))
    await train.book(first, await make.contact(await make.member()))
    token = await make.token(Role.STAFF)

    page = await gql(
        SESSIONS, {"first": 2, "filter": {"from": "2027-04-01T00:00:00Z"}}, token=token
    )
    listed = page["data"]["trainingSessions"]
    assert listed["totalCount"] == 4
    assert [e["node"]["language"] for e in listed["edges"]] == ["en", "cy"]
    assert [e["node"]["seatsLeft"] for e in listed["edges"]] == [0, 10]
    rest = await gql(
        SESSIONS,
        {
            "first": 2,
            "after": listed["pageInfo"]["endCursor"],
            "filter": {"from": "2027-04-01T00:00:00Z"},
        },
        token=token,
    )
    assert [e["node"]["language"] for e in rest["data"]["trainingSessions"]["edges"]] == [
        "fr",
        "en",
    ]
    assert rest["data"]["trainingSessions"]["pageInfo"]["hasNextPage"] is False

    async def languages(filter: dict[str, object]) -> list[str]:
        result = await gql(SESSIONS, {"filter": filter}, token=token)
        return [e["node"]["language"] for e in result["data"]["trainingSessions"]["edges"]]

    window = {"from": "2027-04-01T00:00:00Z", "to": "2027-05-01T00:00:00Z"}
    assert await languages(window) == ["en", "cy", "fr"]
    assert await languages({**window, "hasSeats": True}) == ["cy", "fr"]
    assert await languages({**window, "hasSeats": False}) == ["en"]
    assert await languages({**window, "courseId": gid("Course", obc)}) == ["fr"]
    assert await languages({**window, "language": "CY"}) == ["cy"]
    bad = await gql(SESSIONS, {"filter": {"courseId": "nope"}}, token=token)
    assert bad["errors"][0]["extensions"] == {"code": "INVALID_ID", "field": "filter.courseId"}


async def test_reserved_sessions_are_seen_and_booked_only_by_those_they_are_for(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    wales = await make.partner("wales")
    france = await make.partner("france")
    anglesey = await make.member("Isle of Anglesey County Council", partner=wales)
    powys = await make.member("Powys County Council", partner=wales)
    cohort = await make.cohort("Wales cohort 1", partner=wales, members=[anglesey])
    in_house = await train.session_of(reserved_member_id=powys.id, capacity=5)
    for_cohort = await train.session_of(reserved_cohort_id=cohort.id, capacity=5)
    open_to_all = await train.session_of(capacity=5)
    wales_token = await make.token(Role.PARTNER, partner=wales)
    france_token = await make.token(Role.PARTNER, partner=france)

    async def visible(token: str) -> set[str]:
        result = await gql(
            "query { trainingSessions(first: 50) { edges { node { id } } } }", token=token
        )
        return {e["node"]["id"] for e in result["data"]["trainingSessions"]["edges"]}

    ids = {
        name: gid("TrainingSession", s)
        for name, s in (("in_house", in_house), ("cohort", for_cohort), ("open", open_to_all))
    }
    assert await visible(wales_token) >= set(ids.values())
    assert ids["open"] in await visible(france_token)
    assert ids["in_house"] not in await visible(france_token)
    assert ids["cohort"] not in await visible(france_token)
    hidden = await gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": ids["in_house"]}, token=france_token
    )
    assert hidden == {"data": {"node": None}}

    book = """mutation($input: BookTrainingInput!) {
                bookTraining(input: $input) { booking { status } userErrors { field code } } }"""
    person = await make.contact(anglesey)
    wrong_member = await gql(
        book,
        {"input": {"sessionId": ids["in_house"], "contactId": gid("Contact", person)}},
        token=wales_token,
    )
    assert wrong_member["data"]["bookTraining"]["userErrors"] == [
        {"field": "contactId", "code": "NOT_ELIGIBLE"}
    ]
    in_cohort = await gql(
        book,
        {"input": {"sessionId": ids["cohort"], "contactId": gid("Contact", person)}},
        token=wales_token,
    )
    assert in_cohort["data"]["bookTraining"] == {
        "booking": {"status": "CONFIRMED"},
        "userErrors": [],
    }
    # France cannot reach the reserved session at all: it reads as one that does not exist.
    french = await make.contact(await make.member("Ville de Nantes", partner=france, country="FR"))
    unseen = await gql(
        book,
        {"input": {"sessionId": ids["in_house"], "contactId": gid("Contact", french)}},
        token=france_token,
    )
    assert unseen["data"]["bookTraining"]["userErrors"] == [
        {"field": "sessionId", "code": "NOT_FOUND"}
    ]


async def test_node_resolves_courses_sessions_and_bookings(
    gql: GraphQL, make: Factory, train: TrainingFactory
) -> None:
    course = await train.course("Co-Production Star training")
    course_session = await train.session_of(course, capacity=3)
    booking = await train.book(course_session, await make.contact(await make.member()))
    token = await make.token(Role.STAFF)
    result = await gql(
        """query($c: ID!, $s: ID!, $b: ID!, $x: ID!) {
             c: node(id: $c) { ... on Course { title } }
             s: node(id: $s) { ... on TrainingSession { seatsLeft confirmedCount waitlistCount } }
             b: node(id: $b) { ... on Booking { status waitlistPosition session { capacity } } }
             x: node(id: $x) { id }
           }""",
        {
            "c": gid("Course", course),
            "s": gid("TrainingSession", course_session),
            "b": gid("Booking", booking),
            "x": to_global_id("Booking", course.id),
        },
        token=token,
    )
    assert result == {
        "data": {
            "c": {"title": "Co-Production Star training"},
            "s": {"seatsLeft": 2, "confirmedCount": 1, "waitlistCount": 0},
            "b": {"status": "CONFIRMED", "waitlistPosition": None, "session": {"capacity": 3}},
            "x": None,
        }
    }


async def test_text_the_database_cannot_hold_is_refused(gql: GraphQL, make: Factory) -> None:
    token = await make.token(Role.STAFF)
    listed = await gql(
        "query($f: TrainingSessionFilter) { trainingSessions(filter: $f) { totalCount } }",
        {"f": {"language": "e\u0000n"}},
        token=token,
    )
    assert listed["errors"][0]["extensions"] == {
        "code": "INVALID_CHARACTER",
        "field": "filter.language",
    }
    created = await gql(
        CREATE_COURSE,
        {"input": {"title": "A\u0000", "format": "HALF_DAY", "cpdHours": 3, "cpdCertified": False}},
        token=token,
    )
    assert error_codes(created["data"]["createCourse"]) == [("title", "INVALID_CHARACTER")]
