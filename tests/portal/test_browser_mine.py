"""My training in real headless Chromium: the demo member contact (Gwenllian Ellis, Isle of
Anglesey) answers a meeting invitation, reads the page in Welsh and downloads a certificate.

Other browser tests share the served demo database; the answer changed here is Gwenllian's
to her cohort's upcoming meeting after Focus It, which no other test reads. Choosing a
language with ?lang= is saved on the user, so the test sets English back at the end (the
certificates test expects her page in English).
The sign-in link flow is not driven here: it needs the email; tests/portal/test_signin.py
covers it over HTTP.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from network.demo.certificates import COURSE
from tests.support.browser import MEMBER, distinct_colours, needs_chromium, screenshot, sign_in

pytestmark = [needs_chromium, pytest.mark.browser]

MEETING = "Wales Community Leadership Cohort 2026: network meeting after Focus It"


async def read_download(download: Any) -> bytes:
    """The bytes of a finished browser download (read off the event loop)."""
    path = Path(await download.path())
    return await asyncio.to_thread(path.read_bytes)


async def test_member_answers_a_meeting_reads_welsh_and_downloads_a_certificate(
    server: str, browser: Any
) -> None:
    page = await (await browser.new_context(accept_downloads=True)).new_page()
    await sign_in(page, server, MEMBER)
    await page.wait_for_url(f"{server}/portal/training")
    try:
        assert await page.locator("h1").inner_text() == "My training"
        row = page.locator("tr", has=page.get_by_role("cell", name=MEETING, exact=True))
        assert await row.count() == 1

        # Each answer in turn: saved, shown, pressed, and still there after a reload.
        for answer in ("Maybe", "No", "Yes"):
            row = page.locator("tr", has=page.get_by_role("cell", name=MEETING, exact=True))
            await row.get_by_role("button", name=f"{answer}: {MEETING}").click()
            await page.wait_for_url(f"{server}/portal/training?answered=1")
            assert await page.locator("p.message").inner_text() == "Your answer is saved."
            await page.reload()
            row = page.locator("tr", has=page.get_by_role("cell", name=MEETING, exact=True))
            assert await row.locator("strong").inner_text() == answer
            pressed = row.locator('button[aria-pressed="true"]')
            assert await pressed.count() == 1
            assert await pressed.inner_text() == answer
        await screenshot(page, "portal-my-training-answered")

        # Cymraeg: the language links keep the page; labels and the answer are in Welsh.
        await page.locator("nav.langs").get_by_role("link", name="Cymraeg").click()
        await page.wait_for_url("**lang=cy")
        assert await page.locator("html").get_attribute("lang") == "cy"
        assert await page.locator("h1").inner_text() == "Fy hyfforddiant"
        assert await page.locator("#meetings-title").inner_text() == ("Fy nghyfarfodydd rhwydwaith")
        assert await page.locator("#certificates-title").inner_text() == "Fy nhystysgrifau"
        row = page.locator("tr", has=page.get_by_role("cell", name=MEETING, exact=True))
        assert await row.locator("strong").inner_text() == "Ydw"
        buttons = await row.get_by_role("button").all_inner_texts()
        assert [b.strip() for b in buttons] == ["Ydw", "Nac ydw", "Efallai"]
        assert await page.get_by_role("button", name="Allgofnodi").count() == 1
        shot = await screenshot(page, "portal-my-training-cy")
        assert distinct_colours(shot) > 20

        # The chosen language sticks for the next page without ?lang=.
        await page.goto(f"{server}/portal/training")
        assert await page.locator("h1").inner_text() == "Fy hyfforddiant"

        # A certificate, downloaded from the Welsh page.
        certificates = page.locator("section", has=page.locator("#certificates-title"))
        assert COURSE in await certificates.inner_text()
        async with page.expect_download() as info:
            await certificates.locator('a[href$=".pdf"]').first.click()
        download = await info.value
        assert download.suggested_filename.endswith(".pdf")
        assert (await read_download(download)).startswith(b"%PDF")
    finally:
        # Put her language back to English (saved on the user, read at the next sign-in).
        await page.goto(f"{server}/portal/training?lang=en")
    assert await page.locator("h1").inner_text() == "My training"
