"""The cohort pages' network meetings: schedule, reschedule and cancel through the forms, the
meetings list with RSVP tallies, a meeting's invitations, home's constant statement count,
and a meeting outside the cohort answering 404 (who may open each route: test_route_matrix)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.db import utcnow
from network.kit.enums import MeetingStatus, Role, RsvpResponse, StarStep
from network.meetings import repository
from network.meetings import service as meetings
from network.meetings.models import MeetingInvitation, NetworkMeeting
from network.messaging.models import OutboxMessage
from network.portal.web import PAGE_SIZE
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import csrf_of, page_token, sign_in
from tests.support.portal_cohorts import DAY, LONDON, form, into_the_past, scene, schedule


async def test_scheduling_through_the_form_invites_the_cohorts_contacts(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    await sign_in(client, s.email, PASSWORD)
    url = f"/portal/cohorts/{s.cohort.id}"
    page = await client.get(url)
    assert 'value="Europe/London"' in page.text  # the default time zone
    answer = await client.post(f"{url}/meetings", data={"csrf": csrf_of(page.text), **form()})
    assert answer.status_code == 303, answer.text
    meeting = (
        await session.scalars(select(NetworkMeeting).where(NetworkMeeting.cohort_id == s.cohort.id))
    ).one()
    assert answer.headers["location"] == f"{url}/meetings/{meeting.id}?saved=1"
    assert meeting.title == "Focus It network meeting"
    assert meeting.after_step == StarStep.FOCUS_IT
    assert meeting.time_zone == "Europe/London"
    assert meeting.starts_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") == f"{DAY} 10:00"
    assert meeting.ends_at.astimezone(LONDON).strftime("%H:%M") == "12:00"
    assert meeting.venue == "Neuadd y Sir, Llandrindod"
    assert meeting.online_url == "https://meet.example/focus-it"
    invited = await session.scalars(
        select(MeetingInvitation.contact_id).where(MeetingInvitation.meeting_id == meeting.id)
    )
    assert set(invited.all()) == {c.id for c in s.contacts}
    mails = await session.scalars(
        select(OutboxMessage.to_email).where(OutboxMessage.template == "meeting_invitation")
    )
    assert sorted(mails.all()) == sorted(c.email for c in s.contacts)

    shown = await client.get(answer.headers["location"])
    assert shown.status_code == 200
    assert "Meeting saved" in shown.text
    for text in ("Siân Pryce", "Marie Dubois", "Powys County Council", "Isle of Anglesey"):
        assert text in shown.text
    welsh = await client.get(f"{url}/meetings/{meeting.id}?lang=cy")
    assert "<h2>Gwahoddiadau</h2>" in welsh.text
    assert '<th scope="row">Pryd</th>' in welsh.text
    assert "amser London" in welsh.text  # the time, in the meeting's zone, in Welsh
    listed = await client.get(f"{url}?lang=en")
    assert f'href="{url}/meetings/{meeting.id}">Focus It network meeting</a>' in listed.text
    assert "Yes 0 &middot; No 0 &middot; Maybe 0 &middot; No answer 2" in listed.text


async def test_a_form_with_errors_shows_each_next_to_its_field_and_keeps_the_input(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    await sign_in(client, s.email, PASSWORD)
    url = f"/portal/cohorts/{s.cohort.id}"
    token = await page_token(client, url)
    bad = form(
        title="Kept title",
        time_zone="Mars/Olympus",
        online_url="ftp://meet.example",
        after_step="",
    )
    answer = await client.post(f"{url}/meetings", data={"csrf": token, **bad})
    assert answer.status_code == 422
    assert 'id="time_zone-error" class="error">Not an IANA time zone name' in answer.text
    assert 'id="online_url-error" class="error">An http(s) link' in answer.text
    assert 'id="after_step-error" class="error">Please choose one.' in answer.text
    assert 'value="Kept title"' in answer.text
    assert 'value="Mars/Olympus"' in answer.text
    assert 'value="ftp://meet.example"' in answer.text

    # The end before the start, in the past, in Welsh.
    past = form(date="2020-01-02", start_time="10:00", end_time="09:00", title="Hen gyfarfod")
    answer = await client.post(f"{url}/meetings?lang=cy", data={"csrf": token, **past})
    assert answer.status_code == 422
    assert 'id="start_time-error" class="error">Rhaid i gyfarfod ddechrau yn y dyfodol.' in (
        answer.text
    )
    assert 'id="end_time-error" class="error">Rhaid i gyfarfod orffen ar ôl iddo ddechrau.' in (
        answer.text
    )
    assert 'value="Hen gyfarfod"' in answer.text

    # Not a date and not a time (back in English: the language chosen is remembered).
    answer = await client.post(
        f"{url}/meetings?lang=en", data={"csrf": token, **form(date="tomorrow", start_time="ten")}
    )
    assert answer.status_code == 422
    assert 'id="date-error" class="error">Not a date' in answer.text
    assert 'id="start_time-error" class="error">Not a time (HH:MM).' in answer.text
    count = select(func.count()).select_from(NetworkMeeting)
    assert (await session.scalar(count.where(NetworkMeeting.cohort_id == s.cohort.id))) == 0


async def test_reschedule_and_cancel_through_the_forms(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    meeting = await schedule(session, s.cohort)
    await sign_in(client, s.email, PASSWORD)
    url = f"/portal/cohorts/{s.cohort.id}/meetings/{meeting.id}"
    page = await client.get(url)
    assert page.status_code == 200
    assert 'value="Map It meeting"' in page.text  # the reschedule form holds the current values
    assert 'value="14:00"' in page.text
    token = csrf_of(page.text)

    moved = form(title="Map It meeting (moved)", start_time="15:30", end_time="17:00")
    moved["time_zone"] = "Europe/Paris"
    answer = await client.post(f"{url}/reschedule", data={"csrf": token, **moved})
    assert answer.status_code == 303, answer.text
    await session.refresh(meeting)
    assert meeting.title == "Map It meeting (moved)"
    assert meeting.time_zone == "Europe/Paris"
    paris = meeting.starts_at.astimezone(ZoneInfo("Europe/Paris"))
    assert paris.strftime("%Y-%m-%d %H:%M") == f"{DAY} 15:30"
    assert meeting.sequence == 1
    updates = await session.scalars(
        select(OutboxMessage.to_email).where(OutboxMessage.template == "meeting_update")
    )
    assert sorted(updates.all()) == sorted(c.email for c in s.contacts)

    wrong = await client.post(f"{url}/reschedule", data={"csrf": token, **form(end_time="08:00")})
    assert wrong.status_code == 422
    assert 'id="end_time-error" class="error">A meeting must end after it starts.' in wrong.text
    assert 'value="08:00"' in wrong.text

    unconfirmed = await client.post(f"{url}/cancel", data={"csrf": token, "reason": "Snow"})
    assert unconfirmed.status_code == 422
    assert 'id="confirm-error" class="error">Tick the box to confirm.' in unconfirmed.text
    assert ">Snow</textarea>" in unconfirmed.text
    await session.refresh(meeting)
    assert meeting.status == MeetingStatus.SCHEDULED

    done = await client.post(
        f"{url}/cancel", data={"csrf": token, "reason": "Snow", "confirm": "yes"}
    )
    assert done.status_code == 303
    await session.refresh(meeting)
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.cancellation_reason == "Snow"
    shown = await client.get(done.headers["location"])
    assert "Meeting cancelled" in shown.text
    assert "<strong>Cancelled</strong> (Snow)" in shown.text
    assert f"{url}/cancel" not in shown.text  # nothing left to change
    again = await client.post(f"{url}/reschedule", data={"csrf": token, **form()})
    assert again.status_code == 422
    assert "This meeting was cancelled." in again.text


async def test_the_partner_records_an_invitees_answer(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    meeting = await schedule(session, s.cohort)
    stranger = await make.contact(await make.member(partner=await make.partner()))
    await session.commit()
    await sign_in(client, s.email, PASSWORD)
    url = f"/portal/cohorts/{s.cohort.id}/meetings/{meeting.id}"
    page = await client.get(url)
    sian = s.contacts[0]
    assert f'<label for="rsvp-{sian.id}">Answer of Siân Pryce</label>' in page.text
    token = csrf_of(page.text)
    answer = await client.post(
        f"{url}/rsvp", data={"csrf": token, "contact": str(sian.id), "response": "MAYBE"}
    )
    assert answer.status_code == 303
    invitation = await session.scalar(
        select(MeetingInvitation).where(
            MeetingInvitation.meeting_id == meeting.id, MeetingInvitation.contact_id == sian.id
        )
    )
    assert invitation is not None
    await session.refresh(invitation)
    assert invitation.response == RsvpResponse.MAYBE
    shown = await client.get(answer.headers["location"])
    assert "Answer saved." in shown.text
    assert "Yes 0 &middot; No 0 &middot; Maybe 1 &middot; No answer 1" in shown.text

    for sent, error in (
        ({"contact": str(stranger.id), "response": "YES"}, "This contact is not invited"),
        ({"contact": str(sian.id), "response": "PERHAPS"}, "Please choose one."),
    ):
        refused = await client.post(f"{url}/rsvp", data={"csrf": token, **sent})
        assert refused.status_code == 422
        assert f'<p class="error">{error}' in refused.text
    await session.refresh(invitation)
    assert invitation.response == RsvpResponse.MAYBE


async def test_the_meetings_list_shows_rsvp_tallies_and_pages_the_past_ones(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    soon = await schedule(session, s.cohort, days=10, title="Focus It soon")
    await meetings.rsvp(
        session, SYSTEM, meeting_id=soon.id, contact_id=s.contacts[0].id, response=RsvpResponse.YES
    )
    await meetings.rsvp(
        session, SYSTEM, meeting_id=soon.id, contact_id=s.contacts[1].id, response=RsvpResponse.NO
    )
    await session.commit()
    olds = []
    for n in range(PAGE_SIZE + 1):
        old = await schedule(session, s.cohort, days=20 + n, title=f"Old meeting {n:02d}")
        await into_the_past(session, old.id, days=n + 1)  # "Old meeting 00" is the latest
        olds.append(old)
    await sign_in(client, s.email, PASSWORD)
    url = f"/portal/cohorts/{s.cohort.id}"
    page = await client.get(url)
    upcoming, past = page.text.split('id="past"')
    assert "Focus It soon" in upcoming
    assert "Yes 1 &middot; No 1 &middot; Maybe 0 &middot; No answer 0" in upcoming
    assert "Old meeting" not in upcoming
    shown = [f"Old meeting {n:02d}" for n in range(PAGE_SIZE)]
    assert [title for title in shown if title in past] == shown
    assert past.index("Old meeting 00") < past.index("Old meeting 01")  # the latest first
    assert f"Old meeting {PAGE_SIZE:02d}" not in past
    assert "No answer 2" in past
    after = page.text.split('rel="next" href="?after=')[1].split('"')[0]
    second = await client.get(f"{url}?after={after}")
    assert f"Old meeting {PAGE_SIZE:02d}" in second.text
    assert "Old meeting 00" not in second.text
    assert 'rel="next"' not in second.text
    forged = await client.get(f"{url}?after=forged")  # a bad cursor starts again
    assert forged.status_code == 200 and "Old meeting 00" in forged.text
    french = await client.get(f"{url}?lang=fr")
    assert "Réunions du réseau à venir" in french.text
    assert "Oui 1 &middot; Non 1" in french.text
    assert "heure de London" in french.text


async def test_next_meetings_of_cohorts_gives_each_cohorts_next_scheduled_one(
    make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    other = await make.cohort(partner=s.partner, members=[s.members[0]])
    empty = await make.cohort(partner=s.partner)
    later = await schedule(session, s.cohort, days=20, title="Later")
    sooner = await schedule(session, s.cohort, days=10, title="Sooner")
    cancelled = await schedule(session, other, days=5, title="Called off")
    await meetings.cancel_meeting(session, SYSTEM, cancelled.id)
    of_other = await schedule(session, other, days=15, title="Other's")
    past = await schedule(session, other, days=3, title="Past")
    await into_the_past(session, past.id, days=2)
    found = await repository.next_meetings_of_cohorts(
        session, SYSTEM, [s.cohort.id, other.id, empty.id], utcnow()
    )
    assert {k: v.id for k, v in found.items()} == {s.cohort.id: sooner.id, other.id: of_other.id}
    assert later.id not in {v.id for v in found.values()}
    outsider = await make.user(Role.PARTNER, partner=await make.partner())
    hidden = await repository.next_meetings_of_cohorts(
        session, auth.principal_for(outsider), [s.cohort.id, other.id], utcnow()
    )
    assert hidden == {}


async def test_home_reads_with_the_same_number_of_statements_for_one_or_five_cohorts(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    count_statements: Callable[[], Any],
) -> None:
    counts = []
    for how_many in (1, 5):
        s = await scene(make, session)
        for n in range(how_many - 1):
            extra = await make.cohort(partner=s.partner, members=s.members)
            await schedule(session, extra, days=10 + n, title=f"Meeting of extra {n}")
        await schedule(session, s.cohort, days=9, title="Next of the first")
        client.cookies.clear()
        await sign_in(client, s.email, PASSWORD)
        counter = count_statements()
        counter.reset()
        home = await client.get("/portal/")
        assert home.status_code == 200
        assert home.text.count('class="card"') == how_many
        assert "Next of the first" in home.text
        counts.append(counter.count)
    assert counts[0] == counts[1]
    assert counts[0] <= 10  # 8, and the 2 that name the caller for row-level security (network.db)


@pytest.mark.parametrize("target", ["other cohort's meeting", "missing", "not an id"])
async def test_a_meeting_outside_the_cohort_answers_404(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, target: str
) -> None:
    s = await scene(make, session)
    other = await make.cohort(partner=s.partner, members=[s.members[0]])
    elsewhere = await schedule(session, other, title="Of the other cohort")
    await sign_in(client, s.email, PASSWORD)
    meeting_id = {
        "other cohort's meeting": str(elsewhere.id),
        "missing": str(uuid.uuid4()),
        "not an id": "nope",
    }[target]
    url = f"/portal/cohorts/{s.cohort.id}/meetings/{meeting_id}"
    token = await page_token(client, f"/portal/cohorts/{s.cohort.id}")
    assert (await client.get(url)).status_code == 404
    cancel = await client.post(f"{url}/cancel", data={"csrf": token, "confirm": "yes"})
    assert cancel.status_code == 404
    await session.refresh(elsewhere)
    assert elsewhere.status == MeetingStatus.SCHEDULED


async def test_posts_without_their_csrf_token_are_refused_and_change_nothing(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    meeting = await schedule(session, s.cohort)
    await sign_in(client, s.email, PASSWORD)
    url = f"/portal/cohorts/{s.cohort.id}"
    posts = {
        f"{url}/meetings": form(title="Sneaky"),
        f"{url}/meetings/{meeting.id}/reschedule": form(title="Sneaky"),
        f"{url}/meetings/{meeting.id}/cancel": {"confirm": "yes"},
        f"{url}/meetings/{meeting.id}/rsvp": {"contact": str(s.contacts[0].id), "response": "NO"},
    }
    for target, fields in posts.items():
        for sent in (fields, {**fields, "csrf": "wrong"}):
            assert (await client.post(target, data=sent)).status_code == 403
    await session.refresh(meeting)
    assert (meeting.title, meeting.status, meeting.sequence) == (
        "Map It meeting",
        MeetingStatus.SCHEDULED,
        0,
    )
    count = select(func.count()).where(NetworkMeeting.cohort_id == s.cohort.id)
    assert await session.scalar(count) == 1
    answers = select(MeetingInvitation.response).where(MeetingInvitation.meeting_id == meeting.id)
    assert (await session.scalars(answers)).all() == [None, None]


async def test_a_past_meeting_that_was_not_cancelled_shows_as_held(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    meeting = await schedule(session, s.cohort)
    await into_the_past(session, meeting.id, days=3)
    await sign_in(client, s.email, PASSWORD)
    page = await client.get(f"/portal/cohorts/{s.cohort.id}")
    past = page.text.split('id="past"', 1)[1].split("</table>", 1)[0]
    assert "<td>Held</td>" in past
    assert "<td>Scheduled</td>" not in past
    welsh = await client.get(f"/portal/cohorts/{s.cohort.id}/meetings/{meeting.id}?lang=cy")
    assert "Wedi&#39;i gynnal" in welsh.text
    await client.get(f"/portal/cohorts/{s.cohort.id}?lang=en")  # the user's language back
