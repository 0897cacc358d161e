"""Meeting times on the days the clocks change, read exactly as training sessions read them: a
wall-clock time the change skips or repeats in the meeting's zone is refused on its field (the
same code and message as createTrainingSession gives), a time with its offset is taken as
given, and nothing is written for a refused one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from network.kit.enums import Role
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import snapshot
from tests.support.meetings import (
    SCHEDULE,
    Scene,
    schedule,
    schedule_input,
    tokens,
    upcoming,
)
from tests.support.meetings import clock_change as clock_change_in
from tests.support.training import TrainingFactory

LONDON = ZoneInfo("Europe/London")
RESCHEDULE = """
mutation($input: RescheduleNetworkMeetingInput!) {
  rescheduleNetworkMeeting(input: $input) {
    meeting { startsAt endsAt sequence } userErrors { field code message }
  }
}"""
CREATE_SESSION = """
mutation($input: CreateTrainingSessionInput!) {
  createTrainingSession(input: $input) { trainingSession { id } userErrors { field code message } }
}"""


def clock_change(forward: bool) -> datetime:
    return clock_change_in(forward, LONDON)


def naive(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def gap_error(field: str, wall: datetime) -> dict[str, str]:
    return {
        "field": field,
        "code": "NONEXISTENT_LOCAL_TIME",
        "message": f"{wall:%Y-%m-%d %H:%M} does not exist in Europe/London "
        "(the clocks go forward).",
    }


def overlap_error(field: str, wall: datetime) -> dict[str, str]:
    return {
        "field": field,
        "code": "AMBIGUOUS_LOCAL_TIME",
        "message": f"{wall:%Y-%m-%d %H:%M} happens twice in Europe/London (the clocks go back); "
        "give the time with its UTC offset.",
    }


def session_input(course: Any, starts: str, ends: str, zone: str = "Europe/London") -> Any:
    """createTrainingSession's input for the same times in the same zone."""
    return {
        "input": {
            "courseId": gid("Course", course),
            "startsAt": starts,
            "endsAt": ends,
            "timeZone": zone,
            "language": "en",
            "capacity": 10,
            "onlineUrl": "https://meet.example/training",
        }
    }


async def test_a_time_the_clocks_skip_or_repeat_is_refused_as_a_training_session_refuses_it(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession, train: TrainingFactory
) -> None:
    token = (await tokens(make, scene))["partner"]
    staff = await make.token(Role.STAFF)
    course = await train.course()
    await session.commit()  # the course's audit row is written at commit
    gap, overlap = clock_change(forward=True), clock_change(forward=False)
    before = await snapshot(session)
    cases = [
        (naive(gap), naive(gap + timedelta(hours=2)), [gap_error("startsAt", gap)]),
        (
            naive(overlap - timedelta(hours=1)),
            naive(overlap),
            [overlap_error("endsAt", overlap)],
        ),
        (
            naive(gap),
            naive(overlap),
            [gap_error("startsAt", gap), overlap_error("endsAt", overlap)],
        ),
    ]
    for starts, ends, expected in cases:
        data = schedule_input(scene, startsAt=starts, endsAt=ends, timeZone="Europe/London")
        result = await gql(SCHEDULE, {"input": data}, token=token)
        assert result["data"]["scheduleNetworkMeeting"] == {
            "meeting": None,
            "userErrors": expected,
        }, starts
        created = await gql(CREATE_SESSION, session_input(course, starts, ends), token=staff)
        payload = created["data"]["createTrainingSession"]
        assert payload["trainingSession"] is None
        assert payload["userErrors"] == expected
    assert await snapshot(session) == before


