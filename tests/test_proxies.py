"""Who is asking (network/proxies.py): forwarded headers count only from TRUSTED_PROXIES, and
then the client is the rightmost hop that is not one of them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from network.app import create_app
from network.cli import uvicorn_options
from network.config import Settings
from network.proxies import TrustedProxies

PROXIES = ("10.0.0.0/8", "2001:db8:ffff::/48")


async def seen_by_app(
    peer: str, headers: list[tuple[str, str]], trusted: tuple[str, ...] = PROXIES
) -> tuple[str, str]:
    """(client address, scheme) the app behind TrustedProxies sees for this connection."""
    seen: dict[str, Any] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.update(scope)

    async def receive() -> Message:  # pragma: no cover - the app reads no body
        raise AssertionError

    async def send(message: Message) -> None:  # pragma: no cover - the app answers nothing
        raise AssertionError

    scope = {
        "type": "http",
        "scheme": "http",
        "client": (peer, 5555),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
    }
    await TrustedProxies(app, trusted=trusted)(scope, receive, send)
    return seen["client"][0], seen["scheme"]


async def test_the_client_is_the_rightmost_hop_that_is_not_a_trusted_proxy() -> None:
    # The client wrote 6.6.6.6 itself; our proxies appended 203.0.113.7 and 10.0.0.2.
    headers = [
        ("X-Forwarded-For", "6.6.6.6, 203.0.113.7, 10.0.0.2"),
        ("X-Forwarded-Proto", "https"),
    ]
    assert await seen_by_app("10.1.2.3", headers) == ("203.0.113.7", "https")


async def test_headers_from_an_untrusted_peer_are_ignored() -> None:
    headers = [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https")]
    assert await seen_by_app("198.51.100.9", headers) == ("198.51.100.9", "http")


async def test_nobody_is_trusted_by_default_not_even_localhost() -> None:
    headers = [("X-Forwarded-For", "203.0.113.7")]
    assert await seen_by_app("127.0.0.1", headers, trusted=()) == ("127.0.0.1", "http")


async def test_a_chain_of_trusted_proxies_only_gives_its_first_hop() -> None:
    headers = [("X-Forwarded-For", "10.9.9.9, 10.0.0.2")]
    assert await seen_by_app("10.1.2.3", headers) == ("10.9.9.9", "http")


async def test_several_headers_are_one_list_in_order() -> None:
    headers = [("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "203.0.113.7, 10.0.0.2")]
    assert (await seen_by_app("10.1.2.3", headers))[0] == "203.0.113.7"


@pytest.mark.parametrize(
    ("hop", "client"),
    [
        ("203.0.113.7:4711", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
    ],
)
async def test_addresses_are_read_with_ports_and_brackets(hop: str, client: str) -> None:
    headers = [("X-Forwarded-For", hop)]
    assert (await seen_by_app("2001:db8:ffff::5", headers))[0] == client


@pytest.mark.parametrize("garbage", ["unknown", "", "not an ip, 10.0.0.2", "_hidden"])
async def test_an_unreadable_hop_from_our_own_proxies_changes_nothing(garbage: str) -> None:
    headers = [("X-Forwarded-For", garbage)]
    assert await seen_by_app("10.1.2.3", headers) == ("10.1.2.3", "http")


async def test_without_forwarded_for_the_proxy_is_the_client() -> None:
    assert await seen_by_app("10.1.2.3", [("Forwarded", "for=203.0.113.7")]) == (
        "10.1.2.3",
        "http",
    )


async def test_an_unknown_proto_leaves_the_scheme() -> None:
    headers = [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "gopher")]
    assert await seen_by_app("10.1.2.3", headers) == ("203.0.113.7", "http")


# Through the app: the access log (and every per-client limit) sees the real client ---------


@pytest.fixture
async def behind_proxy(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    # httpx's ASGITransport connects from 127.0.0.1: here that is our proxy.
    proxied = settings.model_copy(update={"trusted_proxies": ("127.0.0.1",)})
    app = create_app(proxied, session_factory=session_factory)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


def logged_clients(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.fields["client"] for r in caplog.records if r.name == "network.access"]


async def test_the_access_log_names_the_client_behind_a_trusted_proxy(
    behind_proxy: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="network.access")
    await behind_proxy.get("/portal/login", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7"})
    assert logged_clients(caplog) == ["203.0.113.7"]


async def test_the_access_log_ignores_forwarded_headers_by_default(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="network.access")
    await client.get("/portal/login", headers={"X-Forwarded-For": "203.0.113.7"})
    assert logged_clients(caplog) == ["127.0.0.1"]


# Settings and the server --------------------------------------------------------------------


def test_trusted_proxies_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", " 10.0.0.0/8, 192.0.2.1 ,2001:db8::/32,")
    assert Settings().trusted_proxies == ("10.0.0.0/8", "192.0.2.1", "2001:db8::/32")
    monkeypatch.setenv("TRUSTED_PROXIES", "")
    assert Settings().trusted_proxies == ()


def test_a_trusted_proxy_that_is_no_address_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal")
    with pytest.raises(ValidationError) as refused:
        Settings()
    [error] = refused.value.errors()
    assert error["loc"] == ("trusted_proxies",)
    assert "'proxy.internal' is not an IP address or network" in error["msg"]


def test_uvicorn_leaves_forwarded_headers_to_us_and_caps_headers() -> None:
    """uvicorn believes 127.0.0.1's X-Forwarded-For by default; `network serve` turns that off
    (and its own access log), and uses h11, which caps a request's headers."""
    settings = Settings(http_max_header_bytes=8192, http_limit_concurrency=50)
    options = uvicorn_options(settings, "0.0.0.0", 8000, reload=False)
    options["log_config"] = None  # configuring logging here would replace pytest's capture

    async def app(scope: Scope, receive: Receive, send: Send) -> None:  # pragma: no cover
        pass

    config = uvicorn.Config(app, **{**options, "factory": False})
    config.load()
    assert not isinstance(config.loaded_app, ProxyHeadersMiddleware)
    assert (config.proxy_headers, config.access_log, config.http) == (False, False, "h11")
    assert (config.h11_max_incomplete_event_size, config.limit_concurrency) == (8192, 50)
