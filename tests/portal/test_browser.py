"""The portal in real headless Chromium (Debian's package, driven by Playwright's async API).

Runs against its own committed database (seeded with the demo data) and a uvicorn server on a
free port, as a user would meet it after `make run`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
OUTPUT = ROOT / "test-output"
PASSWORD = "portal-demo-password"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"{CHROMIUM} is not installed (scripts/ensure-tools.sh installs Debian's chromium)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/network")
    return base.rsplit("/", 1)[0] + "/network_portal_browser"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A migrated, seeded database with demo passwords, and the app serving it."""
    env = {**os.environ, "DATABASE_URL": _database_url()}
    run = {"env": env, "cwd": ROOT, "check": True, "capture_output": True, "timeout": 300}
    subprocess.run([BIN / "python", "scripts/ensure_database.py", env["DATABASE_URL"]], **run)
    subprocess.run([BIN / "network", "migrate"], **run)
    subprocess.run([BIN / "network", "seed", "--demo"], **run)
    for email in ("partner@wales.example", "partner@france.example"):
        subprocess.run(
            [BIN / "network", "users", "set-password", "--email", email],
            input=f"{PASSWORD}\n".encode(),
            **run,
        )
    port = _free_port()
    process = subprocess.Popen(
        [BIN / "network", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("the server did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def distinct_colours(path: Path) -> int:
    """How many different colours a screenshot has (a blank page has one or two)."""
    from PIL import Image

    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    return len(colours or [])


async def test_partner_signs_in_opens_a_cohort_and_another_partner_gets_404(
    server: str,
) -> None:
    playwright_api = pytest.importorskip("playwright.async_api")
    OUTPUT.mkdir(exist_ok=True)
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            wales = await browser.new_page()
            await wales.goto(f"{server}/portal/login")
            await wales.get_by_label("Email").fill("partner@wales.example")
            await wales.get_by_label("Password").fill(PASSWORD)
            await wales.get_by_role("button", name="Sign in").click()
            await wales.wait_for_url(f"{server}/portal/")
            await wales.screenshot(path=str(OUTPUT / "portal-home.png"), full_page=True)
            await wales.locator("main h2 a").first.click()
            await wales.wait_for_url(f"{server}/portal/cohorts/*")
            cohort_url = wales.url
            assert await wales.locator("table.matrix").count() == 1
            shot = OUTPUT / "portal-cohort.png"
            await wales.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            assert distinct_colours(shot) > 20

            france = await (await browser.new_context()).new_page()
            await france.goto(f"{server}/portal/login")
            await france.get_by_label("Email").fill("partner@france.example")
            await france.get_by_label("Password").fill(PASSWORD)
            await france.get_by_role("button", name="Sign in").click()
            await france.wait_for_url(f"{server}/portal/")
            answer = await france.goto(cohort_url)
            assert answer is not None and answer.status == 404
            await france.screenshot(path=str(OUTPUT / "portal-404.png"))
        finally:
            await browser.close()
