"""The cohort page's forms at the edges: times with an offset, meeting dates at the calendar's
end, progress errors in the page's language, and the schedule form's time zone by network."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.kit.enums import Network
from network.meetings.models import NetworkMeeting
from network.programme.models import StepProgress
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import csrf_of, page_token, sign_in
from tests.support.portal_cohorts import form, scene, schedule


async def meetings_of(session: AsyncSession, cohort_id: object) -> int:
    found = await session.scalar(
        select(func.count())
        .select_from(NetworkMeeting)
        .where(NetworkMeeting.cohort_id == cohort_id)
    )
    return int(found or 0)


def error_of(field: str, text: str) -> str:
    return f'id="{field}-error" class="error">{escape(text)}'


async def test_a_time_with_an_offset_or_not_written_hh_mm_is_refused(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    await sign_in(client, s.email, PASSWORD)
    url = f"/portal/cohorts/{s.cohort.id}"
    token = await page_token(client, url)
    for start in ("10:00+05:00", "10:00Z", "10:00:00-01:00", "1000", "T10:00", "10"):
        answer = await client.post(
            f"{url}/meetings", data={"csrf": token, **form(start_time=start)}
        )
        assert answer.status_code == 422, start
        assert error_of("start_time", "Not a time (HH:MM).") in answer.text, start
    assert await meetings_of(session, s.cohort.id) == 0
    with_seconds = await client.post(
        f"{url}/meetings", data={"csrf": token, **form(start_time="10:00:00")}
    )
    assert with_seconds.status_code == 303, with_seconds.text


async def test_a_reschedule_with_an_offset_is_refused_and_the_meeting_stays(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    meeting = await schedule(session, s.cohort)
    starts_at = meeting.starts_at
    await sign_in(client, s.email, PASSWORD)
    url = f"/portal/cohorts/{s.cohort.id}/meetings/{meeting.id}"
    token = await page_token(client, url)
    moved = await client.post(
        f"{url}/reschedule", data={"csrf": token, **form(end_time="18:00+05:00")}
    )
    assert moved.status_code == 422
    assert error_of("end_time", "Not a time (HH:MM).") in moved.text
    await session.refresh(meeting)
    assert (meeting.starts_at, meeting.sequence) == (starts_at, 0)


async def test_a_meeting_on_the_last_day_of_the_calendar_is_a_field_error(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    meeting = await schedule(session, s.cohort)
    starts_at = meeting.starts_at
    await sign_in(client, s.email, PASSWORD)
    url = f"/portal/cohorts/{s.cohort.id}"
    token = await page_token(client, url)
    edge = form(date="9999-12-31", start_time="22:00", end_time="23:00", time_zone="Etc/GMT+12")
    answer = await client.post(f"{url}/meetings", data={"csrf": token, **edge})
    assert answer.status_code == 422
    between = "A meeting takes place between the years 2000 and 2100."
    assert error_of("start_time", between) in answer.text
    assert error_of("end_time", between) in answer.text
    assert 'value="9999-12-31"' in answer.text
    early = await client.post(
        f"{url}/meetings?lang=fr", data={"csrf": token, **form(date="1999-06-01")}
    )
    assert early.status_code == 422
    assert error_of("start_time", "Une réunion a lieu entre les années 2000 et 2100.") in early.text
    assert await meetings_of(session, s.cohort.id) == 1

    again = await client.post(
        f"{url}/meetings/{meeting.id}/reschedule?lang=en", data={"csrf": token, **edge}
    )
    assert again.status_code == 422
    assert error_of("start_time", between) in again.text
    await session.refresh(meeting)
    assert meeting.starts_at == starts_at


async def test_progress_errors_are_in_the_pages_language_and_nothing_is_written(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    await sign_in(client, s.email, PASSWORD)
    url = f"/portal/cohorts/{s.cohort.id}"
    token = csrf_of((await client.get(url)).text)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()

    def progress(**changes: str) -> dict[str, str]:
        return {
            "csrf": token,
            "member": str(s.members[0].id),
            "step": "MAP_IT",
            "status": "IN_PROGRESS",
            **changes,
        }

    welsh = await client.post(f"{url}/progress?lang=cy", data=progress(started_on=tomorrow))
    assert welsh.status_code == 422
    assert error_of("started_on", "Ni all cam ddechrau yn y dyfodol.") in welsh.text
    ancient = await client.post(f"{url}/progress?lang=cy", data=progress(started_on="0001-01-01"))
    assert error_of("started_on", "Mae dyddiad cam yn 2000 neu'n hwyrach.") in ancient.text
    french = await client.post(
        f"{url}/progress?lang=fr",
        data=progress(status="COMPLETED", started_on="2026-02-01", completed_on="2026-01-15"),
    )
    assert french.status_code == 422
    assert (
        error_of("completed_on", "Une étape ne peut pas être terminée avant son début.")
        in french.text
    )
    english = await client.post(f"{url}/progress?lang=en", data=progress(completed_on="2026-01-15"))
    assert error_of("completed_on", "Only a completed step has a completion date.") in english.text
    stored = await session.scalar(
        select(func.count()).select_from(StepProgress).where(StepProgress.cohort_id == s.cohort.id)
    )
    assert stored == 0


async def test_the_schedule_forms_time_zone_follows_the_cohorts_network(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)  # a Citizen Powered Council cohort
    city_member = await make.member(
        "Ville de Lyon", partner=s.partner, network=Network.CITIZEN_POWERED_CITY, country="FR"
    )
    city = await make.cohort(
        "Cohorte de Lyon",
        partner=s.partner,
        network=Network.CITIZEN_POWERED_CITY,
        members=[city_member],
    )
    await session.commit()
    await sign_in(client, s.email, PASSWORD)
    zone = 'name="time_zone" type="text" list="time-zones" value="{}"'
    council = await client.get(f"/portal/cohorts/{s.cohort.id}")
    assert zone.format("Europe/London") in council.text
    paris = await client.get(f"/portal/cohorts/{city.id}")
    assert paris.status_code == 200
    assert zone.format("Europe/Paris") in paris.text
    # A form sent back with errors keeps the zone that was typed.
    token = csrf_of(paris.text)
    answer = await client.post(
        f"/portal/cohorts/{city.id}/meetings",
        data={"csrf": token, **form(time_zone="Europe/Brussels", title="")},
    )
    assert answer.status_code == 422
    assert zone.format("Europe/Brussels") in answer.text
