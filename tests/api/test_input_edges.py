"""Input at the edges, refused as user errors by the domain (so the portal and the GraphQL API
both answer them), never a database or overflow error: NUL characters in search terms and in
stored text, integer cursors beyond the column's range, and dates at the calendar's ends; and
the same dates, time ranges and page sizes through the API, which answers each with a code."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import BigInteger, Integer, SmallInteger, column, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.contacts import service as contacts
from network.contacts.models import Contact
from network.kit.enums import Role, StarStep, StepStatus
from network.kit.errors import DomainError
from network.kit.pagination import _bind, encode_cursor
from network.kit.search import contains_text
from network.meetings import repository as meeting_lists
from network.meetings import service as meetings
from network.meetings.models import NetworkMeeting
from network.members import service as members
from network.programme import service as programme
from network.programme.models import StepProgress
from network.training import catalogue
from network.training import sessions as training_sessions
from network.training.models import TrainingSession
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.training import TrainingFactory

BEYOND_64_BITS = 18446744073709551615


def forge(values: list[Any]) -> str:
    """A cursor as a client could write one (any JSON, whatever encode_cursor would refuse)."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def codes(exc: pytest.ExceptionInfo[DomainError]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.value.errors]


async def count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# -- 1. NUL characters in search terms ---------------------------------------------------------


async def test_a_nul_character_in_a_search_term_is_dropped_not_sent_to_the_database(
    make: Factory, session: AsyncSession
) -> None:
    member = await make.member("Ceredigion County Council")
    await make.contact(member, first_name="Nia", last_name="Ceredig")
    await make.cohort("Ceredigion cohort", members=[member])

    found = await members.list_members(
        session, SYSTEM, members.MemberQuery(search="Ceredig\x00ion"), first=20, after=None
    )
    assert [row.name for row in found.rows] == ["Ceredigion County Council"]
    only_nul = await members.list_members(
        session, SYSTEM, members.MemberQuery(search="\x00"), first=100, after=None
    )
    assert member.id in {row.id for row in only_nul.rows}  # nothing left to filter by
    listed = await contacts.list_contacts(
        session, SYSTEM, contacts.ContactQuery(search="\x00Ceredig"), first=20, after=None
    )
    assert [row.last_name for row in listed.rows] == ["Ceredig"]
    cohorts = await programme.list_cohorts(
        session, SYSTEM, programme.CohortQuery(search="Ceredigion\x00"), first=20, after=None
    )
    assert [row.name for row in cohorts.rows] == ["Ceredigion cohort"]
    for term in ("\x00", "a\x00"):
        certs = await certificates.list_certificates(
            session, SYSTEM, certificates.CertificateQuery(search=term), first=20, after=None
        )
        plain = await certificates.list_certificates(
            session,
            SYSTEM,
            certificates.CertificateQuery(search=term.replace("\x00", "") or None),
            first=20,
            after=None,
        )
        assert await certs.total_count() == await plain.total_count()
    courses = await catalogue.list_courses(
        session, SYSTEM, catalogue.CourseQuery(search="a\x00"), first=20, after=None
    )
    plain_courses = await catalogue.list_courses(
        session, SYSTEM, catalogue.CourseQuery(search="a"), first=20, after=None
    )
    assert await courses.total_count() == await plain_courses.total_count()


def test_contains_text_keeps_wildcards_literal_and_drops_nul() -> None:
    condition = contains_text(column("name"), " 50%\x00_off ")
    assert condition.right.value == "%50\\%\\_off%"


# -- 2. NUL characters and length in stored text -----------------------------------------------


async def progress_scene(make: Factory) -> tuple[uuid.UUID, uuid.UUID]:
    member = await make.member()
    cohort = await make.cohort(members=[member])
    return cohort.id, member.id


async def record(session: AsyncSession, ids: tuple[uuid.UUID, uuid.UUID], **kw: Any) -> Any:
    cohort_id, member_id = ids
    values: dict[str, Any] = {"step": StarStep.MAP_IT, "status": StepStatus.IN_PROGRESS, **kw}
    return await programme.record_step_progress(
        session, SYSTEM, cohort_id=cohort_id, member_id=member_id, **values
    )


async def test_progress_notes_and_action_plan_with_nul_are_field_errors_and_nothing_is_written(
    make: Factory, session: AsyncSession
) -> None:
    ids = await progress_scene(make)
    with pytest.raises(DomainError) as refused:
        await record(session, ids, notes="before\x00after", action_plan="\x00")
    assert codes(refused) == [("notes", "INVALID_CHARACTER"), ("actionPlan", "INVALID_CHARACTER")]
    with pytest.raises(DomainError) as refused:
        await record(session, ids, notes="x" * 20001, action_plan=" " + "y" * 20000 + "\n")
    assert codes(refused) == [("notes", "TOO_LONG")]
    assert await count(session, StepProgress) == 0


