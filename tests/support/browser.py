"""Driving the portal in real headless Chromium (Debian's package, Playwright's async API).

The `server` fixture (tests/portal/conftest.py) serves a freshly created, migrated database
seeded with the demo data, as a user meets it after `make run`; browser tests share it, so
each one makes or picks data no other browser test changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.config import ROOT

CHROMIUM = "/usr/bin/chromium"
OUTPUT = ROOT / "test-output"
PASSWORD = "portal-demo-password"
WALES = "partner@wales.example"
FRANCE = "partner@france.example"
MEMBER = "gwenllian.ellis@ynysmon.example"
STAFF = "staff@citizenpowered.example"  # the demo's liaison manager
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"{CHROMIUM} is not installed (scripts/ensure-tools.sh installs Debian's chromium)",
)


def distinct_colours(path: Path) -> int:
    """How many different colours a screenshot has (a blank page has one or two)."""
    from PIL import Image

    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    return len(colours or [])


async def sign_in(page: Any, server: str, email: str, password: str = PASSWORD) -> None:
    """Fill and send the sign-in form; waits for the landing page."""
    await page.goto(f"{server}/portal/login")
    # By id: the page also has the "email me a sign-in link" form with its own email field.
    await page.locator("#email").fill(email)
    await page.locator("#password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()


async def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-output/ and return its path."""
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