async def test_a_time_in_the_repeated_hour_with_its_offset_is_taken_as_given(
    gql: GraphQL, make: Factory, scene: Scene
) -> None:
    token = (await tokens(make, scene))["partner"]
    overlap = clock_change(forward=False)
    summer, winter = overlap.replace(tzinfo=LONDON, fold=0), overlap.replace(tzinfo=LONDON, fold=1)
    for moment in (summer, winter):
        data = schedule_input(
            scene,
            startsAt=moment.isoformat(),
            endsAt=(moment + timedelta(hours=2)).isoformat(),
            timeZone="Europe/London",
        )
        result = await gql(SCHEDULE, {"input": data}, token=token)
        meeting = result["data"]["scheduleNetworkMeeting"]["meeting"]
        assert meeting["startsAt"] == moment.astimezone(UTC).isoformat()
        assert meeting["localStartsAt"] == moment.astimezone(LONDON).isoformat()
    # The two readings are an hour apart.
    assert winter.astimezone(UTC) - summer.astimezone(UTC) == timedelta(hours=1)


async def test_the_first_time_after_the_clocks_go_forward_is_a_meeting(
    gql: GraphQL, make: Factory, scene: Scene
) -> None:
    token = (await tokens(make, scene))["partner"]
    after_gap = clock_change(forward=True) + timedelta(hours=1)
    data = schedule_input(
        scene,
        startsAt=naive(after_gap),
        endsAt=naive(after_gap + timedelta(hours=1)),
        timeZone="Europe/London",
    )
    result = await gql(SCHEDULE, {"input": data}, token=token)
    meeting = result["data"]["scheduleNetworkMeeting"]["meeting"]
    assert meeting["startsAt"] == after_gap.replace(tzinfo=LONDON).astimezone(UTC).isoformat()
    assert meeting["localStartsAt"].endswith("+01:00")  # summer time


async def test_rescheduling_into_the_skipped_or_repeated_hour_changes_nothing(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    token = (await tokens(make, scene))["partner"]
    meeting = await schedule(session, scene.cohort, starts_at=upcoming(days=20))
    await session.commit()  # the meeting's audit row is written at commit
    gap, overlap = clock_change(forward=True), clock_change(forward=False)
    before = await snapshot(session)
    mid = gid("NetworkMeeting", meeting)
    for changes, expected in (
        ({"startsAt": naive(gap), "timeZone": "Europe/London"}, [gap_error("startsAt", gap)]),
        (
            {
                "startsAt": naive(overlap - timedelta(hours=1)),
                "endsAt": naive(overlap),
                "timeZone": "Europe/London",
            },
            [overlap_error("endsAt", overlap)],
        ),
    ):
        result = await gql(RESCHEDULE, {"input": {"meetingId": mid, **changes}}, token=token)
        assert result["data"]["rescheduleNetworkMeeting"] == {
            "meeting": None,
            "userErrors": expected,
        }
    assert await snapshot(session) == before


async def test_a_zone_that_names_no_place_is_refused_for_meetings_and_sessions(
    gql: GraphQL, make: Factory, scene: Scene, train: TrainingFactory
) -> None:
    token = (await tokens(make, scene))["partner"]
    staff = await make.token(Role.STAFF)
    course = await train.course()
    starts = upcoming(days=30).replace(tzinfo=None)
    for zone in ("localtime", "Factory", "Europe/Nowhere"):
        data = schedule_input(
            scene,
            startsAt=naive(starts),
            endsAt=naive(starts + timedelta(hours=1)),
            timeZone=zone,
        )
        result = await gql(SCHEDULE, {"input": data}, token=token)
        payload = result["data"]["scheduleNetworkMeeting"]
        codes = [(e["field"], e["code"]) for e in payload["userErrors"]]
        assert (payload["meeting"], codes) == (None, [("timeZone", "UNKNOWN_TIME_ZONE")]), zone
        created = await gql(
            CREATE_SESSION,
            session_input(course, naive(starts), naive(starts + timedelta(hours=1)), zone),
            token=staff,
        )
        session_codes = [
            (e["field"], e["code"]) for e in created["data"]["createTrainingSession"]["userErrors"]
        ]
        assert session_codes == [("timeZone", "UNKNOWN_TIME_ZONE")], zone
