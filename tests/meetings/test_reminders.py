"""The reminder due-scan: at the right instant, once, never after a NO, a cancel or a reschedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth.principal import SYSTEM
from network.contacts import service as contacts
from network.db import acting
from network.kit.enums import RsvpResponse
from network.meetings import service as meetings
from network.meetings.reminders import ReminderPass, send_due_reminders
from network.messaging.rendering import Renderer
from network.usecases import contacts as contact_cases
from tests.support.meetings import (
    PARIS,
    Scene,
    attachments,
    next_spring_forward,
    outbox,
    planned,
    schedule,
    upcoming,
)

SECOND = timedelta(seconds=1)


def key(meeting_id: object, contact_id: object, offset: int, starts_at: datetime) -> str:
    return f"meeting-reminder:{meeting_id}:{contact_id}:{offset}:{int(starts_at.timestamp())}"


async def reminders_sent(session: AsyncSession) -> list[tuple[str, str]]:
    return [(m.to_email, m.dedup_key) for m in await outbox(session, "meeting_reminder")]


async def run(
    factory: async_sessionmaker[AsyncSession], session: AsyncSession, now: datetime
) -> ReminderPass:
    await session.commit()
    with acting(SYSTEM):  # as the reminder worker runs
        return await send_due_reminders(factory, now=now, batch_size=2)


async def test_each_reminder_goes_out_once_at_its_time_and_never_to_those_who_said_no(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    scene: Scene,
    renderer: Renderer,
) -> None:
    starts = upcoming(days=20)
    meeting = await schedule(session, scene.cohort, starts_at=starts)
    await meetings.rsvp(
        session, SYSTEM, meeting_id=meeting.id, contact_id=scene.tom.id, response=RsvpResponse.NO
    )
    week_before = starts - timedelta(days=7)

    assert await run(session_factory, session, week_before - SECOND) == ReminderPass()
    assert await reminders_sent(session) == []

    assert await run(session_factory, session, week_before) == ReminderPass(batches=1, sent=2)
    assert await reminders_sent(session) == [
        ("marie@anglesey.example", key(meeting.id, scene.marie.id, 10080, starts)),
        ("sian@powys.example", key(meeting.id, scene.sian.id, 10080, starts)),
    ]
    # Another pass later the same day finds nothing new: each reminder is owed once.
    assert await run(session_factory, session, week_before + timedelta(hours=5)) == ReminderPass()

    day_before = starts - timedelta(days=1)
    assert await run(session_factory, session, day_before) == ReminderPass(batches=1, sent=2)
    assert len(await reminders_sent(session)) == 4
    assert await planned(session, meeting.id) == [
        ("marie@anglesey.example", 1440, "SENT"),
        ("marie@anglesey.example", 10080, "SENT"),
        ("sian@powys.example", 1440, "SENT"),
        ("sian@powys.example", 10080, "SENT"),
        ("tom@powys.example", 1440, "SKIPPED"),
        ("tom@powys.example", 10080, "SKIPPED"),
    ]
    french = next(m for m in await outbox(session, "meeting_reminder") if m.language == "fr")
    email = renderer.render(french.template, french.language, french.context)
    assert email.subject in (
        "Rappel : Focus It network meeting dans 7 jours",
        "Rappel : Focus It network meeting dans 1 jour",
    )
    assert "10:00\u201312:00 (heure de Paris)" in email.text
    assert await attachments(session, french.id) == []


async def test_a_reminder_already_due_when_the_meeting_is_scheduled_is_never_sent(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], scene: Scene
) -> None:
    starts = upcoming(days=3)
    meeting = await schedule(session, scene.cohort, starts_at=starts)
    assert await planned(session, meeting.id) == [
        ("marie@anglesey.example", 1440, "PLANNED"),
        ("sian@powys.example", 1440, "PLANNED"),
        ("tom@powys.example", 1440, "PLANNED"),
    ]
    done = await run(session_factory, session, starts - timedelta(minutes=1))
    assert done == ReminderPass(batches=2, sent=3)
    assert sorted(k for _, k in await reminders_sent(session)) == sorted(
        key(meeting.id, c.id, 1440, starts) for c in (scene.marie, scene.sian, scene.tom)
    )


async def test_rescheduling_between_two_reminders_sends_the_rest_at_the_new_times_only(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], scene: Scene
) -> None:
    old_start = upcoming(days=20)
    meeting = await schedule(session, scene.cohort, starts_at=old_start)
    assert (await run(session_factory, session, old_start - timedelta(days=7))).sent == 3

    new_start = old_start + timedelta(days=3, hours=4)
    await meetings.reschedule_meeting(
        session, SYSTEM, meeting.id, starts_at=new_start, ends_at=new_start + timedelta(hours=2)
    )
    updates = await outbox(session, "meeting_update")
    assert [(m.to_email, m.dedup_key) for m in updates] == [
        (c.email, f"meeting-update:{meeting.id}:{c.id}:1")
        for c in (scene.marie, scene.sian, scene.tom)
    ]
    ics = (await attachments(session, updates[0].id))[0].content.decode()
    assert "METHOD:REQUEST\r\n" in ics
    assert "SEQUENCE:1\r\n" in ics
    assert f"UID:meeting-{meeting.id}@" in ics

    # The old one-day reminder time passes: nothing. The week reminder is not sent again.
    assert await run(session_factory, session, old_start - timedelta(days=1)) == ReminderPass()
    assert await run(session_factory, session, new_start - timedelta(days=7)) == ReminderPass()
    done = await run(session_factory, session, new_start - timedelta(days=1))
    assert done == ReminderPass(batches=2, sent=3)
    assert sorted(k for _, k in await reminders_sent(session)) == sorted(
        [key(meeting.id, c.id, 10080, old_start) for c in (scene.marie, scene.sian, scene.tom)]
        + [key(meeting.id, c.id, 1440, new_start) for c in (scene.marie, scene.sian, scene.tom)]
    )
    assert await planned(session, meeting.id) == [
        ("marie@anglesey.example", 1440, "SENT"),
        ("marie@anglesey.example", 1440, "SUPERSEDED"),
        ("marie@anglesey.example", 10080, "SENT"),
        ("sian@powys.example", 1440, "SENT"),
        ("sian@powys.example", 1440, "SUPERSEDED"),
        ("sian@powys.example", 10080, "SENT"),
        ("tom@powys.example", 1440, "SENT"),
        ("tom@powys.example", 1440, "SUPERSEDED"),
        ("tom@powys.example", 10080, "SENT"),
    ]


async def test_a_cancelled_meeting_sends_a_cancellation_and_no_reminder_after_it(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], scene: Scene
) -> None:
    starts = upcoming(days=20)
    meeting = await schedule(session, scene.cohort, starts_at=starts)
    await meetings.cancel_meeting(session, SYSTEM, meeting.id, reason="The venue flooded.")
    cancelled = await outbox(session, "meeting_cancellation")
    assert [(m.to_email, m.dedup_key) for m in cancelled] == [
        (c.email, f"meeting-cancellation:{meeting.id}:{c.id}")
        for c in (scene.marie, scene.sian, scene.tom)
    ]
    assert cancelled[0].context["reason"] == "The venue flooded."
    files = await attachments(session, cancelled[0].id)
    assert files[0].content_type == "text/calendar; method=CANCEL; charset=utf-8"
    ics = files[0].content.decode()
    assert "METHOD:CANCEL\r\n" in ics
    assert "STATUS:CANCELLED\r\n" in ics
    assert "SEQUENCE:1\r\n" in ics
    assert await run(session_factory, session, starts - timedelta(minutes=5)) == ReminderPass()
    assert await reminders_sent(session) == []
    assert {status for _, _, status in await planned(session, meeting.id)} == {"SKIPPED"}


async def test_someone_archived_or_opted_out_after_the_invitation_gets_no_reminder(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], scene: Scene
) -> None:
    starts = upcoming(days=20)
    meeting = await schedule(session, scene.cohort, starts_at=starts, offsets=[1440])
    await contact_cases.archive_contact(session, SYSTEM, scene.tom.id)
    await contacts.update_contact(session, SYSTEM, scene.sian.id, email_opt_outs=["programme"])
    done = await run(session_factory, session, starts - timedelta(days=1))
    # Archiving withdrew Tom's invitation (and its reminder); Siân's is claimed and skipped.
    assert done == ReminderPass(batches=1, sent=1, skipped=1)
    assert await reminders_sent(session) == [
        ("marie@anglesey.example", key(meeting.id, scene.marie.id, 1440, starts))
    ]


async def test_ten_in_paris_across_a_clock_change_is_reminded_at_the_right_instant(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    scene: Scene,
    renderer: Renderer,
) -> None:
    change = next_spring_forward((datetime.now(UTC) + timedelta(days=10)).date())
    meeting_day = change + timedelta(days=1)  # the Monday after the clocks went forward
    starts = datetime(meeting_day.year, meeting_day.month, meeting_day.day, 10, tzinfo=PARIS)
    assert starts.utcoffset() == timedelta(hours=2)  # summer time: 10:00 in Paris is 08:00 UTC
    meeting = await schedule(session, scene.cohort, starts_at=starts)
    assert meeting.starts_at == starts.astimezone(UTC)
    assert meeting.starts_at.hour == 8

    # A week before, Paris was still on winter time: the reminder is due exactly 10,080
    # minutes before the start, at 08:00 UTC, which the Paris clock showed as 09:00.
    week_before = datetime(
        meeting_day.year, meeting_day.month, meeting_day.day, 8, tzinfo=UTC
    ) - timedelta(days=7)
    assert week_before.astimezone(PARIS).hour == 9
    assert await run(session_factory, session, week_before - SECOND) == ReminderPass()
    assert (await run(session_factory, session, week_before)).sent == 3

    day_before = starts.astimezone(UTC) - timedelta(days=1)
    assert (await run(session_factory, session, day_before - SECOND)).sent == 0
    assert (await run(session_factory, session, day_before)).sent == 3

    english = next(m for m in await outbox(session, "meeting_reminder") if m.language == "en")
    email = renderer.render(english.template, english.language, english.context)
    assert "10:00\u201312:00 (Paris time)" in email.text
    assert english.context["start_time"] == "10:00"
    invitation = next(m for m in await outbox(session, "meeting_invitation") if m.language == "en")
    ics = (await attachments(session, invitation.id))[0].content.decode()
    assert f"DTSTART:{starts.astimezone(UTC):%Y%m%dT%H%M%S}Z\r\n" in ics
    assert ZoneInfo(meeting.time_zone) == PARIS
