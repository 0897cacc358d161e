"""The public training catalogue in real headless Chromium: a visitor whose browser asks for
Welsh browses it with JavaScript turned off, filters it, opens a session and is sent to sign
in to book.

It changes nothing in the shared demo database. Other browser tests may book or free seats
on the demo sessions, so it reads the seats only as "some left" or "waiting list".
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.browser import distinct_colours, needs_chromium, screenshot

pytestmark = [needs_chromium, pytest.mark.browser]

# The demo's Welsh session (network/training/demo.py), in Llandrindod Wells.
WELSH_COURSE = "Co-Production Star training for managers"
WELSH_VENUE = "Neuadd y Sir, Llandrindod Wells"
SEATS = re.compile(r"Rhestr aros / Waiting list|\d+ ar ôl / \d+ left")


async def test_a_visitor_browses_the_catalogue_in_welsh(server: str, browser: Any) -> None:
    context = await browser.new_context(locale="cy-GB", java_script_enabled=False)
    page = await context.new_page()
    await page.goto(f"{server}/training")
    assert await page.locator("html").get_attribute("lang") == "cy"
    assert await page.title() == "Hyfforddiant / Training"
    heading = page.get_by_role("heading", level=1)
    assert await heading.inner_text() == "Hyfforddiant / Training"
    assert await heading.locator('span[lang="en"]').inner_text() == "Training"
    # Three demo courses have sessions: Welsh, English and French.
    courses = await page.locator("section.course h2").all_inner_texts()
    assert WELSH_COURSE in courses
    assert "Co-Production Star briefing" in courses
    await screenshot(page, "public-catalogue-welsh")

    # The filters are a form that works without JavaScript.
    await page.get_by_label("Iaith y sesiwn").select_option("cy")
    await page.get_by_role("button", name="Dangos sesiynau").click()
    await page.wait_for_url(re.compile(r".*/training\?.*language=cy.*"))
    sessions = page.locator("article.session")
    assert await sessions.count() == 1
    session = sessions.first
    assert await session.locator("dd.session-language").inner_text() == "Cymraeg / Welsh"
    assert await session.locator("dd.where").inner_text() == WELSH_VENUE
    assert SEATS.fullmatch(await session.locator("dd.seats").inner_text())
    when = await session.locator("dd.when").inner_text()
    assert re.fullmatch(
        r"Dydd \w+ \d+ \w+ \d{4}, 09:30\u201315:30 (GMT|BST) \(Europe/London\) / "
        r"\w+ \d+ \w+ \d{4}, 09:30\u201315:30 (GMT|BST) \(Europe/London\)",
        when,
    ), when
    assert await page.locator("#language").input_value() == "cy"

    # The session's own page, in Welsh too, with its schema.org Event.
    await session.get_by_role("link").click()
    await page.wait_for_url(re.compile(r".*/training/sessions/[0-9a-f-]{36}$"))
    assert await page.get_by_role("heading", level=1).inner_text() == WELSH_COURSE
    assert await page.locator("html").get_attribute("lang") == "cy"
    data = json.loads(await page.locator('script[type="application/ld+json"]').text_content())
    assert data["@type"] == "Event"
    assert data["name"] == WELSH_COURSE
    assert data["inLanguage"] == "cy"
    assert data["location"] == {"@type": "Place", "name": WELSH_VENUE, "address": WELSH_VENUE}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT09:30:00\+0[01]:00", data["startDate"])
    shot = await screenshot(page, "public-catalogue-session-welsh")
    assert shot.stat().st_size > 10_000
    assert distinct_colours(shot) > 20

    # Booking needs a sign-in.
    await page.get_by_role("link", name="Mewngofnodi i archebu / Sign in to book").click()
    await page.wait_for_url(f"{server}/portal/login")
    await context.close()
