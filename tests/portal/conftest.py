"""Portal fixtures: a served demo database for the browser tests, and a Chromium browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.portal.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FRANCE,
    MEMBER,
    PASSWORD,
    ROOT,
    WALES,
)

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/network")
    # One database per test run, so two runs at once (two developers, CI) do not collide.
    return base.rsplit("/", 1)[0] + f"/network_portal_browser_{os.getpid()}"


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """A new database (dropped and made again each run), migrated and seeded with the demo
    data and demo passwords, and the app serving it on a free port."""
    env = {**os.environ, "DATABASE_URL": _database_url()}
    run: dict[str, Any] = {
        "env": env,
        "cwd": ROOT,
        "check": True,
        "capture_output": True,
        "timeout": 300,
    }
    url = env["DATABASE_URL"]
    subprocess.run([BIN / "python", "scripts/ensure_database.py", url, "--recreate"], **run)
    subprocess.run([BIN / "network", "migrate"], **run)
    subprocess.run([BIN / "network", "seed", "--demo"], **run)
    for email in (WALES, FRANCE, MEMBER):
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
        subprocess.run(
            [BIN / "python", "scripts/ensure_database.py", url, "--drop"],
            env=env,
            cwd=ROOT,
            check=False,
            capture_output=True,
            timeout=60,
        )


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
