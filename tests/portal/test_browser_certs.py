"""Certificates in real headless Chromium: a partner downloads a PDF; a member sees My training.

The demo's session held last month has four attendees with certificates: two at Welsh members
(Anglesey, Powys), whom the Wales partner sees, and two at members of the France partner.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from network.demo.certificates import COURSE
from tests.support.browser import MEMBER, PASSWORD, WALES, needs_chromium, screenshot

pytestmark = [needs_chromium, pytest.mark.browser]


async def sign_in(page: Any, server: str, email: str) -> None:
    """Fill and send the password sign-in form (the login page also has a sign-in link form)."""
    await page.goto(f"{server}/portal/login")
    form = page.locator('form[action="/portal/login"]')
    await form.locator("#email").fill(email)
    await form.locator("#password").fill(PASSWORD)
    await form.get_by_role("button").click()
    await page.wait_for_load_state()


async def read_download(download: Any) -> bytes:
    """The bytes of a finished browser download (read off the event loop)."""
    path = Path(await download.path())
    return await asyncio.to_thread(path.read_bytes)


async def test_the_wales_partner_downloads_a_certificate(server: str, browser: Any) -> None:
    page = await (await browser.new_context(accept_downloads=True)).new_page()
    await sign_in(page, server, WALES)
    await page.wait_for_url(f"{server}/portal/")
    await page.get_by_role("link", name="Certificates").click()
    await page.wait_for_url(f"{server}/portal/certificates")
    rows = page.locator("table.list tbody tr")
    assert await rows.count() == 2  # Gwenllian at Anglesey and Siân at Powys
    text = await page.locator("table.list").inner_text()
    assert "Gwenllian Ellis" in text and COURSE in text
    assert "Julia" not in text and "Camille" not in text  # the France partner's contacts
    await screenshot(page, "portal-certificates")

    link = page.locator('a[href$=".pdf"]').first
    async with page.expect_download() as info:
        await link.click()
    download = await info.value
    assert download.suggested_filename.endswith(".pdf")
    assert (await read_download(download)).startswith(b"%PDF")


async def test_a_member_contact_sees_my_training_with_a_certificate(
    server: str, browser: Any
) -> None:
    page = await (await browser.new_context(accept_downloads=True)).new_page()
    await sign_in(page, server, MEMBER)
    await page.wait_for_url(f"{server}/portal/training")
    assert await page.get_by_role("heading", name="My training").count() == 1
    certificates = page.locator("section", has=page.get_by_role("heading", name="My certificates"))
    assert COURSE in await certificates.inner_text()
    async with page.expect_download() as info:
        await certificates.locator('a[href$=".pdf"]').first.click()
    download = await info.value
    assert (await read_download(download)).startswith(b"%PDF")
    await screenshot(page, "portal-my-training")
