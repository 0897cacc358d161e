"""Who is asking: the client's address behind the reverse proxies named in TRUSTED_PROXIES.

Anyone can send `X-Forwarded-For`; only a proxy we run appends to it truthfully. So the
headers are read only when the connection comes from a trusted proxy, and the list is walked
from the right (the entries our proxies appended) to the first address that is not one of
them: that hop is the client, whatever the client wrote further left. Rate limits and logs
read `request.client.host`, which this middleware sets.

The `Forwarded` header (RFC 7239) is ignored: a proxy that sets only `X-Forwarded-For` passes
a client's own `Forwarded` through unchanged, and it would then be believed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from starlette.types import ASGIApp, Receive, Scope, Send

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network
SCHEMES = {"http": ("http", "ws"), "https": ("https", "wss")}


def parse_networks(items: Iterable[str]) -> tuple[Network, ...]:
    """TRUSTED_PROXIES' items as networks (a bare address is a network of one)."""
    return tuple(ip_network(item.strip(), strict=False) for item in items if item.strip())


def parse_address(text: str) -> Address | None:
    """An address as a forwarding header writes it: bare, `[v6]`, with or without a port."""
    text = text.strip().strip('"')
    if text.startswith("["):  # [2001:db8::1] or [2001:db8::1]:443
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # 203.0.113.7:443
        text = text.split(":", 1)[0]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class TrustedProxies:
    """Pure ASGI middleware: `scope["client"]` (and `scope["scheme"]`) as the client sees them,
    when, and only when, the peer is a trusted proxy."""

    def __init__(self, app: ASGIApp, *, trusted: Sequence[str]) -> None:
        self.app = app
        self.networks = parse_networks(trusted)
        # Parsing an address costs microseconds, and the same few (our proxies, returning
        # clients) come again and again: remembered, in a bounded cache.
        self.hop = lru_cache(maxsize=4096)(self._hop)

    def _hop(self, text: str) -> tuple[str | None, bool]:
        """(the address as the app will see it, or None if unreadable; is it our proxy?)"""
        address = parse_address(text)
        if address is None:
            return None, False
        return str(address), any(address in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.networks and scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            if client and self.hop(client[0])[1]:
                scope = self._as_forwarded(scope)
        await self.app(scope, receive, send)

    def _as_forwarded(self, scope: Scope) -> Scope:
        hops: list[str] = []
        protos: list[str] = []
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                hops += [hop.strip() for hop in value.decode("latin-1").split(",")]
            elif name == b"x-forwarded-proto":
                protos += value.decode("latin-1").split(",")
        index = self._client_hop(hops)
        if index is None:
            return scope
        scope = dict(scope)
        scope["client"] = (self.hop(hops[index])[0], 0)
        proto = (protos[index] if len(protos) == len(hops) else protos[-1]) if protos else ""
        schemes = SCHEMES.get(proto.strip().lower())
        if schemes is not None:
            scope["scheme"] = schemes[0] if scope["type"] == "http" else schemes[1]
        return scope

    def _client_hop(self, hops: list[str]) -> int | None:
        """The index of the rightmost hop that is not a trusted proxy (the leftmost when all
        are); None when there is no list, or our own proxy wrote something unreadable."""
        for index in range(len(hops) - 1, -1, -1):
            address, trusted = self.hop(hops[index])
            if address is None:
                return None
            if not trusted or index == 0:
                return index
        return None
