"""Each caller's hourly cost budget, counted in Redis.

A budget is a window of `WINDOW_SECONDS` that starts with the caller's first request (as
GitHub's does); one Lua script reads what was used, refuses a request that does not fit and
charges one that does, atomically, so concurrent requests cannot overspend it. Keys name the
caller only by a keyed hash (`graphql:cost:user:<hash>`, `graphql:cost:client:<hash>`): no
address, email or token is readable in Redis.

When Redis is refused or hangs the request is let through (and one warning logged), and Redis
is not asked again for `PAUSE_SECONDS`, so an outage costs one timeout, not one per request.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.exceptions import RedisError

logger = logging.getLogger("network.api.budget")

WINDOW_SECONDS = 3600
PAUSE_SECONDS = 5.0
KEY_PREFIX = "graphql:cost:"

# KEYS[1]: the caller's hash {used, reset}; ARGV: cost, limit, window (ms). The window's end
# is kept in whole seconds (Redis's own clock), so every response of a window names the same
# resetAt. Returns {charged (1/0), used after, the window's end in ms since the epoch}.
_CHARGE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local reset = tonumber(redis.call('HGET', KEYS[1], 'reset') or '0')
local used = 0
if reset > now_ms then
  used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
else
  reset = (tonumber(now[1]) + 1) * 1000 + tonumber(ARGV[3])
end
local cost = tonumber(ARGV[1])
if used + cost > tonumber(ARGV[2]) then
  return {0, used, reset}
end
redis.call('HSET', KEYS[1], 'used', used + cost, 'reset', reset)
redis.call('PEXPIREAT', KEYS[1], reset)
return {1, used + cost, reset}
"""


@dataclass(frozen=True, slots=True)
class Budget:
    """A caller's budget after one request: what the request cost, the hourly limit, what is
    left of it, when it is whole again, and whether the request was let through."""

    cost: int
    limit: int
    remaining: int
    reset_at: datetime
    allowed: bool = True

    def as_extension(self, maximum: int) -> dict[str, Any]:
        """The `extensions.cost` of a response."""
        return {
            "requested": self.cost,
            "maximum": maximum,
            "limit": self.limit,
            "remaining": self.remaining,
            "resetAt": self.reset_at.isoformat(timespec="seconds"),
        }


def uncounted(cost: int, limit: int) -> Budget:
    """The budget reported when it could not be counted (no Redis): as if the window began now."""
    reset_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=WINDOW_SECONDS + 1)
    return Budget(cost=cost, limit=limit, remaining=max(limit - cost, 0), reset_at=reset_at)


class CostBudgets:
    """The budgets of all callers of one app, in one Redis database."""

    def __init__(self, redis: Any, secret_key: str) -> None:
        """`redis` is a redis.asyncio client with connect and read timeouts."""
        self.redis = redis
        self._charge = redis.register_script(_CHARGE)
        self._secret = secret_key.encode()
        self._paused_until = 0.0

    def key(self, kind: str, who: str) -> str:
        """The Redis key of a caller (`kind` is "user" or "client"), hashed with the secret key
        so that nobody reading Redis can tell an address or a user from it."""
        digest = hmac.new(self._secret, f"{kind}:{who}".encode(), hashlib.sha256).hexdigest()
        return f"{KEY_PREFIX}{kind}:{digest[:32]}"

    async def spent(self, kind: str, who: str, limit: int) -> bool:
        """Whether the caller's budget is used up for the rest of its window (no request can
        fit); False when Redis cannot say. Reads only: the request is still charged (and
        refused) by `charge`."""
        if time.monotonic() < self._paused_until:
            return False
        try:
            used, reset = await self.redis.hmget(self.key(kind, who), ["used", "reset"])
        except (RedisError, OSError):
            return False  # `charge` will find out, and log it once
        if used is None or reset is None:
            return False
        return int(used) >= limit and int(reset) > time.time() * 1000

    async def charge(self, kind: str, who: str, cost: int, limit: int) -> Budget:
        """Take `cost` from the caller's budget if it fits; `allowed` is False when it does not
        (nothing is taken then)."""
        if time.monotonic() < self._paused_until:
            return uncounted(cost, limit)
        try:
            charged, used, reset_ms = await self._charge(
                keys=[self.key(kind, who)], args=[cost, limit, WINDOW_SECONDS * 1000]
            )
        except (RedisError, OSError) as exc:
            self._paused_until = time.monotonic() + PAUSE_SECONDS
            logger.warning(
                "cost budgets unavailable (%s); requests go uncounted for %.0f s",
                type(exc).__name__,
                PAUSE_SECONDS,
            )
            return uncounted(cost, limit)
        reset_at = datetime.fromtimestamp(int(reset_ms) / 1000, UTC)
        return Budget(
            cost=cost,
            limit=limit,
            remaining=max(limit - int(used), 0),
            reset_at=reset_at,
            allowed=bool(charged),
        )
