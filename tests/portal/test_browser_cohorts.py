"""The cohort page in real headless Chromium: a matrix cell to the progress form, and a
network meeting scheduled through the form.

The Wales cohort is shared with other browser tests, which only read it; this test changes
only what they do not look at: a step no one has started (GROW_IT of ADSS Cymru, to
IN_PROGRESS: the current step and the completed share stay the same) and a meeting far enough
ahead not to become the cohort's next one.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.support.browser import WALES, distinct_colours, needs_chromium, screenshot, sign_in

pytestmark = [needs_chromium, pytest.mark.browser]


async def test_partner_records_a_step_and_schedules_a_meeting(server: str, browser: Any) -> None:
    page = await (await browser.new_context()).new_page()
    await sign_in(page, server, WALES)
    await page.wait_for_url(f"{server}/portal/")
    await page.get_by_role("link", name="Wales Community Leadership Cohort 2026").click()
    await page.wait_for_url(f"{server}/portal/cohorts/*")
    cohort_url = page.url.split("?")[0]

    # GROW_IT is the sixth cell of a row (the member's name is the first).
    cell = page.locator("table.matrix tr", has_text="ADSS Cymru").locator("td").nth(4)
    assert await cell.get_attribute("class") == "NOT_STARTED"
    await cell.get_by_role("link").click()
    await page.wait_for_url("**step=GROW_IT*")
    assert await page.locator("#member option:checked").inner_text() == "ADSS Cymru"
    assert await page.locator("#step").input_value() == "GROW_IT"
    await page.locator("#status").select_option("IN_PROGRESS")
    await page.locator("#notes").fill("Browser test: Grow It begun")
    await page.get_by_role("button", name="Save", exact=True).click()
    await page.wait_for_url("**saved=1*")
    cell = page.locator("table.matrix tr", has_text="ADSS Cymru").locator("td").nth(4)
    assert await cell.get_attribute("class") == "IN_PROGRESS"
    assert await cell.inner_text() == "In progress"
    shot = await screenshot(page, "portal-cohort-recorded")
    assert distinct_colours(shot) > 20

    day = (date.today() + timedelta(days=300)).isoformat()
    await page.get_by_label("Title").fill("Grow It network meeting (browser test)")
    await page.get_by_label("Date").fill(day)
    await page.get_by_label("Start time").fill("10:00")
    await page.get_by_label("End time").fill("12:30")
    assert await page.get_by_label("Time zone").input_value() == "Europe/London"
    await page.get_by_label("Online link").fill("https://meet.example/grow-it")
    await page.get_by_label("After step").select_option("GROW_IT")
    await page.get_by_role("button", name="Schedule the meeting").click()
    await page.wait_for_url(f"{cohort_url}/meetings/*")
    assert await page.locator("h1").inner_text() == "Grow It network meeting (browser test)"
    assert "Meeting saved" in await page.locator("p.message").inner_text()
    assert await page.locator("table.invitations tbody tr").count() > 0
    meeting_shot = await screenshot(page, "portal-cohort-meeting")
    assert distinct_colours(meeting_shot) > 20

    await page.goto(cohort_url)
    listed = page.locator("#meetings table tr", has_text="Grow It network meeting (browser test)")
    assert await listed.count() == 1
    assert "10:00\u201312:30 (London time)" in await listed.inner_text()
    await screenshot(page, "portal-cohort-meetings")
