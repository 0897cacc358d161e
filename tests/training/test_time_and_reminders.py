"""Time zones and daylight saving: sessions are shown, invited and reminded at the right instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import SYSTEM
from network.kit.enums import Role
from network.messaging.models import OutboxMessage
from network.messaging.service import default_renderer
from network.training import service as training
from network.training.models import Booking
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import error_codes
from tests.support.training import TrainingFactory

CREATE = """
mutation($input: CreateTrainingSessionInput!) {
  createTrainingSession(input: $input) {
    trainingSession { startsAt endsAt startsAtLocal endsAtLocal timeZone }
    userErrors { field code message }
  }
}"""

# The clocks in the United Kingdom go forward on Sunday 28 March 2027 and back on Sunday
# 31 October 2027; the sessions are on the Mondays after.
AFTER_SPRING = "2027-03-29T09:00:00"
AFTER_AUTUMN = "2027-11-01T09:00:00"


def _input(course_id: str, starts: str, ends: str, **extra: object) -> dict[str, object]:
    return {
        "input": {
            "courseId": course_id,
            "startsAt": starts,
            "endsAt": ends,
            "timeZone": "Europe/London",
            "language": "en",
            "capacity": 12,
            "venue": "Kent County Council, Maidstone",
            **extra,
        }
    }


async def test_local_times_are_read_in_the_sessions_zone_across_the_clock_change(
    gql: GraphQL, make: Factory, train: TrainingFactory
) -> None:
    course = await train.course("Co-Production Star training")
    token = await make.token(Role.STAFF)
    course_id = gid("Course", course)
    spring = await gql(CREATE, _input(course_id, AFTER_SPRING, "2027-03-29T12:30:00"), token=token)
    assert spring["data"]["createTrainingSession"] == {
        "trainingSession": {
            "startsAt": "2027-03-29T08:00:00+00:00",
            "endsAt": "2027-03-29T11:30:00+00:00",
            "startsAtLocal": "2027-03-29T09:00:00+01:00",
            "endsAtLocal": "2027-03-29T12:30:00+01:00",
            "timeZone": "Europe/London",
        },
        "userErrors": [],
    }
    autumn = await gql(CREATE, _input(course_id, AFTER_AUTUMN, "2027-11-01T12:30:00"), token=token)
    assert autumn["data"]["createTrainingSession"]["trainingSession"] == {
        "startsAt": "2027-11-01T09:00:00+00:00",
        "endsAt": "2027-11-01T12:30:00+00:00",
        "startsAtLocal": "2027-11-01T09:00:00+00:00",
        "endsAtLocal": "2027-11-01T12:30:00+00:00",
        "timeZone": "Europe/London",
    }
    with_offset = await gql(
        CREATE,
        _input(course_id, "2027-03-29T10:00:00+02:00", "2027-03-29T13:30:00+02:00"),
        token=token,
    )
    assert with_offset["data"]["createTrainingSession"]["trainingSession"]["startsAtLocal"] == (
        "2027-03-29T09:00:00+01:00"
    )


async def test_times_the_clock_change_skips_or_repeats_are_refused(
    gql: GraphQL, make: Factory, train: TrainingFactory
) -> None:
    course = await train.course()
    token = await make.token(Role.STAFF)
    result = await gql(
        CREATE,
        _input(
            gid("Course", course),
            "2027-03-28T01:30:00",
            "2027-10-31T01:30:00",
            bookingDeadline="2027-03-29T00:00:00",
        ),
        token=token,
    )
    payload = result["data"]["createTrainingSession"]
    assert payload["trainingSession"] is None
    assert payload["userErrors"] == [
        {
            "field": "startsAt",
            "code": "NONEXISTENT_LOCAL_TIME",
            "message": "2027-03-28 01:30 does not exist in Europe/London (the clocks go forward).",
        },
        {
            "field": "endsAt",
            "code": "AMBIGUOUS_LOCAL_TIME",
            "message": "2027-10-31 01:30 happens twice in Europe/London (the clocks go back); "
            "give the time with its UTC offset.",
        },
    ]


async def test_bad_schedules_name_each_field(
    gql: GraphQL, make: Factory, train: TrainingFactory
) -> None:
    course = await train.course()
    token = await make.token(Role.STAFF)
    result = await gql(
        CREATE,
        {
            "input": {
                "courseId": gid("Course", course),
                "startsAt": "2027-05-10T09:00:00",
                "endsAt": "2027-05-10T08:00:00",
                "timeZone": "Europe/Londres",
                "language": "xx",
                "capacity": 0,
                "onlineUrl": "ftp://example.org",
            }
        },
        token=token,
    )
    assert error_codes(result["data"]["createTrainingSession"]) == [
        ("timeZone", "UNKNOWN_TIME_ZONE"),
        ("language", "UNKNOWN_LANGUAGE"),
        ("capacity", "OUT_OF_RANGE"),
        ("onlineUrl", "INVALID_URL"),
    ]
    result = await gql(
        CREATE,
        _input(
            gid("Course", course),
            "2027-05-10T09:00:00",
            "2027-05-10T08:00:00",
            bookingDeadline="2027-05-11T09:00:00",
            venue=None,
        ),
        token=token,
    )
    assert error_codes(result["data"]["createTrainingSession"]) == [
        ("endsAt", "ENDS_BEFORE_START"),
        ("bookingDeadline", "AFTER_START"),
        ("venue", "LOCATION_REQUIRED"),
    ]
    past = await gql(
        CREATE,
        _input(gid("Course", course), "2020-05-10T09:00:00", "2020-05-10T12:00:00"),
        token=token,
    )
    assert error_codes(past["data"]["createTrainingSession"]) == [("startsAt", "IN_PAST")]


async def _reminders(session: AsyncSession) -> list[OutboxMessage]:
    found = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.template == "training_reminder")
        .order_by(OutboxMessage.to_email)
    )
    return list(found.all())


async def test_reminder_two_days_before_a_session_after_the_clocks_go_forward(
    make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    start = datetime(2027, 3, 29, 8, 0, tzinfo=UTC)  # 09:00 in London (BST)
    course_session = await train.session_of(starts_at=start, hours=3.5, capacity=1)
    member = await make.member()
    seated = await make.contact(member, email="sian@powys.example", first_name="Siân")
    waiting = await make.contact(member, email="waiting@powys.example")
    booked_at = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    await train.book(course_session, seated, now=booked_at)
    await train.book(course_session, waiting, now=booked_at)
    due = datetime(2027, 3, 27, 8, 0, tzinfo=UTC)  # 48 hours before: 08:00 GMT on Saturday
    assert await training.queue_due_reminders(session, now=due - timedelta(seconds=1)) == 0
    assert await training.queue_due_reminders(session, now=due) == 1
    assert await training.queue_due_reminders(session, now=due + timedelta(hours=1)) == 0
    [reminder] = await _reminders(session)
    assert reminder.to_email == "sian@powys.example"
    assert reminder.kind == "training"
    assert reminder.context["when"] == (
        "Monday 29 March 2027, 09:00\u201312:30 BST (Europe/London)"
    )
    email = default_renderer().render(reminder.template, reminder.language, reminder.context)
    assert email.subject == f"Reminder: {reminder.context['course_title']}, Monday 29 March 2027"
    assert "When: Monday 29 March 2027, 09:00\u201312:30 BST (Europe/London)" in email.text


async def test_reminder_after_the_clocks_go_back_and_again_after_a_reschedule(
    make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    start = datetime(2027, 11, 1, 9, 0, tzinfo=UTC)  # 09:00 in London (GMT)
    course_session = await train.session_of(starts_at=start, hours=3)
    member = await make.member()
    person = await make.contact(member, language="cy", email="aled@anglesey.example")
    await train.book(course_session, person, now=datetime(2027, 9, 1, tzinfo=UTC))
    due = datetime(2027, 10, 30, 9, 0, tzinfo=UTC)  # 10:00 BST on the Saturday before
    assert await training.queue_due_reminders(session, now=due - timedelta(minutes=1)) == 0
    assert await training.queue_due_reminders(session, now=due) == 1
    [first] = await _reminders(session)
    assert (
        first.context["when"] == "Dydd Llun 1 Tachwedd 2027, 09:00\u201312:00 GMT (Europe/London)"
    )
    email = default_renderer().render(first.template, first.language, first.context)
    assert email.languages == ("cy", "en")
    assert "Pryd: Dydd Llun 1 Tachwedd 2027, 09:00\u201312:00 GMT" in email.text
    assert "When: Monday 1 November 2027, 09:00\u201312:00 GMT" in email.text
    # Moved a week later: a new start is a new reminder, once.
    moved = start + timedelta(days=7)
    await training.update_training_session(
        session,
        SYSTEM,
        course_session.id,
        starts_at=moved,
        ends_at=moved + timedelta(hours=3),
        now=due,
    )
    assert await training.queue_due_reminders(session, now=due + timedelta(days=1)) == 0
    assert await training.queue_due_reminders(session, now=moved - timedelta(hours=48)) == 1
    assert await training.queue_due_reminders(session, now=moved - timedelta(hours=47)) == 0
    assert len(await _reminders(session)) == 2


async def test_no_reminder_for_a_booking_made_inside_the_two_days(
    make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    start = datetime(2027, 6, 14, 8, 0, tzinfo=UTC)
    course_session = await train.session_of(starts_at=start)
    person = await make.contact(await make.member())
    await train.book(course_session, person, now=start - timedelta(hours=30))
    assert await training.queue_due_reminders(session, now=start - timedelta(hours=29)) == 0
    booking = (await session.scalars(select(Booking))).one()
    assert booking.reminder_queued_at is None