async def test_progress_notes_keep_their_lines_and_blank_text_clears_them(
    make: Factory, session: AsyncSession
) -> None:
    ids = await progress_scene(make)
    saved = await record(session, ids, notes="  1. Map it\n2. Focus it\n", action_plan="Plan")
    assert (saved.notes, saved.action_plan) == ("1. Map it\n2. Focus it", "Plan")
    kept = await record(session, ids, action_plan="  \n ")
    assert (kept.notes, kept.action_plan) == ("1. Map it\n2. Focus it", None)


async def test_progress_dates_before_2000_are_field_errors(
    make: Factory, session: AsyncSession
) -> None:
    ids = await progress_scene(make)
    with pytest.raises(DomainError) as refused:
        await record(session, ids, started_on=date(1, 1, 1))
    assert codes(refused) == [("startedOn", "TOO_EARLY")]
    with pytest.raises(DomainError) as refused:
        await record(session, ids, status=StepStatus.COMPLETED, completed_on=date(1999, 12, 31))
    assert codes(refused) == [("completedOn", "TOO_EARLY")]
    assert await count(session, StepProgress) == 0
    saved = await record(session, ids, started_on=date(2000, 1, 1))
    assert saved.started_on == date(2000, 1, 1)


async def test_consent_scope_is_cleaned_and_consent_dates_before_1900_are_refused(
    make: Factory, session: AsyncSession
) -> None:
    member = await make.member()
    before = await count(session, Contact)

    async def create(**kw: Any) -> Contact:
        return await contacts.create_contact(
            session,
            SYSTEM,
            member_id=member.id,
            email="consent@example.org",
            first_name="Dai",
            last_name="Jones",
            **kw,
        )

    with pytest.raises(DomainError) as refused:
        await create(consent_scope="emails\x00")
    assert codes(refused) == [("consent.scope", "INVALID_CHARACTER")]
    with pytest.raises(DomainError) as refused:
        await create(consent_scope="s" * 2001)
    assert codes(refused) == [("consent.scope", "TOO_LONG")]
    with pytest.raises(DomainError) as refused:
        await create(consent_given_at=datetime(1, 1, 1, tzinfo=UTC))
    assert codes(refused) == [("consent.givenAt", "TOO_EARLY")]
    assert await count(session, Contact) == before

    contact = await create(consent_scope="  Programme emails\nand training emails ")
    assert contact.consent_scope == "Programme emails\nand training emails"
    for changes, expected in (
        ({"consent_scope": "\x00"}, ("consent.scope", "INVALID_CHARACTER")),
        ({"consent_scope": "s" * 2001}, ("consent.scope", "TOO_LONG")),
        (
            {"consent_given_at": datetime(1899, 12, 31, tzinfo=UTC)},
            ("consent.givenAt", "TOO_EARLY"),
        ),
    ):
        with pytest.raises(DomainError) as refused:
            await contacts.update_contact(session, SYSTEM, contact.id, **changes)
        assert codes(refused) == [expected]
    await session.refresh(contact)
    assert (contact.consent_scope, contact.consent_given_at) == (
        "Programme emails\nand training emails",
        None,
    )
    given = datetime(1900, 1, 1, tzinfo=UTC)
    changed = await contacts.update_contact(session, SYSTEM, contact.id, consent_given_at=given)
    assert changed.consent_given_at == given


# -- 3. Integer cursors beyond the column's range ------------------------------------------------


async def test_a_cursor_integer_beyond_64_bits_is_an_invalid_cursor(session: AsyncSession) -> None:
    forged = forge([BEYOND_64_BITS, str(uuid.uuid4())])
    with pytest.raises(DomainError) as refused:
        await training_sessions.list_sessions(
            session, SYSTEM, training_sessions.SessionQuery(), first=5, after=forged
        )
    assert codes(refused) == [("after", "INVALID_CURSOR")]
    with pytest.raises(DomainError) as refused:
        await meeting_lists.list_meetings(
            session, SYSTEM, meeting_lists.MeetingQuery(), first=5, after=forged
        )
    assert codes(refused) == [("after", "INVALID_CURSOR")]
    for beyond in (-(2**63) - 1, 2**63, 2**100):
        with pytest.raises(DomainError) as refused:
            await training_sessions.list_sessions(
                session,
                SYSTEM,
                training_sessions.SessionQuery(),
                first=5,
                after=forge([beyond, str(uuid.uuid4())]),
            )
        assert codes(refused) == [("after", "INVALID_CURSOR")]
    # The column's own range still pages (nothing starts after the largest key).
    largest = encode_cursor([2**63 - 1, str(uuid.uuid4())])
    page = await training_sessions.list_sessions(
        session, SYSTEM, training_sessions.SessionQuery(), first=5, after=largest
    )
    assert list(page.rows) == []


