"""Signed tokens for links that work without a login (HMAC-SHA256 over a purpose and a value).

A token is `<value>.<signature>`; the purpose (e.g. "meeting-rsvp") is signed too, so a token
made for one kind of link is worthless for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

SIGNATURE_LENGTH = 32  # characters of base64url: 192 bits


def _signature(secret: str, purpose: str, value: str) -> str:
    digest = hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_LENGTH]


def sign(secret: str, purpose: str, value: str) -> str:
    """A token carrying `value` that only the holder of `secret` could have made."""
    if "." in value:
        raise ValueError("a signed value must not contain '.'")
    return f"{value}.{_signature(secret, purpose, value)}"


def unsign(secret: str, purpose: str, token: str) -> str | None:
    """The value inside a token made by `sign` for this purpose, or None if it is not one."""
    value, dot, signature = token.partition(".")
    if not dot or not value or len(signature) != SIGNATURE_LENGTH:
        return None
    expected = _signature(secret, purpose, value)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return None
    return value
