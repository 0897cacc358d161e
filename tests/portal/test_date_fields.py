"""Every portal form with a date or a time, posted the calendar's edges and things that are not
dates at all: each answers with the form again and an error on the field (422), never a 500,
and writes nothing."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.helpers import snapshot
from tests.support.portal import page_token, sign_in
from tests.support.portal_cohorts import form, scene

BAD_DAYS = (
    "0001-01-01",
    "9999-12-31",
    "0000-01-01",
    "10000-01-01",
    "2027-02-30",
    "-2027-01-01",
    "1999-12-31",
    "2101-01-01",
    "x" * 300,
)
BAD_TIMES = ("24:00", "23:60", "99:99", "-1:00", "12:00:60")


async def test_no_date_or_time_a_form_is_sent_answers_500_or_writes_anything(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    await sign_in(client, s.email, PASSWORD)
    cohort_url = f"/portal/cohorts/{s.cohort.id}"
    token = await page_token(client, cohort_url)
    contact_url = f"/portal/members/{s.members[0].id}/contacts/new"
    contact_token = await page_token(client, contact_url)
    before = await snapshot(session)
    # (url, form, the fields one of which carries the error): a meeting's date that is not one
    # is the date's error, a date out of range is the start's and the end's (as the API's).
    posts: list[tuple[str, dict[str, str], tuple[str, ...]]] = []
    for day in BAD_DAYS:
        posts.append(
            (f"{cohort_url}/meetings", {"csrf": token, **form(date=day)}, ("date", "start_time"))
        )
        posts.append(
            (
                f"{cohort_url}/progress",
                {
                    "csrf": token,
                    "member": str(s.members[0].id),
                    "step": "MAP_IT",
                    "status": "COMPLETED",
                    "started_on": day,
                    "completed_on": day,
                },
                ("started_on",),
            )
        )
        if day == "1999-12-31":
            continue  # a consent given then is a consent (dates from 1900 on)
        posts.append(
            (
                contact_url,
                {
                    "csrf": contact_token,
                    "email": "edge@example.org",
                    "first_name": "Edge",
                    "last_name": "Case",
                    "language": "en",
                    "consent_given_on": day,
                },
                ("consent_given_on",),
            )
        )
    for clock in BAD_TIMES:
        posts.append(
            (f"{cohort_url}/meetings", {"csrf": token, **form(start_time=clock)}, ("start_time",))
        )
    for url, data, fields in posts:
        answer = await client.post(url, data=data)
        sent = [data.get(field) for field in fields]
        assert answer.status_code == 422, (url, sent, answer.status_code)
        shown = [f for f in fields if f'id="{f}-error" class="error">' in answer.text]
        assert shown, (url, sent)
    assert await snapshot(session) == before
