"""How often anyone may try a password: per client address, per account from that address,
and per account from everywhere, each with an exponential backoff, counted in Redis.

- A client (an IP address; an IPv6 /64, which one subscriber usually holds whole) gets
  CLIENT_FREE failed sign-ins, whatever the accounts, known or not; after that each failure
  makes it wait CLIENT_BASE doubling up to CLIENT_CAP before its next try is even looked at.
  This is checked before any lookup or argon2 hash, so one client cannot burn our CPU.
- An account from one client gets PAIR_FREE failures; then PAIR_BASE doubling up to PAIR_CAP.
  Only that client is held back: nobody elsewhere is locked out of the account by it.
- An account from everywhere (guesses spread over many addresses) gets ACCOUNT_FREE failures;
  then ACCOUNT_BASE doubling up to ACCOUNT_CAP, which is short. And however often others keep
  failing, a client is let through once it has waited ACCOUNT_CAP since the account first
  turned it away: each address gets one try per ACCOUNT_CAP, so the owner is never locked out
  for longer than that (and an attacker's many addresses get no more than that each).

Every try is counted as a failure before the password is checked (one atomic script), so
parallel guesses see each other; a success takes its own count back (and clears the count of
that account from that client). Counts fade: a key expires its wait plus WINDOW after its last
failure. Keys carry HMACs (SECRET_KEY) of the address and the client, never either in clear.

When Redis refuses or hangs, a sign-in waits at most `timeout` for it, then counts in this
process's memory instead (the same rules, per process rather than across them), with one
warning; Redis is not asked again for BREAKER_SECONDS, so an outage costs neither time nor log
lines on every request, and the limits never simply switch off.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
import weakref
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from network.kit.emails import lookup_email
from network.kit.ratelimit import private_key_part, too_many_email_asks

logger = logging.getLogger("network.auth.throttle")

BREAKER_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Limits:
    """The numbers of the three limits (README: "Signing in"); seconds throughout."""

    client_free: int = 20  # an office behind one address mistypes now and then
    client_base: float = 60.0
    client_cap: float = 15 * 60.0
    pair_free: int = 5  # five failures in a row lock the account from that client a minute
    pair_base: float = 60.0
    pair_cap: float = 15 * 60.0
    account_free: int = 20
    account_base: float = 5.0
    account_cap: float = 60.0  # the longest anyone can be kept out from elsewhere
    window: float = 15 * 60.0  # how long a count lasts after its last failure and wait


LIMITS = Limits()

# KEYS: client, pair (account from this client), account. ARGV: now, then per key its free
# failures, base and cap, then the window. Returns {verdict, seconds to wait} with verdict
# "ok" (counted as a failure until `forgive`), "client" or "account".
ADMIT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[11])
local function wait_of(n, free, base, cap)
  if n < free then return 0 end
  return math.min(base * 2 ^ (n - free), cap)
end
local function waiting(key, i)
  local n = tonumber(redis.call('HGET', key, 'n') or '0')
  local t = tonumber(redis.call('HGET', key, 't') or '0')
  local w = wait_of(n, tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]))
  return math.max(0, t + w - now)
end
local function count(key, i)
  local n = redis.call('HINCRBY', key, 'n', 1)
  redis.call('HSET', key, 'p', redis.call('HGET', key, 't') or '0', 't', ARGV[1])
  local w = wait_of(n, tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]))
  redis.call('EXPIRE', key, math.ceil(w + window))
end
local left = waiting(KEYS[1], 2)
if left > 0 then return {'client', tostring(left)} end
left = waiting(KEYS[2], 5)
if left > 0 then return {'account', tostring(left)} end
left = waiting(KEYS[3], 8)
local cap = tonumber(ARGV[10])
if left > 0 then
  local since = tonumber(redis.call('HGET', KEYS[2], 'w') or '-1')
  if since < 0 then
    redis.call('HSET', KEYS[2], 'w', ARGV[1])
    if redis.call('TTL', KEYS[2]) < cap then
      redis.call('EXPIRE', KEYS[2], math.ceil(cap + window))
    end
    return {'account', tostring(math.min(left, cap))}
  end
  if now - since < cap then return {'account', tostring(math.min(left, since + cap - now))} end
end
redis.call('HDEL', KEYS[2], 'w')
count(KEYS[1], 2)
count(KEYS[2], 5)
count(KEYS[3], 8)
return {'ok', '0'}
"""

