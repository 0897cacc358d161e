"""A liaison manager's day in real headless Chromium: schedule a session, book three contacts
of two councils at once onto its two seats, confirm the waitlisted one over capacity, take
attendance at the door on a phone (a walk-in too), issue the certificates once it has ended,
correct one attendee to no-show and see that certificate REVOKED on its public verify page.

Other browser tests share the served demo database. This one adds its own contacts (surname
Liaisonday, at two demo councils) and its own session, and moves only that session's times
(the test controls time: no sleeps): into the past to open attendance, then past its end.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import create_async_engine

from network.auth.principal import SYSTEM
from network.db import make_session_factory, utcnow
from network.members.models import Member
from network.training.models import TrainingSession
from tests.support.browser import STAFF, distinct_colours, needs_chromium, screenshot, sign_in
from tests.support.factories import Factory

pytestmark = [needs_chromium, pytest.mark.browser]

COURSE = "Outcome-Based Commissioning training"  # CPD certified in the demo data
SURNAME = "Liaisonday"
PEOPLE = {  # first name -> demo council
    "Ceri": "Powys County Council",
    "Dylan": "Powys County Council",
    "Elin": "Isle of Anglesey County Council",
    "Ffion": "Isle of Anglesey County Council",  # not booked: walks in
}
PHONE = {"width": 390, "height": 844}


async def add_contacts(url: str) -> None:
    """The day's people, at two councils of the demo data."""
    engine = create_async_engine(url)
    try:
        async with make_session_factory(engine, principal=SYSTEM)() as session:
            make = Factory(session)
            for first, council in PEOPLE.items():
                member = await session.scalar(select(Member).where(Member.name == council))
                assert member is not None, council
                await make.contact(
                    member,
                    email=f"{first.lower()}.{uuid.uuid4().hex[:6]}@liaison.example",
                    first_name=first,
                    last_name=SURNAME,
                )
            await session.commit()
    finally:
        await engine.dispose()


async def move_session(url: str, session_id: uuid.UUID, *, ended: bool) -> None:
    """Time passes: the session started an hour ago (and ended, with `ended`)."""
    now = utcnow().replace(microsecond=0)
    starts = now - timedelta(hours=3 if ended else 1)
    ends = now - timedelta(hours=1) if ended else now + timedelta(hours=2)
    engine = create_async_engine(url)
    try:
        async with make_session_factory(engine, principal=SYSTEM)() as session:
            await session.execute(
                update(TrainingSession)
                .where(TrainingSession.id == session_id)
                .values(starts_at=starts, ends_at=ends, booking_deadline=None)
            )
            await session.commit()
    finally:
        await engine.dispose()


async def texts(locator: Any) -> list[str]:
    return [re.sub(r"\s+", " ", t).strip() for t in await locator.all_inner_texts()]


