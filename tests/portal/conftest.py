"""Portal fixtures (the browser tests only): a served demo database and a Chromium browser."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, FRANCE, MEMBER, PASSWORD, STAFF, WALES
from tests.support.config import BIN, ROOT
from tests.support.database import database_of_its_own
from tests.support.sink import free_port


@pytest.fixture(scope="session")
def served_database() -> Iterator[str]:
    """The URL of the browser tests' database: of its own, migrated and seeded with the demo
    data and demo passwords (a test that moves time, say, changes its own rows there)."""
    with database_of_its_own("portal_browser") as url:
        env = {**os.environ, "DATABASE_URL": url}
        run: dict[str, Any] = {
            "env": env,
            "cwd": ROOT,
            "check": True,
            "capture_output": True,
            "timeout": 300,
        }
        subprocess.run([BIN / "network", "seed", "--demo"], **run)
        for email in (WALES, FRANCE, MEMBER, STAFF):
            subprocess.run(
                [BIN / "network", "users", "set-password", "--email", email],
                input=f"{PASSWORD}\n".encode(),
                **run,
            )
        yield url


@pytest.fixture(scope="session")
def server(served_database: str) -> Iterator[str]:
    """The app serving `served_database` on a free port."""
    env = {**os.environ, "DATABASE_URL": served_database}
    port = free_port()
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


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Debian Chromium; each test opens its own contexts (one per user)."""
    playwright_api = pytest.importorskip("playwright.async_api")
    async with playwright_api.async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()
