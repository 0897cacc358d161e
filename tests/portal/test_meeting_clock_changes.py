"""The portal's schedule and reschedule forms on the days the clocks change: a time the change
skips or repeats in the meeting's zone is a form error in the page's language (the service's
check, shared with training sessions), not a meeting an hour off; nothing is written."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.meetings.models import NetworkMeeting
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.meetings import clock_change
from tests.support.portal import page_token, sign_in
from tests.support.portal_cohorts import form, scene, schedule

LONDON = ZoneInfo("Europe/London")
GAP_EN = "This time does not exist on that day in this time zone (the clocks go forward)."
OVERLAP_EN = (
    "This time happens twice on that day in this time zone (the clocks go back); choose another."
)
OVERLAP_FR = (
    "Cette heure a lieu deux fois ce jour-là dans ce fuseau horaire (on recule l'heure) ; "
    "choisissez-en une autre."
)


def error_of(field: str, text: str) -> str:
    return f'id="{field}-error" class="error">{escape(text)}'


def times(wall: datetime, start: datetime, end: datetime) -> dict[str, str]:
    return {
        "date": wall.date().isoformat(),
        "start_time": f"{start:%H:%M}",
        "end_time": f"{end:%H:%M}",
        "time_zone": "Europe/London",
    }


async def meetings_of(session: AsyncSession, cohort_id: object) -> int:
    found = await session.scalar(
        select(func.count())
        .select_from(NetworkMeeting)
        .where(NetworkMeeting.cohort_id == cohort_id)
    )
    return int(found or 0)


async def test_scheduling_in_the_skipped_or_repeated_hour_is_a_form_error(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    await sign_in(client, s.email, PASSWORD)
    url = f"/portal/cohorts/{s.cohort.id}"
    token = await page_token(client, url)
    gap, overlap = clock_change(True, LONDON), clock_change(False, LONDON)

    skipped = await client.post(
        f"{url}/meetings",
        data={"csrf": token, **form(**times(gap, gap, gap + timedelta(hours=2)))},
    )
    assert skipped.status_code == 422
    assert error_of("start_time", GAP_EN) in skipped.text
    assert f'value="{gap:%H:%M}"' in skipped.text  # the form keeps what was typed

    repeated = await client.post(
        f"{url}/meetings?lang=fr",
        data={"csrf": token, **form(**times(overlap, overlap - timedelta(hours=1), overlap))},
    )
    assert repeated.status_code == 422
    assert error_of("end_time", OVERLAP_FR) in repeated.text
    assert await meetings_of(session, s.cohort.id) == 0

    # The first half hour after the clocks go forward is a meeting, at its summer-time instant.
    after = gap + timedelta(hours=1)
    made = await client.post(
        f"{url}/meetings",
        data={"csrf": token, **form(**times(after, after, after + timedelta(hours=1)))},
    )
    assert made.status_code == 303, made.text
    starts = await session.scalar(
        select(NetworkMeeting.starts_at).where(NetworkMeeting.cohort_id == s.cohort.id)
    )
    assert starts == after.replace(tzinfo=LONDON)


async def test_rescheduling_into_the_repeated_hour_is_a_form_error_and_the_meeting_stays(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    meeting = await schedule(session, s.cohort)
    starts_at = meeting.starts_at
    await sign_in(client, s.email, PASSWORD)
    url = f"/portal/cohorts/{s.cohort.id}/meetings/{meeting.id}"
    token = await page_token(client, url)
    overlap = clock_change(False, LONDON)
    moved = await client.post(
        f"{url}/reschedule",
        data={"csrf": token, **form(**times(overlap, overlap, overlap + timedelta(hours=2)))},
    )
    assert moved.status_code == 422
    assert error_of("start_time", OVERLAP_EN) in moved.text
    await session.refresh(meeting)
    assert (meeting.starts_at, meeting.sequence) == (starts_at, 0)