async def test_a_liaison_managers_day(server: str, served_database: str, browser: Any) -> None:
    await add_contacts(served_database)
    desk = await (await browser.new_context()).new_page()
    await sign_in(desk, server, STAFF)
    assert desk.url == f"{server}/portal/"

    # Schedule a session of two seats.
    await desk.goto(f"{server}/portal/sessions/new")
    await desk.get_by_label("Course").select_option(label=COURSE)
    await desk.locator("#date").fill((date.today() + timedelta(days=21)).isoformat())
    await desk.locator("#start_time").fill("10:00")
    await desk.locator("#end_time").fill("16:00")
    await desk.locator("#venue").fill("Powys County Hall, Llandrindod Wells")
    await desk.locator("#capacity").fill("2")
    await desk.locator("#trainer").fill("Jo Trainer")
    await desk.locator("button.primary[type=submit]").click()
    await desk.wait_for_url(re.compile(r".*/portal/sessions/[0-9a-f-]{36}\?saved=new"))
    made = re.search(r"/sessions/([0-9a-f-]{36})", desk.url)
    assert made is not None
    session_id = uuid.UUID(made.group(1))
    register = f"{server}/portal/sessions/{session_id}/register"

    # Book three contacts of two councils in one go: two seats, one waits.
    await desk.goto(register)
    assert await desk.locator("#seats").inner_text() == "0 / 2"
    await desk.locator("#q").fill(SURNAME)
    await desk.get_by_role("button", name="Search").first.click()
    await desk.wait_for_url("**q=*")
    book = desk.locator("#book")
    for first in ("Ceri", "Dylan", "Elin"):
        await book.get_by_label(f"{first} {SURNAME}").check()
    await screenshot(desk, "portal-register-book")
    await book.get_by_role("button", name="Book the ticked contacts").click()
    await desk.wait_for_url("**booked=*")
    assert await texts(desk.locator("li.result")) == [
        f"Ceri {SURNAME}: confirmed",
        f"Dylan {SURNAME}: confirmed",
        f"Elin {SURNAME}: waiting list, position 1",
    ]
    assert await desk.locator("#seats").inner_text() == "2 / 2"

    # Confirm Elin from the waiting list: no seat is free, so over capacity.
    waiting = desk.locator("#waiting")
    await waiting.get_by_role("button", name=f"Confirm now: Elin {SURNAME}").click()
    await desk.wait_for_load_state()
    assert "No seat is free" in await waiting.inner_text()
    await waiting.get_by_role("button", name="Confirm over capacity").click()
    await desk.wait_for_url("**done=confirmed*")
    assert await desk.locator("#message").inner_text() == "Confirmed from the waiting list."
    assert await desk.locator("#seats").inner_text() == "3 / 2 over capacity"
    assert "Nobody is waiting." in await waiting.inner_text()
    assert (
        "Attendance can be marked once the session starts"
        in await desk.locator("#attendance").inner_text()
    )

    # The session has started: attendance at the door, on a phone.
    await move_session(served_database, session_id, ended=False)
    phone_context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = await phone_context.new_page()
    await sign_in(phone, server, STAFF)
    await phone.goto(f"{register}#attendance")
    door = phone.locator("#attendance")
    assert await texts(door.locator(".register-name")) == [
        f"Ceri {SURNAME}",
        f"Dylan {SURNAME}",
        f"Elin {SURNAME}",
    ]
    # One column that fits the screen, and tap targets a thumb can hit.
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for box in [
        await label.bounding_box() for label in await door.locator("li.person label").all()
    ]:
        assert box is not None and box["height"] >= 44 and box["width"] >= 300
    for first in ("Ceri", "Dylan", "Elin"):
        await door.get_by_label(f"{first} {SURNAME}").tap()
    await door.get_by_role("button", name="Mark attended").tap()
    await phone.wait_for_url("**done=attendance*")
    assert await texts(phone.locator("#attendance .register-mark")) == ["Attended"] * 3

    # Ffion was not booked and turns up: a walk-in.
    await phone.locator("#walk_in").fill(SURNAME)
    await phone.locator("#walk-in").get_by_role("button", name="Search").tap()
    await phone.wait_for_url("**walk_in=*")
    choices = await texts(phone.locator("li.walk-in-choice span").first)
    assert choices[0].startswith(f"Ffion {SURNAME}")
    await phone.get_by_role("button", name=f"Mark attended: Ffion {SURNAME}").tap()
    await phone.wait_for_url("**done=walk_in*")
    assert await texts(phone.locator("#attendance .register-mark")) == [
        "Attended",
        "Attended",
        "Attended",
        "Attended (walk-in)",
    ]
    assert await phone.locator("#seats").inner_text() == "4 / 2 over capacity"
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot = await screenshot(phone, "portal-register-phone-attendance")
    assert shot.stat().st_size > 10_000
    assert distinct_colours(shot) > 20

    # The session has ended: the certificates are issued.
    await move_session(served_database, session_id, ended=True)
    await desk.goto(f"{register}#certificates")
    certificates = desk.locator("#certificates")
    await certificates.get_by_role("button", name="Issue certificates").click()
    await desk.wait_for_url("**done=issued*")
    issued = desk.locator("li.certificate")
    assert await issued.count() == 4
    assert await texts(desk.locator("li.certificate .certificate-status")) == ["Valid"] * 4
    pdf = await desk.request.get(
        server + await issued.first.get_by_role("link", name="PDF").get_attribute("href")
    )
    assert pdf.status == 200 and (await pdf.body()).startswith(b"%PDF")

    # Dylan left before it began: corrected to no-show, his certificate is revoked.
    door = desk.locator("#attendance")
    await door.get_by_label(f"Dylan {SURNAME}").check()
    await door.get_by_label("Reason").fill("Left before the session began")
    await door.get_by_role("button", name="Mark no-show").click()
    await desk.wait_for_url("**done=attendance*")
    dylan = desk.locator("li.certificate", has_text=f"Dylan {SURNAME}")
    assert await dylan.locator(".certificate-status").inner_text() == "Revoked"
    assert await texts(desk.locator("#attendance .register-mark")) == [
        "Attended",
        "No-show",
        "Attended",
        "Attended (walk-in)",
    ]
    await screenshot(desk, "portal-register-certificates")
    await dylan.get_by_role("link", name="Verify page").click()
    await desk.wait_for_url("**/verify/*")
    status = await desk.locator("#status").inner_text()
    assert status.startswith("REVOKED")
    assert "Left before the session began" in await desk.locator(".verify-status").inner_text()
    await screenshot(desk, "portal-register-verify-revoked")
