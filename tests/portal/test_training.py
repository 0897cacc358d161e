"""The partner portal's training pages: sessions, booking contacts, the waiting list, cancelling."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.principal import SYSTEM, Principal
from network.db import utcnow
from network.portal.web import PAGE_SIZE
from network.training import bookings as training_bookings
from network.training.enums import BookingStatus
from network.training.models import Booking
from network.usecases import attendance
from tests.support.config import PASSWORD
from tests.support.database import StatementCounter
from tests.support.factories import Factory
from tests.support.portal import csrf_of, partner_with_contacts, sign_in
from tests.support.training import TrainingFactory


@pytest.fixture
def train(session: AsyncSession) -> TrainingFactory:
    """Courses, sessions and bookings made through the training services."""
    return TrainingFactory(session)


async def statuses(session: AsyncSession, session_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(Booking.contact_id, Booking.status).where(Booking.session_id == session_id)
    )
    return {contact_id: str(status) for contact_id, status in rows.all()}


async def test_listing_shows_seats_left_and_only_sessions_the_partner_may_see(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    wales = await partner_with_contacts(make, session, ["Siân Pryce", "Gareth Morgan"])
    france = await partner_with_contacts(make, session, ["Claire Martin"])
    open_course = await train.course("Outcome-Based Commissioning (open)")
    open_session = await train.session_of(open_course, capacity=3)
    await train.book(open_session, wales["contacts"][0])
    await train.book(open_session, france["contacts"][0])
    ours = await train.session_of(
        await train.course("In-house for Wales"), reserved_member_id=wales["member"].id
    )
    theirs = await train.session_of(
        await train.course("In-house for France"), reserved_member_id=france["member"].id
    )
    await session.commit()
    await sign_in(client, wales["user"].email, PASSWORD)

    page = await client.get("/portal/sessions")
    assert page.status_code == 200
    assert "Outcome-Based Commissioning (open)" in page.text
    assert f"/portal/sessions/{ours.id}" in page.text
    assert "In-house for France" not in page.text
    assert f"/portal/sessions/{theirs.id}" not in page.text
    row = re.search(
        rf'href="/portal/sessions/{open_session.id}".*?class="seats-left">(\d+)<.*?'
        r'class="waiting">(\d+)<',
        page.text,
        re.S,
    )
    assert row is not None and row.groups() == ("1", "0")
    # The session's own time zone, in the page's language.
    assert "(London time)" in page.text
    french = (await client.get("/portal/sessions?lang=fr")).text
    assert "Sessions de formation" in french and "(heure de London)" in french
    assert (await client.get(f"/portal/sessions/{theirs.id}")).status_code == 404


async def test_past_sessions_show_attendance(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    wales = await partner_with_contacts(make, session, ["Huw Owen", "Rhian Dafydd"])
    then = utcnow() - timedelta(days=40)
    past = await train.session_of(
        await train.course("Last month briefing"),
        starts_at=utcnow() - timedelta(days=10),
        now=then,
    )
    came = await train.book(past, wales["contacts"][0], now=then)
    await train.book(past, wales["contacts"][1], now=then)
    await attendance.mark_attendance(session, SYSTEM, booking_ids=[came.id], attended=True)
    await session.commit()
    await sign_in(client, wales["user"].email, PASSWORD)

    upcoming = await client.get("/portal/sessions")
    assert "Last month briefing" not in upcoming.text
    listing = await client.get("/portal/sessions?past=1")
    assert "Last month briefing" in listing.text
    page = await client.get(f"/portal/sessions/{past.id}")
    assert page.status_code == 200
    rows = re.findall(r'<tr class="booking">(.*?)</tr>', page.text, re.S)
    assert len(rows) == 2
    assert "Huw Owen" in rows[0] and "Attended" in rows[0] and "None issued" in rows[0]
    assert "Rhian Dafydd" in rows[1] and "Not recorded" in rows[1]
    assert f'href="/portal/certificates?session={past.id}"' in page.text
    assert 'action="/portal/sessions/' not in page.text  # no booking form, no cancelling
    assert "/cancel" not in page.text


async def test_booking_two_contacts_onto_the_last_seat(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    wales = await partner_with_contacts(make, session, ["Siân Pryce", "Gareth Morgan"])
    first, second = wales["contacts"]
    one_seat = await train.session_of(await train.course("One seat"), capacity=1)
    await session.commit()
    await sign_in(client, wales["user"].email, PASSWORD)

    page = await client.get(f"/portal/sessions/{one_seat.id}")
    assert page.status_code == 200
    assert f"<legend>{wales['member'].name}</legend>" in page.text
    assert '<label for="contact-' in page.text
    answer = await client.post(
        f"/portal/sessions/{one_seat.id}/book",
        data={"csrf": csrf_of(page.text), "contact": [str(first.id), str(second.id)]},
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"/portal/sessions/{one_seat.id}?booked=")
    assert await statuses(session, one_seat.id) == {
        first.id: "CONFIRMED",
        second.id: "WAITLISTED",
    }
    result = await client.get(answer.headers["location"])
    items = re.findall(r'<li class="result">(.*?)</li>', result.text, re.S)
    assert len(items) == 2
    assert "Siân Pryce" in items[0] and "Confirmed" in items[0]
    assert "Gareth Morgan" in items[1] and "Waiting list position 1" in items[1]
    # Both are booked now: the form offers neither again.
    assert f'value="{first.id}"' not in result.text
    assert f'value="{second.id}"' not in result.text
    welsh = await client.get(f"{answer.headers['location']}&lang=cy")
    assert "Safle 1 ar y rhestr aros" in welsh.text


async def test_a_refused_contact_is_shown_next_to_it_and_the_others_are_booked(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    wales = await partner_with_contacts(make, session, ["Siân Pryce", "Gareth Morgan"])
    first, second = wales["contacts"]
    training = await train.session_of(capacity=5)
    await train.book(training, first)
    await session.commit()
    await sign_in(client, wales["user"].email, PASSWORD)
    page = await client.get(f"/portal/sessions/{training.id}")
    answer = await client.post(
        f"/portal/sessions/{training.id}/book",
        data={"csrf": csrf_of(page.text), "contact": [str(first.id), str(second.id)]},
    )
    assert answer.status_code == 422
    assert f'id="contact-{first.id}-result"' in answer.text
    assert "already has a booking on this session" in answer.text
    assert await statuses(session, training.id) == {
        first.id: "CONFIRMED",
        second.id: "CONFIRMED",
    }
    empty = await client.post(
        f"/portal/sessions/{training.id}/book", data={"csrf": csrf_of(page.text)}
    )
    assert empty.status_code == 422
    assert 'id="contact-error"' in empty.text and "Tick at least one contact." in empty.text


@pytest.mark.parametrize("mixed", [False, True])
async def test_booking_another_partners_contact_is_refused_and_writes_nothing(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    train: TrainingFactory,
    mixed: bool,
) -> None:
    wales = await partner_with_contacts(make, session, ["Siân Pryce"])
    france = await partner_with_contacts(make, session, ["Claire Martin"])
    training = await train.session_of(capacity=5)
    await session.commit()
    await sign_in(client, wales["user"].email, PASSWORD)
    page = await client.get(f"/portal/sessions/{training.id}")
    assert "Claire Martin" not in page.text
    chosen = [str(france["contacts"][0].id)]
    if mixed:
        chosen.insert(0, str(wales["contacts"][0].id))
    answer = await client.post(
        f"/portal/sessions/{training.id}/book",
        data={"csrf": csrf_of(page.text), "contact": chosen},
    )
    assert answer.status_code == 404
    assert "Claire Martin" not in answer.text
    assert await statuses(session, training.id) == {}
    bad = await client.post(
        f"/portal/sessions/{training.id}/book",
        data={"csrf": csrf_of(page.text), "contact": ["not-an-id"]},
    )
    assert bad.status_code == 404


async def test_cancelling_a_booking_promotes_the_waiting_list(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    wales = await partner_with_contacts(make, session, ["Siân Pryce", "Gareth Morgan"])
    first, second = wales["contacts"]
    training = await train.session_of(capacity=1)
    seated = await train.book(training, first)
    await train.book(training, second)
    await session.commit()
    await sign_in(client, wales["user"].email, PASSWORD)

    page = await client.get(f"/portal/sessions/{training.id}")
    link = f"/portal/sessions/{training.id}/bookings/{seated.id}/cancel"
    assert f'href="{link}"' in page.text
    confirm = await client.get(link)
    assert confirm.status_code == 200
    assert "Cancel the booking of Siân Pryce" in confirm.text
    assert '<label for="reason">' in confirm.text
    done = await client.post(link, data={"csrf": csrf_of(confirm.text), "reason": "Ill"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/portal/sessions/{training.id}?cancelled=1"
    assert await statuses(session, training.id) == {
        first.id: "CANCELLED",
        second.id: "CONFIRMED",
    }
    after = await client.get(done.headers["location"])
    assert "The booking was cancelled." in after.text
    # A second cancel is refused next to the form, in the page's language.
    again = await client.post(f"{link}?lang=fr", data={"csrf": csrf_of(confirm.text)})
    assert again.status_code == 422
    assert "Cette réservation est déjà annulée." in again.text


async def test_sessions_are_paginated_with_a_constant_number_of_queries(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    train: TrainingFactory,
    count_statements: Callable[[], StatementCounter],
) -> None:
    wales = await partner_with_contacts(make, session, ["Siân Pryce"])
    course = await train.course("Paged course")
    start = (utcnow() + timedelta(days=400)).replace(microsecond=0)
    made = []
    for n in range(PAGE_SIZE + 1):
        made.append(await train.session_of(course, starts_at=start + timedelta(hours=n)))
    await train.book(made[0], wales["contacts"][0])
    await session.commit()
    await sign_in(client, wales["user"].email, PASSWORD)

    counter = count_statements()
    first = await client.get("/portal/sessions")
    many = counter.count
    shown = re.findall(r'href="/portal/sessions/([0-9a-f-]{36})"', first.text)
    assert len(shown) == PAGE_SIZE
    cursor = re.search(r'rel="next" href="\?after=([^"]+)"', first.text)
    assert cursor is not None
    second = await client.get(f"/portal/sessions?after={cursor.group(1)}")
    rest = re.findall(r'href="/portal/sessions/([0-9a-f-]{36})"', second.text)
    ours = {str(s.id) for s in made}
    assert ours <= set(shown) | set(rest)
    assert not set(shown) & set(rest)
    assert str(made[-1].id) in rest
    counter.reset()
    await client.get(f"/portal/sessions?after={cursor.group(1)}")
    assert counter.count == many  # one page costs the same, however many rows it has
    assert (await client.get("/portal/sessions?after=garbage")).status_code == 404


async def test_booked_contact_ids_is_scoped(
    make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    wales = await partner_with_contacts(make, session, ["Siân Pryce", "Gareth Morgan"])
    france = await partner_with_contacts(make, session, ["Claire Martin"])
    training = await train.session_of(capacity=5)
    await train.book(training, wales["contacts"][0])
    gone = await train.book(training, wales["contacts"][1])
    await training_bookings.cancel_booking(session, SYSTEM, booking_id=gone.id)
    await train.book(training, france["contacts"][0])
    principal: Principal = auth.principal_for(wales["user"])
    assert await training_bookings.booked_contact_ids(session, principal, training.id) == {
        wales["contacts"][0].id
    }
    assert await training_bookings.booked_contact_ids(session, SYSTEM, training.id) == {
        wales["contacts"][0].id,
        france["contacts"][0].id,
    }


async def test_posts_without_the_csrf_token_are_refused_and_change_nothing(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    wales = await partner_with_contacts(make, session, ["Siân Pryce", "Gareth Morgan"])
    first, second = wales["contacts"]
    training = await train.session_of(capacity=5)
    seated = await train.book(training, first)
    await session.commit()
    await sign_in(client, wales["user"].email, PASSWORD)
    for token in ({}, {"csrf": "wrong"}):
        book = await client.post(
            f"/portal/sessions/{training.id}/book", data={**token, "contact": str(second.id)}
        )
        assert book.status_code == 403
        cancel = await client.post(
            f"/portal/sessions/{training.id}/bookings/{seated.id}/cancel", data=token
        )
        assert cancel.status_code == 403
    assert await statuses(session, training.id) == {first.id: "CONFIRMED"}
    status = await session.scalar(select(Booking.status).where(Booking.id == seated.id))
    assert status is BookingStatus.CONFIRMED


async def test_a_long_contact_list_gets_a_search_box(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    names = [f"Alex Person{n:03d}" for n in range(PAGE_SIZE + 1)] + ["Siân Pryce"]
    wales = await partner_with_contacts(make, session, names)
    training = await train.session_of(capacity=5)
    await session.commit()
    await sign_in(client, wales["user"].email, PASSWORD)
    page = await client.get(f"/portal/sessions/{training.id}")
    assert '<label for="q">Search contacts</label>' in page.text
    assert page.text.count('name="contact"') == PAGE_SIZE + 2
    found = await client.get(f"/portal/sessions/{training.id}?q=Pryce")
    assert found.text.count('name="contact"') == 1
    assert "Siân Pryce" in found.text and 'value="Pryce"' in found.text
