"""ENVIRONMENT=production refuses the built-in SECRET_KEY: in create_app and in the CLI."""

from __future__ import annotations

import os
import subprocess

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.app import create_app
from network.config import DEVELOPMENT_SECRET_KEY, InsecureSettingsError, Settings
from tests.support.config import BIN


def test_production_with_the_built_in_key_does_not_start(settings: Settings) -> None:
    unsafe = settings.model_copy(
        update={"environment": "production", "secret_key": DEVELOPMENT_SECRET_KEY}
    )
    with pytest.raises(InsecureSettingsError, match="SECRET_KEY is the built-in"):
        create_app(unsafe)


def test_development_may_use_the_built_in_key(settings: Settings) -> None:
    built_in = settings.model_copy(
        update={"environment": "development", "secret_key": DEVELOPMENT_SECRET_KEY}
    )
    create_app(built_in)
    assert Settings.model_fields["environment"].default == "development"


async def test_production_with_a_real_key_starts(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    safe = settings.model_copy(
        update={"environment": "production", "secret_key": "a-real-secret-" + "x" * 32}
    )
    app = create_app(safe, session_factory=session_factory)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/healthz")).status_code == 200


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_the_cli_refuses_to_serve_or_work_with_the_built_in_key(command: str) -> None:
    env = {**os.environ, "ENVIRONMENT": "production", "SECRET_KEY": DEVELOPMENT_SECRET_KEY}
    result = subprocess.run(
        [str(BIN / "network"), command], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "SECRET_KEY is the built-in development key" in result.stderr