# KEYS: client, pair, account. A success: its own failure taken back (the count, and the time
# of the failure before it, 'p'), the pair cleared.
FORGIVE = """
local function take_back(key)
  if tonumber(redis.call('HGET', key, 'n') or '0') > 0 then
    redis.call('HINCRBY', key, 'n', -1)
    redis.call('HSET', key, 't', redis.call('HGET', key, 'p') or '0')
  end
end
take_back(KEYS[1])
redis.call('DEL', KEYS[2])
take_back(KEYS[3])
return 1
"""


@dataclass(frozen=True, slots=True)
class Attempt:
    """A sign-in attempt the throttle has looked at: whether it may go on, and if not, for how
    many seconds the client should wait; `store` holds it as a failure until forgiven."""

    admitted: bool
    retry_after: float
    keys: tuple[str, str, str]
    store: Redis | LocalCounts | None = None

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, at least one (for the page)."""
        return max(1, int(-(-self.retry_after // 60)))


def wait_of(n: int, free: int, base: float, cap: float) -> float:
    """The wait after `n` failures: none for the first `free`, then `base` doubling to `cap`."""
    return 0.0 if n < free else min(base * 2.0 ** min(n - free, 64), cap)


class LocalCounts:
    """The same counts in this process's memory, for while Redis is unavailable: the limits
    then hold per process instead of across them. At most MAX_KEYS keys (oldest dropped)."""

    MAX_KEYS = 100_000

    def __init__(self) -> None:
        self._counts: dict[str, dict[str, float]] = {}

    def _get(self, key: str, now: float, window: float) -> dict[str, float]:
        found = self._counts.get(key)
        if found is not None and found["expires"] <= now:
            del self._counts[key]
            found = None
        if found is None:
            while len(self._counts) >= self.MAX_KEYS:
                del self._counts[next(iter(self._counts))]
            found = self._counts[key] = {"n": 0, "t": 0.0, "expires": now + window}
        return found

    def admit(self, keys: tuple[str, str, str], limits: Limits, now: float) -> tuple[str, float]:
        """As the ADMIT script: ("ok", 0) counted as a failure, else the verdict and the wait."""
        client, pair, account = (self._get(key, now, limits.window) for key in keys)
        rules = (
            (client, limits.client_free, limits.client_base, limits.client_cap),
            (pair, limits.pair_free, limits.pair_base, limits.pair_cap),
            (account, limits.account_free, limits.account_base, limits.account_cap),
        )
        left = [
            max(0.0, counts["t"] + wait_of(int(counts["n"]), free, base, cap) - now)
            for counts, free, base, cap in rules
        ]
        if left[0] > 0:
            return "client", left[0]
        if left[1] > 0:
            return "account", left[1]
        cap = limits.account_cap
        if left[2] > 0:
            since = pair.get("w")
            if since is None:
                pair["w"] = now
                pair["expires"] = max(pair["expires"], now + cap + limits.window)
                return "account", min(left[2], cap)
            if now - since < cap:
                return "account", min(left[2], since + cap - now)
        pair.pop("w", None)
        for counts, free, base, cap in rules:
            counts["n"] += 1
            counts["p"], counts["t"] = counts["t"], now
            counts["expires"] = now + wait_of(int(counts["n"]), free, base, cap) + limits.window
        return "ok", 0.0

    def forgive(self, keys: tuple[str, str, str]) -> None:
        """As the FORGIVE script."""
        client, pair, account = keys
        self._counts.pop(pair, None)
        for key in (client, account):
            counts = self._counts.get(key)
            if counts is not None and counts["n"] > 0:
                counts["n"] -= 1
                counts["t"] = counts.get("p", 0.0)


# Per Redis client (one per app): until when it is not asked after it failed, and the counts
# kept in this process meanwhile.
_broken: weakref.WeakKeyDictionary[Redis, float] = weakref.WeakKeyDictionary()
_local: weakref.WeakKeyDictionary[Redis, LocalCounts] = weakref.WeakKeyDictionary()


def client_of(address: str) -> str:
    """The unit a client is counted by: its IPv4 address, or the /64 of an IPv6 one. An
    IPv4-mapped address (`::ffff:a.b.c.d`, how a dual-stack socket shows IPv4 peers) counts as
    its IPv4 address: its /64 would put every IPv4 client in one bucket."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def keys_for(secret: str, email: str, client: str) -> tuple[str, str, str]:
    """The Redis keys of a client, an account from that client, and an account."""
    account = private_key_part(secret, lookup_email(email))
    who = private_key_part(secret, client_of(client))
    return (
        f"signin:client:{who}",
        f"signin:pair:{private_key_part(secret, account + who)}",
        f"signin:account:{account}",
    )


