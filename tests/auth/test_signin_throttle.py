"""The sign-in limits (network/auth/throttle.py), in Redis and, with Redis refused, in the
process: per client, per account from a client, per account from everywhere (capped), each
with a doubling wait; time is passed in, so nothing sleeps."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from network.auth import throttle
from network.auth.throttle import Limits, SignInThrottle
from tests.support.config import REDIS_URL

SECRET = "test-secret-key-0123456789"
LIMITS = Limits(
    client_free=4,
    client_base=10.0,
    client_cap=40.0,
    pair_free=2,
    pair_base=60.0,
    pair_cap=200.0,
    account_free=3,
    account_base=5.0,
    account_cap=30.0,
    window=100.0,
)
T0 = 1_900_000_000.0


@pytest.fixture(params=["redis", "process"])
async def limits(request: pytest.FixtureRequest) -> AsyncIterator[SignInThrottle]:
    """The throttle on the real Redis, or on a Redis that refuses (counted in the process)."""
    if request.param == "redis":
        redis = Redis.from_url(REDIS_URL)
        keys = [key async for key in redis.scan_iter("signin:*")]
        if keys:
            await redis.delete(*keys)
    else:
        redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        yield SignInThrottle(redis, SECRET, timeout=5.0, limits=LIMITS)
    finally:
        if request.param == "redis":
            keys = [key async for key in redis.scan_iter("signin:*")]
            if keys:
                await redis.delete(*keys)
        await redis.aclose()


async def fail(limits: SignInThrottle, email: str, client: str, now: float) -> None:
    """One admitted try that turns out wrong (it stays counted)."""
    attempt = await limits.admit(email, client, now=now)
    assert attempt.admitted, (email, client, now, attempt)


async def test_a_client_is_held_back_whatever_the_addresses_with_a_doubling_wait(
    limits: SignInThrottle,
) -> None:
    client = "192.0.2.7"
    for n in range(LIMITS.client_free):
        await fail(limits, f"nobody{n}@example.org", client, T0)
    refused = await limits.admit("someone-else@example.org", client, now=T0 + 1)
    assert (refused.admitted, refused.retry_after) == (False, 9.0)
    # Waited out, one more failure: twice the wait; then capped.
    await fail(limits, "another@example.org", client, T0 + 10)
    assert (await limits.admit("x@example.org", client, now=T0 + 29)).admitted is False
    await fail(limits, "x@example.org", client, T0 + 30)
    assert (await limits.admit("y@example.org", client, now=T0 + 30)).retry_after == 40.0
    await fail(limits, "y@example.org", client, T0 + 70)
    assert (await limits.admit("z@example.org", client, now=T0 + 70)).retry_after == 40.0
    # Another client is not concerned.
    assert (await limits.admit("z@example.org", "192.0.2.8", now=T0 + 70)).admitted is True


async def test_an_account_is_held_back_only_from_the_client_that_failed(
    limits: SignInThrottle,
) -> None:
    email = "owner@example.org"
    for _ in range(LIMITS.pair_free):
        await fail(limits, email, "198.51.100.1", T0)
    refused = await limits.admit(email, "198.51.100.1", now=T0)
    assert (refused.admitted, refused.retry_after) == (False, 60.0)
    assert (await limits.admit(email, "198.51.100.2", now=T0)).admitted is True
    # A right password from the failing client, once let in, clears that client's count.
    right = await limits.admit(email, "198.51.100.1", now=T0 + 60)
    assert right.admitted is True
    await limits.succeeded(right)
    assert (await limits.admit(email, "198.51.100.1", now=T0 + 60)).admitted is True


async def test_nobody_keeps_an_account_locked_from_elsewhere_beyond_the_cap(
    limits: SignInThrottle,
) -> None:
    email = "target@example.org"
    owner = "203.0.113.50"
    attacker = 0

    async def attack(now: float) -> None:
        """A guess from an address the attacker has not used yet (if the account lets it)."""
        nonlocal attacker
        attacker += 1
        await limits.admit(email, f"10.0.{attacker // 250}.{attacker % 250}", now=now)

    for _ in range(LIMITS.account_free + 3):
        await attack(T0)
    first = await limits.admit(email, owner, now=T0 + 1)
    assert first.admitted is False and 0 < first.retry_after <= LIMITS.account_cap
    # The attacker keeps failing from new addresses, the account stays held back ...
    for second in range(2, int(LIMITS.account_cap) + 1, 3):
        await attack(T0 + second)
        held = await limits.admit(email, owner, now=T0 + second)
        assert held.admitted is False
    # ... yet the owner, having waited the cap since first turned away, gets in.
    let_in = await limits.admit(email, owner, now=T0 + 1 + LIMITS.account_cap)
    assert let_in.admitted is True
    await limits.succeeded(let_in)
    # Each address gets one try per cap: the next is turned away again.
    await attack(T0 + 40)
    again = await limits.admit(email, owner, now=T0 + 41)
    assert again.admitted is False


async def test_an_ipv6_client_is_counted_by_its_64() -> None:
    assert throttle.client_of("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert throttle.client_of("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert throttle.client_of("192.0.2.1") == "192.0.2.1"
    # IPv4 peers of a dual-stack socket: each its own client, not all of them in ::/64.
    assert throttle.client_of("::ffff:192.0.2.1") == "192.0.2.1"
    assert throttle.client_of("::ffff:192.0.2.2") == "192.0.2.2"
    same = throttle.keys_for(SECRET, "a@example.org", "2001:db8:1:2:aaaa::1")
    assert same == throttle.keys_for(SECRET, " A@Example.org ", "2001:db8:1:2:bbbb::9")
    assert same != throttle.keys_for(SECRET, "a@example.org", "2001:db8:1:3::1")


async def test_the_keys_carry_neither_the_address_nor_the_client() -> None:
    keys = throttle.keys_for(SECRET, "sian.pryce@powys.example", "192.0.2.44")
    assert [key.split(":")[1] for key in keys] == ["client", "pair", "account"]
    text = " ".join(keys)
    for secret_part in ("sian", "powys", "192.0.2.44"):
        assert secret_part not in text
    assert keys != throttle.keys_for("another-secret-012345", "sian.pryce@powys.example", "x")


async def test_with_redis_refused_the_process_counts_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    limits = SignInThrottle(redis, SECRET, timeout=0.5, limits=LIMITS)
    try:
        with caplog.at_level(logging.WARNING, logger="network.auth.throttle"):
            for _ in range(LIMITS.pair_free):
                await fail(limits, "a@example.org", "192.0.2.9", T0)
            refused = await limits.admit("a@example.org", "192.0.2.9", now=T0)
    finally:
        await redis.aclose()
    assert (refused.admitted, refused.retry_after) == (False, 60.0)
    warnings = [r.getMessage() for r in caplog.records if r.name == "network.auth.throttle"]
    assert warnings == [
        "sign-in limits unavailable (ConnectionError): counting in this process for 10 s"
    ]