@pytest.mark.parametrize(
    ("type_", "largest"),
    [(SmallInteger(), 2**15 - 1), (Integer(), 2**31 - 1), (BigInteger(), 2**63 - 1)],
)
def test_integer_cursor_values_are_bound_to_the_columns_range(type_: Any, largest: int) -> None:
    key = column("key", type_)
    assert _bind(largest, key).value == largest
    assert _bind(-largest - 1, key).value == -largest - 1
    for beyond in (largest + 1, -largest - 2):
        with pytest.raises(DomainError) as refused:
            _bind(beyond, key)
        assert codes(refused) == [("after", "INVALID_CURSOR")]


# -- 4. Meeting dates at the calendar's ends ---------------------------------------------------


async def test_a_meeting_at_the_end_of_the_calendar_is_a_field_error_not_an_overflow(
    make: Factory, session: AsyncSession
) -> None:
    cohort = await make.cohort(members=[await make.member()])

    async def schedule(day: date, zone: str = "Etc/GMT+12") -> NetworkMeeting:
        return await meetings.schedule_meeting(
            session,
            SYSTEM,
            cohort_id=cohort.id,
            after_step=StarStep.MAP_IT,
            title="Edge of time",
            starts_at=datetime.combine(day, datetime.min.time()).replace(hour=22),
            ends_at=datetime.combine(day, datetime.min.time()).replace(hour=23),
            time_zone=zone,
        )

    for day in (date(9999, 12, 31), date(2101, 1, 1), date(1999, 12, 31), date(1, 1, 1)):
        with pytest.raises(DomainError) as refused:
            await schedule(day)
        assert codes(refused) == [("startsAt", "OUT_OF_RANGE"), ("endsAt", "OUT_OF_RANGE")]
    aware = datetime(9999, 12, 31, 22, tzinfo=UTC) - timedelta(hours=1)
    with pytest.raises(DomainError) as refused:
        await meetings.schedule_meeting(
            session,
            SYSTEM,
            cohort_id=cohort.id,
            after_step=StarStep.MAP_IT,
            title="Edge of time",
            starts_at=aware,
            ends_at=aware + timedelta(hours=1),
            time_zone="UTC",
        )
    assert codes(refused) == [("startsAt", "OUT_OF_RANGE"), ("endsAt", "OUT_OF_RANGE")]
    assert await count(session, NetworkMeeting) == 0

    # The last day of 2100, west of UTC, ends in 2101 in UTC: still a meeting.
    meeting = await schedule(date(2100, 12, 31))
    assert meeting.starts_at == datetime(2101, 1, 1, 10, tzinfo=UTC)

    # Rescheduling: a new start alone keeps the meeting's length (no overflow adding it).
    with pytest.raises(DomainError) as refused:
        await meetings.reschedule_meeting(
            session, SYSTEM, meeting.id, starts_at=datetime(9999, 12, 31, 22)
        )
    assert codes(refused) == [("startsAt", "OUT_OF_RANGE")]
    with pytest.raises(DomainError) as refused:
        await meetings.reschedule_meeting(
            session,
            SYSTEM,
            meeting.id,
            starts_at=datetime(9999, 12, 31, 22),
            ends_at=datetime(9999, 12, 31, 23),
            time_zone="Etc/GMT+12",
        )
    assert codes(refused) == [("startsAt", "OUT_OF_RANGE"), ("endsAt", "OUT_OF_RANGE")]
    await session.refresh(meeting)
    assert meeting.starts_at == datetime(2101, 1, 1, 10, tzinfo=UTC)


# -- 5. Dates and times through the API --------------------------------------------------------
# A DateTime with an offset that UTC cannot express is refused while the variables are read
# (network/api/core/dates.py), with a code; a wall-clock time outside 2000..2100 is a user
# error of the domain (network/kit/times.py). Neither is ever INTERNAL.

