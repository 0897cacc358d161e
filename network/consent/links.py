"""The unsubscribe link of a bulk email: a signed token naming a contact and a purpose.

The token is `<contact id in hex>-<purpose code>.<signature>` (network/kit/signing.py, signed
with SECRET_KEY for the purpose "unsubscribe"): ids only, no name or address. It never
expires: RFC 8058 asks that a List-Unsubscribe URL keep working for as long as the email
may be read, and using it can only withdraw consent, which is always safe to do.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from network.config import get_settings
from network.kit.enums import ConsentPurpose
from network.kit.signing import sign, unsign

SIGNING_PURPOSE = "unsubscribe"
_CODES = {
    ConsentPurpose.NETWORK_NEWS: "news",
    ConsentPurpose.MEETING_INVITATIONS: "meetings",
    ConsentPurpose.TRAINING_OFFERS: "training",
}
_PURPOSES = {code: purpose for purpose, code in _CODES.items()}


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    """What an unsubscribe token names."""

    contact_id: uuid.UUID
    purpose: ConsentPurpose


def unsubscribe_token(contact_id: uuid.UUID, purpose: ConsentPurpose) -> str:
    """The token of a contact's unsubscribe link for one purpose."""
    return sign(get_settings().secret_key, SIGNING_PURPOSE, f"{contact_id.hex}-{_CODES[purpose]}")


def read_unsubscribe_token(token: str) -> Unsubscribe | None:
    """The contact and purpose a token names, or None when it is not a genuine token."""
    value = unsign(get_settings().secret_key, SIGNING_PURPOSE, token)
    if value is None:
        return None
    contact_hex, _, code = value.partition("-")
    purpose = _PURPOSES.get(code)
    if purpose is None:
        return None
    try:
        return Unsubscribe(uuid.UUID(hex=contact_hex), purpose)
    except ValueError:
        return None


def unsubscribe_path(contact_id: uuid.UUID, purpose: ConsentPurpose) -> str:
    """The path of the public unsubscribe page (network/portal/public/unsubscribe.py)."""
    return f"/unsubscribe/{unsubscribe_token(contact_id, purpose)}"


def unsubscribe_url(contact_id: uuid.UUID, purpose: ConsentPurpose) -> str:
    """The absolute unsubscribe URL under BASE_URL (https in production) for an email."""
    return get_settings().base_url.rstrip("/") + unsubscribe_path(contact_id, purpose)
