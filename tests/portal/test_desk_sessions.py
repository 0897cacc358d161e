"""The liaison desk's session pages (issue 14): every session for staff with its filters, and
scheduling, changing and cancelling a session through the portal's forms."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.db import utcnow
from network.kit.enums import Network, Role
from network.messaging.models import OutboxMessage
from network.portal.web import PAGE_SIZE
from network.training import service as training
from network.training.enums import BookingStatus, TrainingSessionStatus
from network.training.models import Booking, TrainingSession
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import csrf_of, partner_with_contacts, sign_in
from tests.support.training import TrainingFactory

ROW = r'<tr class="session(?: past)?" id="session-{id}">(.*?)</tr>'


async def staff_signed_in(client: httpx.AsyncClient, make: Factory, session: AsyncSession) -> None:
    """A staff user with a password, signed in on `client`."""
    user = await make.user(Role.STAFF)
    await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    await session.commit()
    assert (await sign_in(client, user.email, PASSWORD)).status_code == 303


def row_of(page: str, session_id: uuid.UUID) -> str:
    found = re.search(ROW.format(id=session_id), page, re.S)
    assert found is not None, f"no row for session {session_id}"
    return found.group(1)


def listed_ids(page: str) -> list[str]:
    return re.findall(r'<tr class="session(?: past)?" id="session-([0-9a-f-]+)">', page)


async def test_staff_see_every_session_upcoming_then_past_with_seats_and_reservations(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    wales = await partner_with_contacts(make, session, ["Siân Pryce", "Gareth Morgan", "Huw Owen"])
    france = await partner_with_contacts(make, session, ["Claire Martin"])
    soon = await train.session_of(
        await train.course("In-house for Wales"),
        capacity=2,
        starts_at=(utcnow() + timedelta(days=5)).replace(microsecond=0),
        reserved_member_id=wales["member"].id,
    )
    for person in wales["contacts"]:
        await train.book(soon, person)  # two seats taken, one waiting
    later = await train.session_of(
        await train.course("In-house for France"),
        starts_at=(utcnow() + timedelta(days=50)).replace(microsecond=0),
        reserved_member_id=france["member"].id,
        language="fr",
    )
    then = utcnow() - timedelta(days=60)
    past = await train.session_of(
        await train.course("Last month briefing"),
        starts_at=utcnow() - timedelta(days=10),
        now=then,
    )
    older = await train.session_of(
        await train.course("Two months ago"), starts_at=utcnow() - timedelta(days=40), now=then
    )
    await session.commit()
    await staff_signed_in(client, make, session)

    page = await client.get("/portal/sessions")
    assert page.status_code == 200
    # Upcoming soonest first, then the past ones latest first, under their own heading.
    assert listed_ids(page.text) == [str(s.id) for s in (soon, later, past, older)]
    assert page.text.index("Upcoming sessions") < page.text.index(str(soon.id))
    assert page.text.index(str(later.id)) < page.text.index("Past sessions")
    assert page.text.index("Past sessions") < page.text.index(str(past.id))
    row = row_of(page.text, soon.id)
    assert re.search(r'class="seats">2 / 2<', row)
    assert 'class="waiting">1<' in row
    assert wales["member"].name in row
    assert "over capacity" not in row
    assert f'href="/portal/sessions/{soon.id}"' in row
    assert f'href="/portal/sessions/{soon.id}/register"' in row
    assert f'href="/portal/sessions/{soon.id}/edit"' in row
    assert france["member"].name in row_of(page.text, later.id)
    assert "Français" in row_of(page.text, later.id)
    past_row = row_of(page.text, past.id)
    assert f'href="/portal/sessions/{past.id}/register"' in past_row
    assert "/edit" not in past_row  # a session that has started keeps its times
    assert "Open to all" in past_row
    # The session page links staff to the register, edit and cancel pages.
    own = await client.get(f"/portal/sessions/{soon.id}")
    assert own.status_code == 200
    for action in ("register", "edit", "cancel"):
        assert f'href="/portal/sessions/{soon.id}/{action}"' in own.text
    assert "Bookings on this session" in own.text and "Huw Owen" in own.text


async def test_walk_ins_beyond_the_capacity_show_as_over_capacity(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    wales = await partner_with_contacts(make, session, ["Siân Pryce", "Gareth Morgan"])
    full = await train.session_of(capacity=2)
    for person in wales["contacts"]:
        await train.book(full, person)
    # As after a walk-in marked attended at the door: more seats taken than the capacity.
    await session.execute(
        update(TrainingSession).where(TrainingSession.id == full.id).values(capacity=1)
    )
    await session.commit()
    await staff_signed_in(client, make, session)

    row = row_of((await client.get("/portal/sessions")).text, full.id)
    assert re.search(r'class="seats">2 / 1 <strong class="over">over capacity</strong>', row)


async def test_partners_keep_their_own_listing(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    wales = await partner_with_contacts(make, session, ["Siân Pryce"])
    open_session = await train.session_of(await train.course("Open to everyone"))
    await session.commit()
    await sign_in(client, wales["user"].email, PASSWORD)

    page = await client.get("/portal/sessions")
    assert page.status_code == 200
    assert f'href="/portal/sessions/{open_session.id}"' in page.text
    assert "/register" not in page.text and "/edit" not in page.text
    assert 'name="month"' not in page.text  # no staff filters
    own = await client.get(f"/portal/sessions/{open_session.id}")
    assert "/register" not in own.text and f"/sessions/{open_session.id}/cancel" not in own.text


async def test_the_filters_narrow_the_listing(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    wales = await partner_with_contacts(make, session, ["Siân Pryce"])
    star, obc = await train.course("Co-Production Star"), await train.course("OBC")
    first_day = (utcnow() + timedelta(days=40)).replace(hour=12, minute=0, second=0, microsecond=0)
    second_day = first_day + timedelta(days=40)
    english = await train.session_of(star, starts_at=first_day)
    welsh = await train.session_of(star, starts_at=second_day, language="cy")
    full = await train.session_of(obc, starts_at=first_day, capacity=1)
    await train.book(full, wales["contacts"][0])
    called_off = await train.session_of(obc, starts_at=second_day)
    await training.update_training_session(
        session, SYSTEM, called_off.id, status=TrainingSessionStatus.CANCELLED
    )
    await session.commit()
    await staff_signed_in(client, make, session)

    async def ids(query: str) -> set[str]:
        page = await client.get(f"/portal/sessions?{query}")
        assert page.status_code == 200
        return set(listed_ids(page.text))

    assert await ids("") == {str(s.id) for s in (english, welsh, full, called_off)}
    assert await ids(f"course={star.id}") == {str(english.id), str(welsh.id)}
    assert await ids("language=cy") == {str(welsh.id)}
    assert await ids("status=CANCELLED") == {str(called_off.id)}
    assert await ids("seats=1") == {str(english.id), str(welsh.id)}
    assert await ids(f"month={first_day:%Y-%m}") == {str(english.id), str(full.id)}
    assert await ids(f"month={second_day:%Y-%m}&course={obc.id}") == {str(called_off.id)}
    # A value that is not one of the filter's reads as "any".
    assert len(await ids("language=xx&month=13-2027&status=NOPE")) == 4
    page = await client.get(f"/portal/sessions?language=cy&month={second_day:%Y-%m}")
    assert '<option value="cy" lang="cy" selected>' in page.text
    assert f'value="{second_day:%Y-%m}"' in page.text


async def test_the_listing_pages_through_upcoming_then_past(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    course = await train.course("Many sessions")
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    upcoming = [
        await train.session_of(course, starts_at=start + timedelta(days=n))
        for n in range(PAGE_SIZE + 1)
    ]
    then = utcnow() - timedelta(days=60)
    past = await train.session_of(course, starts_at=utcnow() - timedelta(days=5), now=then)
    await session.commit()
    await staff_signed_in(client, make, session)

    first = await client.get("/portal/sessions")
    assert listed_ids(first.text) == [str(s.id) for s in upcoming[:PAGE_SIZE]]
    assert "Past sessions" not in first.text
    link = re.search(r'rel="next" href="\?after=([^"]+)"', first.text)
    assert link is not None
    second = await client.get(f"/portal/sessions?after={link.group(1)}")
    assert listed_ids(second.text) == [str(upcoming[-1].id), str(past.id)]
    assert "Past sessions" in second.text and 'rel="next"' not in second.text
    assert (await client.get("/portal/sessions?after=x.nonsense")).status_code == 404
    assert (await client.get("/portal/sessions?after=u.nonsense")).status_code == 404


# -- scheduling and changing a session ---------------------------------------------------------


def session_form(course_id: object, day: date, **changes: str) -> dict[str, str]:
    form = {
        "course": str(course_id),
        "date": day.isoformat(),
        "start_time": "09:30",
        "end_time": "16:00",
        "time_zone": "Europe/Paris",
        "language": "fr",
        "venue": "Hôtel de Ville, Strasbourg",
        "online_url": "",
        "capacity": "12",
        "booking_deadline": f"{day - timedelta(days=7)}T17:00",
        "trainer": "Élodie Laurent",
        "reserved_cohort": "",
        "reserved_member": "",
    }
    return {**form, **changes}


async def sessions_of(session: AsyncSession, course_id: uuid.UUID) -> list[TrainingSession]:
    found = await session.scalars(
        select(TrainingSession)
        .where(TrainingSession.course_id == course_id)
        .execution_options(populate_existing=True)
    )
    return list(found.all())


async def test_staff_schedule_a_session_in_its_own_time_zone(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    course = await train.course("Outcome-Based Commissioning")
    strasbourg = await make.member(
        "INET Strasbourg", network=Network.CITIZEN_POWERED_CITY, country="FR"
    )
    cohort = await make.cohort("Cohorte Grand Est", network=Network.CITIZEN_POWERED_CITY)
    await session.commit()
    await staff_signed_in(client, make, session)

    page = await client.get(f"/portal/sessions/new?course={course.id}")
    assert page.status_code == 200
    assert f'<option value="{course.id}" selected>' in page.text
    assert f'<option value="{strasbourg.id}">INET Strasbourg</option>' in page.text
    assert f'<option value="{cohort.id}">Cohorte Grand Est</option>' in page.text
    assert '<option value="Europe/London" selected>' in page.text
    day = date.today() + timedelta(days=60)
    form = session_form(course.id, day, reserved_member=str(strasbourg.id))
    answer = await client.post("/portal/sessions/new", data={**form, "csrf": csrf_of(page.text)})
    assert answer.status_code == 303
    (made,) = await sessions_of(session, course.id)
    assert answer.headers["location"] == f"/portal/sessions/{made.id}?saved=new"
    paris = ZoneInfo("Europe/Paris")
    assert made.starts_at == datetime.combine(day, time(9, 30), paris).astimezone(UTC)
    assert made.ends_at == datetime.combine(day, time(16), paris).astimezone(UTC)
    deadline = datetime.combine(day - timedelta(days=7), time(17), paris).astimezone(UTC)
    assert made.booking_deadline == deadline
    assert (made.time_zone, made.language, made.capacity) == ("Europe/Paris", "fr", 12)
    assert (made.venue, made.trainer) == ("Hôtel de Ville, Strasbourg", "Élodie Laurent")
    assert (made.reserved_member_id, made.reserved_cohort_id) == (strasbourg.id, None)
    shown = await client.get(answer.headers["location"])
    assert "Session scheduled." in shown.text
    # The edit form shows it again as typed: wall-clock times in the session's zone.
    edit = await client.get(f"/portal/sessions/{made.id}/edit")
    for field, value in (
        ("date", day.isoformat()),
        ("start_time", "09:30"),
        ("end_time", "16:00"),
        ("booking_deadline", form["booking_deadline"]),
        ("capacity", "12"),
    ):
        assert re.search(rf'name="{field}" type="[a-z-]+" value="{value}"', edit.text), field
    assert '<option value="Europe/Paris" selected>' in edit.text
    assert f'<option value="{strasbourg.id}" selected>' in edit.text


async def test_a_session_form_with_errors_shows_them_by_their_fields_and_saves_nothing(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    course = await train.course("Co-Production Star training")
    member = await make.member("Sandwell MBC")
    cohort = await make.cohort("Cohort West Midlands")
    await session.commit()
    await staff_signed_in(client, make, session)
    token = csrf_of((await client.get("/portal/sessions/new")).text)
    day = date.today() + timedelta(days=30)

    answer = await client.post(
        "/portal/sessions/new",
        data={
            **session_form(
                course.id,
                day,
                end_time="08:00",
                venue="",
                capacity="twelve",
                trainer="Jo Trainer",
                reserved_cohort=str(cohort.id),
                reserved_member=str(member.id),
            ),
            "csrf": token,
        },
    )
    assert answer.status_code == 422
    errors = dict(re.findall(r'<div id="([a-z_]+)-error" class="error">(.*?)</div>', answer.text))
    assert errors == {
        "end_time": "A session must end after it starts.",
        "venue": "Give a venue, an online link, or both.",
        "capacity": "A whole number of seats.",
        "reserved_member": "Reserve a session for one cohort or one member, not both.",
    }
    assert 'value="twelve"' in answer.text and 'value="Jo Trainer"' in answer.text
    assert 'name="end_time" type="time" value="08:00"' in answer.text
    assert await sessions_of(session, course.id) == []

    zone = await client.post(
        "/portal/sessions/new",
        data={**session_form(course.id, day, time_zone="Mars/Olympus_Mons"), "csrf": token},
    )
    assert zone.status_code == 422
    assert 'id="time_zone-error"' in zone.text and "is not an IANA time zone" in zone.text
    no_course = await client.post(
        "/portal/sessions/new", data={**session_form("", day), "csrf": token}
    )
    assert no_course.status_code == 422 and 'id="course-error"' in no_course.text
    assert await sessions_of(session, course.id) == []


async def test_editing_sends_what_changed_and_the_capacity_stays_above_the_seats_taken(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    wales = await partner_with_contacts(make, session, ["Siân Pryce", "Gareth Morgan", "Huw Owen"])
    course = await train.course("Map It workshop")
    row = await train.session_of(course, capacity=3, venue="Neuadd y Sir")
    for person in wales["contacts"]:
        await train.book(row, person)
    await session.commit()
    before = row.starts_at
    await staff_signed_in(client, make, session)
    url = f"/portal/sessions/{row.id}/edit"
    page = await client.get(url)
    assert page.status_code == 200
    assert 'name="capacity" type="number" value="3"' in page.text
    assert 'value="Neuadd y Sir"' in page.text
    zone = ZoneInfo(row.time_zone)
    current = {
        "date": before.astimezone(zone).date().isoformat(),
        "start_time": f"{before.astimezone(zone):%H:%M}",
        "end_time": f"{row.ends_at.astimezone(zone):%H:%M}",
        "time_zone": row.time_zone,
        "language": "en",
        "venue": "Neuadd y Sir",
        "online_url": "",
        "capacity": "3",
        "booking_deadline": "",
        "trainer": "Jo Trainer",
        "reserved_cohort": "",
        "reserved_member": "",
        "csrf": csrf_of(page.text),
    }

    lower = await client.post(url, data={**current, "capacity": "2"})
    assert lower.status_code == 422
    assert re.search(
        r'<div id="capacity-error" class="error">3 people hold a seat, so the capacity cannot '
        r"go below 3",
        lower.text,
    )
    assert 'name="capacity" type="number" value="2"' in lower.text
    (kept,) = await sessions_of(session, course.id)
    assert kept.capacity == 3

    moved = await client.post(url, data={**current, "venue": "County Hall, Llandrindod Wells"})
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/portal/sessions/{row.id}?saved=edit"
    (changed,) = await sessions_of(session, course.id)
    assert (changed.venue, changed.capacity, changed.starts_at) == (
        "County Hall, Llandrindod Wells",
        3,
        before,
    )
    assert changed.ics_sequence == 1  # the booked are sent the updated invitation


async def test_a_session_under_way_can_still_get_a_new_trainer(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    course = await train.course("Started yesterday")
    started = await train.session_of(
        course,
        starts_at=(utcnow() - timedelta(hours=1)).replace(microsecond=0),
        hours=26,
        now=utcnow() - timedelta(days=3),
    )
    await session.commit()
    await staff_signed_in(client, make, session)
    url = f"/portal/sessions/{started.id}/edit"
    page = await client.get(url)
    fields = dict(re.findall(r'name="([a-z_]+)" type="[a-z-]+" value="([^"]*)"', page.text))
    form = {
        **{k: fields[k] for k in ("date", "start_time", "end_time", "venue", "capacity")},
        "time_zone": "Europe/London",
        "language": "en",
        "trainer": "Dewi Price",
        "csrf": csrf_of(page.text),
    }
    answer = await client.post(url, data=form)
    assert answer.status_code == 303, answer.text
    (changed,) = await sessions_of(session, course.id)
    assert changed.trainer == "Dewi Price" and changed.starts_at == started.starts_at


# -- cancelling a session ----------------------------------------------------------------------


async def test_cancelling_a_session_asks_for_a_reason_and_tells_everyone_booked(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    wales = await partner_with_contacts(make, session, ["Siân Pryce", "Gareth Morgan", "Huw Owen"])
    course = await train.course("Cancelled for lack of a trainer")
    row = await train.session_of(course, capacity=2)
    for person in wales["contacts"]:
        await train.book(row, person)
    await session.commit()
    await staff_signed_in(client, make, session)
    url = f"/portal/sessions/{row.id}/cancel"

    page = await client.get(url)
    assert page.status_code == 200
    assert "2 people hold a seat and 1 are on the waiting list" in page.text
    empty = await client.post(url, data={"csrf": csrf_of(page.text), "reason": "  "})
    assert empty.status_code == 422
    assert 'id="reason-error"' in empty.text
    (kept,) = await sessions_of(session, course.id)
    assert kept.status is TrainingSessionStatus.SCHEDULED

    done = await client.post(
        url, data={"csrf": csrf_of(page.text), "reason": "The trainer is unwell."}
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/portal/sessions/{row.id}?saved=cancelled"
    (cancelled,) = await sessions_of(session, course.id)
    assert cancelled.status is TrainingSessionStatus.CANCELLED
    assert cancelled.cancellation_reason == "The trainer is unwell."
    statuses = await session.scalars(
        select(Booking.status)
        .where(Booking.session_id == row.id)
        .execution_options(populate_existing=True)
    )
    assert set(statuses.all()) == {BookingStatus.CANCELLED}
    told = await session.scalar(
        select(func.count(func.distinct(OutboxMessage.to_email))).where(
            OutboxMessage.to_email.in_([c.email for c in wales["contacts"]])
        )
    )
    assert told == 3
    shown = await client.get(done.headers["location"])
    assert "This session was cancelled" in shown.text
    assert f'href="{url}"' not in shown.text
    again = await client.post(url, data={"csrf": csrf_of(page.text), "reason": "Twice."})
    assert again.status_code == 422
    assert "already cancelled" in again.text or "This session was cancelled" in again.text


@pytest.mark.parametrize(
    "path", ["/sessions/new", "/sessions/{id}/edit", "/sessions/{id}/cancel", "/courses"]
)
async def test_partners_do_not_have_the_staff_pages(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    train: TrainingFactory,
    path: str,
) -> None:
    wales = await partner_with_contacts(make, session, ["Siân Pryce"])
    row = await train.session_of()
    await session.commit()
    await sign_in(client, wales["user"].email, PASSWORD)
    answer = await client.get("/portal" + path.format(id=row.id))
    assert answer.status_code == 404