BEYOND_UTC = ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00")
NOT_DATE_TIMES = ("0000-01-01T00:00:00", "10000-01-01T00:00:00", "2027-02-30T10:00:00", "x" * 500)
EDGE_TIMES = (
    *BEYOND_UTC,
    *NOT_DATE_TIMES,
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59",
    "9999-12-31T23:59:59+14:00",
    "1999-12-31T23:59:59",
    "2101-01-01T00:00:00",
)
EDGE_ZONES = ("Etc/GMT+12", "Etc/GMT-14", "Europe/London")
LIST_BETWEEN = (
    "query($from: DateTime, $to: DateTime) { %s(filter: {from: $from, to: $to}) { totalCount } }"
)
SCHEDULE_MEETING = """mutation($input: ScheduleNetworkMeetingInput!) {
  scheduleNetworkMeeting(input: $input) { meeting { id } userErrors { field code } } }"""
CREATE_SESSION = """mutation($input: CreateTrainingSessionInput!) {
  createTrainingSession(input: $input) { trainingSession { id } userErrors { field code } } }"""
UPDATE_SESSION = """mutation($input: UpdateTrainingSessionInput!) {
  updateTrainingSession(input: $input) { trainingSession { id } userErrors { field code } } }"""
UPDATE_CONSENT = """mutation($input: UpdateContactInput!) {
  updateContact(input: $input) { contact { id } userErrors { field code } } }"""
RECORD_PROGRESS = """mutation($input: RecordStepProgressInput!) {
  recordStepProgress(input: $input) { progress { id } userErrors { field code } } }"""


