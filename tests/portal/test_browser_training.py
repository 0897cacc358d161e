"""Booking training in real headless Chromium: two contacts onto the last seat of a session."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import PASSWORD, WALES, distinct_colours, needs_chromium, screenshot

pytestmark = [needs_chromium, pytest.mark.browser]

# The demo's Outcome-Based Commissioning session has 3 seats and 2 bookings (Kent, Sandwell):
# one seat left. Only this browser test books onto it.
COURSE = "Outcome-Based Commissioning training"


async def sign_in(page: Any, server: str, email: str) -> None:
    """The password form, found by its fields' ids: the sign-in page has a second email
    field (for a sign-in link), so the label "Email" alone is ambiguous."""
    await page.goto(f"{server}/portal/login")
    await page.locator("#email").fill(email)
    await page.locator("#password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.wait_for_url(f"{server}/portal/")


async def test_wales_books_two_contacts_onto_the_last_seat(server: str, browser: Any) -> None:
    page = await (await browser.new_context()).new_page()
    await sign_in(page, server, WALES)
    await page.goto(f"{server}/portal/sessions")
    row = page.locator("tr.session", has=page.get_by_role("link", name=COURSE))
    assert await row.locator(".seats-left").inner_text() == "1"
    assert await row.locator(".waiting").inner_text() == "0"
    await screenshot(page, "portal-training-sessions")
    await page.get_by_role("link", name=COURSE).click()
    await page.wait_for_url(f"{server}/portal/sessions/*")
    assert await page.locator("#seats-left").inner_text() == "1 / 3"

    await page.get_by_label("Huw Owen").check()
    await page.get_by_label("Siân Pryce").check()
    await page.get_by_role("button", name="Book").click()
    await page.wait_for_url("**booked=*")
    results = [text.strip() for text in await page.locator("li.result").all_inner_texts()]
    assert results == ["Huw Owen: Confirmed", "Siân Pryce: Waiting list position 1"]
    assert await page.locator("#seats-left").inner_text() == "0 / 3"
    assert await page.locator("#waiting").inner_text() == "1"
    shot = await screenshot(page, "portal-training-booked")
    assert shot.stat().st_size > 10_000
    assert distinct_colours(shot) > 20
