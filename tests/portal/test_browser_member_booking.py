"""A member contact books training in real headless Chromium: signs in with a password, books
a colleague onto a session, then books itself onto a full session and sees its place on the
waiting list, on the result and on My training.

Other browser tests share the served demo database. This one adds its own council (with its
member contact, a colleague and someone holding the full session's only seat), its own course
and two sessions of it, so no other test sees or changes what it does.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.db import make_session_factory, utcnow
from network.kit.enums import Role
from tests.support.browser import (
    PASSWORD,
    distinct_colours,
    needs_chromium,
    screenshot,
    sign_in,
)
from tests.support.factories import Factory
from tests.support.training import TrainingFactory

pytestmark = [needs_chromium, pytest.mark.browser]


async def add_council(url: str) -> dict[str, Any]:
    """A council of the test's own: Nia (the member contact, with PASSWORD), her colleague
    Iwan, and Tomos, who holds the full session's only seat; a course with an open session and
    a full one."""
    tag = uuid.uuid4().hex[:6]
    engine = create_async_engine(url)
    try:
        async with make_session_factory(engine, principal=SYSTEM)() as session:
            make, train = Factory(session), TrainingFactory(session)
            council = await make.member(f"Cyngor Selfbook {tag}")
            nia = await make.contact(
                council, email=f"nia.{tag}@selfbook.example", first_name="Nia", last_name="Selfbook"
            )
            iwan = await make.contact(
                council,
                email=f"iwan.{tag}@selfbook.example",
                first_name="Iwan",
                last_name="Selfbook",
            )
            tomos = await make.contact(
                council,
                email=f"tomos.{tag}@selfbook.example",
                first_name="Tomos",
                last_name="Selfbook",
            )
            user = await make.user(Role.MEMBER, contact=nia)
            await auth.set_password(session, SYSTEM, user.email, PASSWORD)
            course = await train.course(f"Star for frontline staff {tag}")
            starts = (utcnow() + timedelta(days=25)).replace(microsecond=0)
            open_run = await train.session_of(course, capacity=4, starts_at=starts)
            full_run = await train.session_of(
                course, capacity=1, starts_at=starts + timedelta(days=7), venue="Neuadd Dwyfor"
            )
            await train.book(full_run, tomos)
            await session.commit()
            return {
                "email": user.email,
                "colleague": f"Iwan Selfbook ({iwan.email})",
                "course": course.title,
                "open": open_run.id,
                "full": full_run.id,
            }
    finally:
        await engine.dispose()


async def test_a_member_contact_books_a_colleague_then_joins_a_waiting_list(
    server: str, served_database: str, browser: Any
) -> None:
    scene = await add_council(served_database)
    page = await (await browser.new_context()).new_page()
    await sign_in(page, server, scene["email"])
    await page.wait_for_url(f"{server}/portal/training")

    # From My training to Book training: both sessions, one with seats, one full.
    await page.locator("#book-training-link").click()
    await page.wait_for_url(f"{server}/portal/training/book")
    assert await page.locator("h1").inner_text() == "Book training"
    open_row = page.locator(f"#session-{scene['open']}")
    full_row = page.locator(f"#session-{scene['full']}")
    assert await open_row.locator(".seats").inner_text() == "4 seats left"
    assert await full_row.locator(".seats").inner_text() == "Full: waiting list (0 waiting)"
    await screenshot(page, "portal-member-book-sessions")

    # Book Iwan, a colleague, onto the open session.
    await open_row.get_by_role("link", name=scene["course"]).click()
    await page.wait_for_url(f"{server}/portal/training/book/{scene['open']}")
    await page.get_by_label("Who is coming?").select_option(label=scene["colleague"])
    await page.get_by_role("button", name="Book").click()
    await page.wait_for_url(re.compile(r".*\?booked=[0-9a-f-]{36}$"))
    result = page.locator("#result")
    assert "Iwan Selfbook" in await result.inner_text()
    assert await page.locator("#result-status").inner_text() == "Confirmed"
    assert await page.locator("#seats").inner_text() == "3 seats left"

    # Then herself onto the full session: the waiting list, position 1.
    await page.get_by_role("link", name="Back to Book training").click()
    await page.locator(f"#session-{scene['full']}").get_by_role("link").click()
    await page.wait_for_url(f"{server}/portal/training/book/{scene['full']}")
    chosen = page.get_by_label("Who is coming?")
    assert await chosen.locator("option:checked").inner_text() == "Myself (Nia Selfbook)"
    await page.get_by_role("button", name="Join the waiting list").click()
    await page.wait_for_url(re.compile(r".*\?booked=[0-9a-f-]{36}$"))
    assert await page.locator("#result-status").inner_text() == "On the waiting list: position 1"
    shot = await screenshot(page, "portal-member-waitlisted")
    assert distinct_colours(shot) > 20

    # My training shows both bookings: Iwan's, made by her, and her place on the list.
    await page.get_by_role("link", name="See My training").click()
    await page.wait_for_url(f"{server}/portal/training")
    bookings = page.locator("section", has=page.locator("#bookings-title"))
    text = await bookings.inner_text()
    assert "for Iwan Selfbook" in text
    assert "On the waiting list (1)" in text
    assert await bookings.get_by_role("link", name=re.compile("^Cancel")).count() == 2
