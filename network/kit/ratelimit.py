"""Fixed-window rate limits counted in Redis, shared by every face (portal, API, pages).

A limit is a hint against abuse, never what keeps data safe: when Redis cannot be reached the
request is let through (and logged), so a Redis outage does not lock everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from redis.exceptions import RedisError

from network.kit.emails import lookup_email

logger = logging.getLogger("network.kit.ratelimit")

# Emails anyone may ask for without signing in (a password reset, a sign-in link): per
# address asked for, and per client address asking, in one window.
EMAIL_ASKS_PER_ADDRESS = 3
EMAIL_ASKS_PER_CLIENT = 10
EMAIL_ASKS_WINDOW_SECONDS = 15 * 60

# Certificate verification lookups (the public page and `verifyCertificate`): per client
# address, so guessing codes is slow.
VERIFY_LIMIT = 30
VERIFY_WINDOW_SECONDS = 60


async def over_limit(redis: Any, key: str, limit: int, window_seconds: int) -> bool:
    """Count one request under `key`; True once more than `limit` came within the window
    (which starts at the first request). `redis` is a redis.asyncio client."""
    try:
        # One transaction: a count left without its expiry (a timeout between two calls) would
        # hold the client back for good.
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window_seconds, nx=True)
            count = int((await pipe.execute())[0])
    except (RedisError, OSError) as exc:
        logger.warning("rate limit %s unavailable: %s", key.split(":", 1)[0], exc)
        return False
    return count > limit


def private_key_part(secret: str, value: str) -> str:
    """`value` (an email address) as it may appear in a Redis key: an HMAC under SECRET_KEY,
    so whoever reads Redis (a dump, MONITOR) learns no address, nor can test one by hashing."""
    digest = hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()
    return digest[:32]  # 128 bits: no two addresses share a counter


async def too_many_email_asks(
    redis: Any, what: str, email: str, client: str, *, secret: str
) -> bool:
    """Whether this address, or this client, has asked for too many `what` emails lately.

    Both counts go up on every ask, so neither a burst at one address nor one client trying
    many addresses gets through; the portal and the API share the same counters. The address
    is keyed by its HMAC under `secret` (SECRET_KEY), never in clear.
    """
    address = private_key_part(secret, lookup_email(email))
    by_address = await over_limit(
        redis,
        f"asks:{what}:address:{address}",
        EMAIL_ASKS_PER_ADDRESS,
        EMAIL_ASKS_WINDOW_SECONDS,
    )
    by_client = await over_limit(
        redis,
        f"asks:{what}:client:{private_key_part(secret, client)}",  # an IP address is personal
        EMAIL_ASKS_PER_CLIENT,
        EMAIL_ASKS_WINDOW_SECONDS,
    )
    return by_address or by_client


def rate_key(client: str) -> str:
    """The Redis key counting a client's verification lookups in the current window."""
    return f"network:verify-rate:{client}"


async def over_verify_limit(redis: Any, client: str) -> bool:
    """Count one verification lookup; True once the client passed the limit in the window."""
    return await over_limit(redis, rate_key(client), VERIFY_LIMIT, VERIFY_WINDOW_SECONDS)
