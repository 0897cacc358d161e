"""Book training in the portal: a member contact books itself or a colleague, sees where it
stands (confirmed, or its place on the waiting list), and cancels from My training."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.db import utcnow
from network.kit.enums import Role
from network.training.enums import BookingStatus
from network.training.models import Booking, TrainingSession
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import csrf_of, page_token, sign_in
from tests.support.training import TrainingFactory


async def council(session: AsyncSession, make: Factory) -> dict[str, Any]:
    """Powys with a member contact who has a password (Siân) and two colleagues; Kent with
    one contact."""
    powys = await make.member("Powys County Council")
    sian = await make.contact(powys, first_name="Siân", last_name="Pryce", language="cy")
    gareth = await make.contact(powys, first_name="Gareth", last_name="Morgan")
    rhys = await make.contact(powys, first_name="Rhys", last_name="Evans")
    kent = await make.member("Kent CC")
    kim = await make.contact(kent, first_name="Kim", last_name="Lowe")
    user = await make.user(Role.MEMBER, contact=sian)
    await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    await session.commit()
    return {
        "powys": powys,
        "sian": sian,
        "gareth": gareth,
        "rhys": rhys,
        "kent": kent,
        "kim": kim,
        "email": user.email,
    }


async def signed_in(client: httpx.AsyncClient, email: str) -> None:
    answer = await sign_in(client, email, PASSWORD)
    assert answer.status_code == 303, answer.text


async def book(client: httpx.AsyncClient, session_id: object, contact_id: object) -> httpx.Response:
    url = f"/portal/training/book/{session_id}"
    token = await page_token(client, url)
    return await client.post(url, data={"csrf": token, "contact": str(contact_id)})


async def test_the_list_shows_what_it_may_book_in_the_sessions_zone(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    people = await council(session, make)
    start = (utcnow() + timedelta(days=20)).replace(hour=9, minute=30, second=0, microsecond=0)
    ours = await train.session_of(
        await train.course("Star for Powys"),
        reserved_member_id=people["powys"].id,
        starts_at=start,
        time_zone="Europe/Paris",
        capacity=3,
    )
    theirs = await train.session_of(
        await train.course("Star for Kent"), reserved_member_id=people["kent"].id
    )
    full = await train.session_of(await train.course("Outcome-Based Commissioning"), capacity=1)
    await train.book(full, people["kim"])
    await session.commit()
    await signed_in(client, people["email"])
    mine = await client.get("/portal/training")
    assert 'href="/portal/training/book"' in mine.text
    page = await client.get("/portal/training/book?lang=en")
    assert page.status_code == 200
    assert "Star for Powys" in page.text and "Outcome-Based Commissioning" in page.text
    assert "Star for Kent" not in page.text
    assert "3 seats left" in page.text
    assert "Full: waiting list (0 waiting)" in page.text
    paris = start.astimezone(ZoneInfo("Europe/Paris"))
    assert f"{paris:%H:%M}" in page.text
    assert (await client.get(f"/portal/training/book/{theirs.id}")).status_code == 404
    assert (await client.get(f"/portal/training/book/{ours.id}")).status_code == 200
    welsh = await client.get("/portal/training/book?lang=cy")
    assert "Archebu hyfforddiant" in welsh.text
    french = await client.get("/portal/training/book?lang=fr")
    assert "Réserver une formation" in french.text


async def test_books_a_colleague_then_itself_onto_the_waiting_list(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    people = await council(session, make)
    run = await train.session_of(await train.course("Star training"), capacity=1)
    await session.commit()
    await signed_in(client, people["email"])
    page = await client.get(f"/portal/training/book/{run.id}?lang=en")
    assert "Myself (Siân Pryce)" in page.text
    assert "Gareth Morgan" in page.text and "Rhys Evans" in page.text
    assert "Kim Lowe" not in page.text
    answer = await book(client, run.id, people["gareth"].id)
    assert answer.status_code == 303
    shown = await client.get(answer.headers["location"] + "&lang=en")
    assert "Gareth Morgan" in shown.text and "Confirmed" in shown.text
    answer = await book(client, run.id, people["sian"].id)
    assert answer.status_code == 303
    shown = await client.get(answer.headers["location"] + "&lang=en")
    assert "On the waiting list: position 1" in shown.text
    rows = (
        await session.execute(
            select(Booking.contact_id, Booking.status).where(Booking.session_id == run.id)
        )
    ).all()
    assert set(rows) == {
        (people["gareth"].id, BookingStatus.CONFIRMED),
        (people["sian"].id, BookingStatus.WAITLISTED),
    }
    # My training lists both, the colleague's with their name, and the place on the list.
    mine = await client.get("/portal/training?lang=en")
    assert "for Gareth Morgan" in mine.text
    assert "On the waiting list (1)" in mine.text


async def test_refusals_are_shown_next_to_the_field_and_change_nothing(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    people = await council(session, make)
    run = await train.session_of()
    await train.book(run, people["rhys"])  # booked by staff
    await session.commit()
    await signed_in(client, people["email"])
    answer = await book(client, run.id, people["kim"].id)  # another member's contact
    assert answer.status_code == 422
    assert 'id="contact-error"' in answer.text
    assert "Choose yourself or a colleague from the list." in answer.text
    answer = await book(client, run.id, people["rhys"].id)
    assert answer.status_code == 422
    assert "This person already has a booking on this session." in answer.text
    answer = await book(client, run.id, "not-an-id")
    assert answer.status_code == 422 and "Choose who to book." in answer.text
    count = await session.scalar(
        select(func.count()).select_from(Booking).where(Booking.session_id == run.id)
    )
    assert count == 1
    # Without the CSRF token nothing is booked.
    refused = await client.post(
        f"/portal/training/book/{run.id}", data={"contact": str(people["sian"].id)}
    )
    assert refused.status_code == 403


async def test_cancels_from_my_training_after_a_confirmation_page(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    people = await council(session, make)
    run = await train.session_of(capacity=1)
    await train.book(run, people["rhys"])  # Rhys's own, booked by staff
    await session.commit()
    await signed_in(client, people["email"])
    answer = await book(client, run.id, people["gareth"].id)
    gareth_booking = (
        await session.scalars(select(Booking).where(Booking.contact_id == people["gareth"].id))
    ).one()
    rhys_booking = (
        await session.scalars(select(Booking).where(Booking.contact_id == people["rhys"].id))
    ).one()
    mine = await client.get("/portal/training?lang=en")
    assert f'href="/portal/training/bookings/{gareth_booking.id}/cancel"' in mine.text
    assert f"/portal/training/bookings/{rhys_booking.id}/cancel" not in mine.text
    url = f"/portal/training/bookings/{gareth_booking.id}/cancel"
    confirm = await client.get(url + "?lang=en")
    assert "Cancel the booking of Gareth Morgan" in confirm.text
    assert (
        await client.get(f"/portal/training/bookings/{rhys_booking.id}/cancel")
    ).status_code == 404
    answer = await client.post(url, data={"csrf": csrf_of(confirm.text)})
    assert (
        answer.status_code == 303 and answer.headers["location"] == "/portal/training?cancelled=1"
    )
    await session.refresh(gareth_booking)
    assert gareth_booking.status is BookingStatus.CANCELLED
    again = await client.post(url, data={"csrf": csrf_of(confirm.text)})
    assert again.status_code == 422
    assert "This booking is already cancelled." in again.text
    refused = await client.post(
        f"/portal/training/bookings/{rhys_booking.id}/cancel", data={"csrf": csrf_of(confirm.text)}
    )
    assert refused.status_code == 404
    await session.refresh(rhys_booking)
    assert rhys_booking.status is BookingStatus.CONFIRMED


async def test_a_started_session_offers_no_cancel(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    people = await council(session, make)
    run = await train.session_of()
    await session.commit()
    await signed_in(client, people["email"])
    await book(client, run.id, people["sian"].id)
    booking = (
        await session.scalars(select(Booking).where(Booking.contact_id == people["sian"].id))
    ).one()
    await session.execute(
        TrainingSession.__table__.update()
        .where(TrainingSession.id == run.id)
        .values(starts_at=utcnow() - timedelta(minutes=5))
    )
    await session.commit()
    mine = await client.get("/portal/training?lang=en")
    assert f"/portal/training/bookings/{booking.id}/cancel" not in mine.text
    url = f"/portal/training/bookings/{booking.id}/cancel"
    confirm = await client.get(url + "?lang=en")
    assert "This booking can no longer be cancelled." in confirm.text
    answer = await client.post(url, data={"csrf": csrf_of(confirm.text)})
    assert answer.status_code == 422
    assert "it can no longer be cancelled" in answer.text