def error_codes_of(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


def never_internal(result: dict[str, Any]) -> None:
    text = json.dumps(result)
    assert "INTERNAL" not in text and "Unexpected error" not in text, text[:500]


@dataclass
class EdgeScene:
    staff: str
    partner: str
    cohort: str
    member: str
    contact: str
    course: str
    session: str


@pytest.fixture
async def edges(make: Factory, train: TrainingFactory) -> EdgeScene:
    partner = await make.partner()
    member = await make.member(partner=partner)
    contact = await make.contact(member)
    cohort = await make.cohort(partner=partner, members=[member])
    course = await train.course()
    run = await train.session_of(course)
    return EdgeScene(
        staff=await make.token(Role.STAFF),
        partner=await make.token(Role.PARTNER, partner=partner),
        cohort=gid("Cohort", cohort),
        member=gid("Member", member),
        contact=gid("Contact", contact),
        course=gid("Course", course),
        session=gid("TrainingSession", run),
    )


async def test_filter_times_utc_cannot_express_are_errors_with_a_code(
    gql: GraphQL, edges: EdgeScene
) -> None:
    for name in ("networkMeetings", "trainingSessions"):
        for value in BEYOND_UTC:
            for argument in ("from", "to"):
                result = await gql(LIST_BETWEEN % name, {argument: value}, token=edges.partner)
                assert result["data"] is None
                assert error_codes_of(result) == ["OUT_OF_RANGE"], (name, value)
                assert "beyond the range of date-times" in result["errors"][0]["message"]
            inline = await gql(
                f'{{ {name}(filter: {{from: "{value}"}}) {{ totalCount }} }}', token=edges.staff
            )
            assert error_codes_of(inline) == ["OUT_OF_RANGE"], inline
        for value in NOT_DATE_TIMES:
            result = await gql(LIST_BETWEEN % name, {"from": value}, token=edges.partner)
            assert error_codes_of(result) == ["INVALID_DATE_TIME"], (name, value)
            assert len(result["errors"][0]["message"]) < 200  # the value is not echoed whole
        # The calendar's own ends, in UTC or without an offset, are filters like any other.
        for value in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59", "9999-12-31T23:59:59+14:00"):
            result = await gql(LIST_BETWEEN % name, {"from": value}, token=edges.staff)
            assert "errors" not in result, (name, value)


async def test_a_reversed_time_range_is_an_argument_error_on_filter_to(
    gql: GraphQL, edges: EdgeScene
) -> None:
    for name in ("networkMeetings", "trainingSessions"):
        result = await gql(
            LIST_BETWEEN % name,
            {"from": "2030-01-02T00:00:00+00:00", "to": "2030-01-02T01:00:00+02:00"},
            token=edges.staff,
        )
        assert result["data"] is None
        assert result["errors"][0]["extensions"] == {"code": "REVERSED_RANGE", "field": "filter.to"}
        # An empty range (from == to, `to` exclusive) and a range an offset makes forward are not.
        for start, end in (
            ("2030-01-01T00:00:00", "2030-01-01T00:00:00+00:00"),
            ("2030-01-01T12:00:00+02:00", "2030-01-01T11:00:00+00:00"),
        ):
            fine = await gql(LIST_BETWEEN % name, {"from": start, "to": end}, token=edges.staff)
            assert "errors" not in fine, fine


async def test_session_times_at_the_calendars_ends_are_user_errors(
    gql: GraphQL, edges: EdgeScene, session: AsyncSession
) -> None:
    before = await count(session, TrainingSession)
    for value, zone in (
        ("9999-12-31T23:00:00", "Etc/GMT+12"),
        ("0001-01-01T00:30:00", "Etc/GMT-14"),
        ("1999-12-31T12:00:00", "Europe/London"),
        ("2101-01-01T12:00:00", "Europe/London"),
    ):
        times = {"startsAt": value, "endsAt": value, "bookingDeadline": value, "timeZone": zone}
        created = await gql(
            CREATE_SESSION,
            {
                "input": {
                    "courseId": edges.course,
                    "language": "en",
                    "capacity": 5,
                    "onlineUrl": "https://meet.example/x",
                    **times,
                }
            },
            token=edges.staff,
        )
        assert created["data"]["createTrainingSession"] == {
            "trainingSession": None,
            "userErrors": [
                {"field": "startsAt", "code": "OUT_OF_RANGE"},
                {"field": "endsAt", "code": "OUT_OF_RANGE"},
                {"field": "bookingDeadline", "code": "OUT_OF_RANGE"},
            ],
        }, value
        updated = await gql(
            UPDATE_SESSION, {"input": {"id": edges.session, **times}}, token=edges.staff
        )
        assert updated["data"]["updateTrainingSession"]["userErrors"] == [
            {"field": "startsAt", "code": "OUT_OF_RANGE"},
            {"field": "endsAt", "code": "OUT_OF_RANGE"},
            {"field": "bookingDeadline", "code": "OUT_OF_RANGE"},
        ], value
    assert await count(session, TrainingSession) == before


async def test_dates_and_page_sizes_out_of_range_are_errors_with_a_code(
    gql: GraphQL, edges: EdgeScene
) -> None:
    consent = await gql(
        UPDATE_CONSENT,
        {"input": {"id": edges.contact, "consent": {"givenAt": BEYOND_UTC[1]}}},
        token=edges.partner,
    )
    assert error_codes_of(consent) == ["OUT_OF_RANGE"]
    for day in ("0000-01-01", "2027-02-30", "10000-01-01", "-0001-01-01"):
        progress = await gql(
            RECORD_PROGRESS,
            {
                "input": {
                    "cohortId": edges.cohort,
                    "memberId": edges.member,
                    "step": "MAP_IT",
                    "status": "IN_PROGRESS",
                    "startedOn": day,
                }
            },
            token=edges.partner,
        )
        assert error_codes_of(progress) == ["INVALID_DATE"], day
    # GraphQL's Int is 32 bits: beyond, the variable is refused; within, the page size is.
    for first, codes_ in (
        (2**31, ["GRAPHQL_VALIDATION_FAILED"]),
        (2**31 - 1, ["INVALID_PAGE_SIZE"]),
        (-(2**31), ["INVALID_PAGE_SIZE"]),
    ):
        result = await gql(
            "query($n: Int) { networkMeetings(first: $n) { totalCount } }",
            {"n": first},
            token=edges.partner,
        )
        assert error_codes_of(result) == codes_, first


async def test_no_date_time_at_the_edges_is_ever_an_internal_error(
    gql: GraphQL, edges: EdgeScene
) -> None:
    for value in EDGE_TIMES:
        for name in ("networkMeetings", "trainingSessions"):
            never_internal(await gql(LIST_BETWEEN % name, {"to": value}, token=edges.partner))
        never_internal(
            await gql(
                UPDATE_CONSENT,
                {"input": {"id": edges.contact, "consent": {"givenAt": value}}},
                token=edges.partner,
            )
        )
        for zone in EDGE_ZONES:
            times = {"startsAt": value, "endsAt": value, "timeZone": zone}
            never_internal(
                await gql(
                    SCHEDULE_MEETING,
                    {
                        "input": {
                            "cohortId": edges.cohort,
                            "afterStep": "MAP_IT",
                            "title": "Edge",
                            **times,
                        }
                    },
                    token=edges.partner,
                )
            )
            never_internal(
                await gql(
                    UPDATE_SESSION,
                    {"input": {"id": edges.session, "bookingDeadline": value, **times}},
                    token=edges.staff,
                )
            )