class SignInThrottle:
    """The three limits on one Redis client; each call waits at most `timeout` for Redis,
    then counts in this process instead (LocalCounts) for BREAKER_SECONDS."""

    def __init__(
        self, redis: Redis, secret: str, *, timeout: float, limits: Limits | None = None
    ) -> None:
        self.redis = redis
        self.secret = secret
        self.timeout = timeout
        self.limits = limits or LIMITS

    def _local_counts(self) -> LocalCounts:
        local = _local.get(self.redis)
        if local is None:
            local = _local[self.redis] = LocalCounts()
        return local

    async def admit(self, email: str, client: str, *, now: float | None = None) -> Attempt:
        """Look at a try before anything is looked up or hashed: counted as a failure when
        admitted (take it back with `succeeded`); refused with the wait otherwise."""
        keys = keys_for(self.secret, email, client)
        limits = self.limits
        now = time.time() if now is None else now
        arguments = (
            repr(now),
            limits.client_free,
            limits.client_base,
            limits.client_cap,
            limits.pair_free,
            limits.pair_base,
            limits.pair_cap,
            limits.account_free,
            limits.account_base,
            limits.account_cap,
            limits.window,
        )
        store: Redis | LocalCounts
        answer = await self._run(ADMIT, keys, arguments)
        if answer is None:
            store = self._local_counts()
            verdict, seconds = store.admit(keys, limits, now)
        else:
            store = self.redis
            verdict, left = (p.decode() if isinstance(p, bytes) else str(p) for p in answer)
            seconds = float(left)
        if verdict == "ok":
            return Attempt(admitted=True, retry_after=0.0, keys=keys, store=store)
        return Attempt(admitted=False, retry_after=seconds, keys=keys)

    async def succeeded(self, attempt: Attempt) -> None:
        """The password was right: take the attempt's failure back, where it was counted."""
        if isinstance(attempt.store, LocalCounts):
            attempt.store.forgive(attempt.keys)
        elif attempt.store is not None:
            await self._run(FORGIVE, attempt.keys, ())

    async def _run(self, script: str, keys: tuple[str, ...], arguments: tuple[Any, ...]) -> Any:
        """The script's answer, or None when Redis failed or is resting after a failure."""
        if _broken.get(self.redis, 0.0) > time.monotonic():
            return None
        try:
            async with asyncio.timeout(self.timeout):
                # EVALSHA: the script's text goes to Redis once, then only its hash.
                return await self.redis.register_script(script)(keys=keys, args=arguments)
        except (RedisError, OSError, TimeoutError) as exc:
            _broken[self.redis] = time.monotonic() + BREAKER_SECONDS
            logger.warning(
                "sign-in limits unavailable (%s): counting in this process for %.0f s",
                type(exc).__name__,
                BREAKER_SECONDS,
            )
            return None


async def too_many_asks(
    redis: Redis, what: str, email: str, client: str, *, secret: str, patience: float
) -> bool:
    """Whether this address or client has asked for too many `what` emails lately (see
    network.kit.ratelimit); a Redis that hangs is given `patience` seconds, then the ask goes
    ahead."""
    try:
        async with asyncio.timeout(patience):
            return await too_many_email_asks(redis, what, email, client_of(client), secret=secret)
    except TimeoutError:
        logger.warning("email ask limits unavailable, asking unthrottled: timed out")
        return False
