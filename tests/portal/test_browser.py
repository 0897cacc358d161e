"""The portal in real headless Chromium: sign in, a cohort, and isolation between partners."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import (
    FRANCE,
    WALES,
    distinct_colours,
    needs_chromium,
    screenshot,
    sign_in,
)

pytestmark = [needs_chromium, pytest.mark.browser]


async def test_partner_signs_in_opens_a_cohort_and_another_partner_gets_404(
    server: str, browser: Any
) -> None:
    wales = await (await browser.new_context()).new_page()
    await sign_in(wales, server, WALES)
    await wales.wait_for_url(f"{server}/portal/")
    await screenshot(wales, "portal-home")
    await wales.locator("main h2 a").first.click()
    await wales.wait_for_url(f"{server}/portal/cohorts/*")
    cohort_url = wales.url
    assert await wales.locator("table.matrix").count() == 1
    shot = await screenshot(wales, "portal-cohort")
    assert shot.stat().st_size > 10_000
    assert distinct_colours(shot) > 20

    france = await (await browser.new_context()).new_page()
    await sign_in(france, server, FRANCE)
    await france.wait_for_url(f"{server}/portal/")
    answer = await france.goto(cohort_url)
    assert answer is not None and answer.status == 404
    await screenshot(france, "portal-404")
