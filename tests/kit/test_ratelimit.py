"""The fixed-window counters of network.kit.ratelimit, on the real Redis."""

from __future__ import annotations

import uuid

from redis.asyncio import Redis

from network.kit.ratelimit import over_limit, too_many_email_asks
from tests.support.config import REDIS_URL


async def test_a_counter_always_carries_its_window_and_refuses_past_the_limit() -> None:
    redis = Redis.from_url(REDIS_URL)
    key = f"test:ratelimit:{uuid.uuid4().hex}"
    try:
        verdicts = [await over_limit(redis, key, 2, 60) for _ in range(3)]
        assert verdicts == [False, False, True]
        # Set with the first count, in the same transaction, and not pushed back by later ones.
        assert 0 < await redis.ttl(key) <= 60
        await redis.expire(key, 5)
        assert not await over_limit(redis, key, 10, 60)
        assert 0 < await redis.ttl(key) <= 5
    finally:
        await redis.delete(key)
        await redis.aclose()


async def test_email_asks_keep_addresses_and_client_addresses_out_of_keys() -> None:
    redis = Redis.from_url(REDIS_URL)
    what = f"test{uuid.uuid4().hex[:8]}"
    try:
        await too_many_email_asks(redis, what, "Siân@Example.org", "203.0.113.9", secret="s" * 32)
        keys = [key.decode() async for key in redis.scan_iter(f"asks:{what}:*")]
        assert len(keys) == 2
        for key in keys:
            assert "203.0.113.9" not in key
            assert "example.org" not in key.lower()
    finally:
        for key in [k async for k in redis.scan_iter(f"asks:{what}:*")]:
            await redis.delete(key)
        await redis.aclose()
