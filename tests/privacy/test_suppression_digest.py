"""The suppression list keeps a keyed digest of each address (HMAC-SHA256 under a key derived
from SECRET_KEY), not a plain SHA-256 anyone could recompute from a guessed address; and the
database computes the same digest as Python (the delivery claim compares them in SQL)."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.config import get_settings
from network.kit.pii import SUPPRESSION_LABEL, address_digest, address_digest_sql, suppression_key

ADDRESSES = ["zebedee.quillfeather@powys.example", "ñandú@correo.example", "a@b.example"]


def test_the_digest_is_keyed_by_a_key_derived_from_the_secret() -> None:
    secret = get_settings().secret_key
    key = hmac.new(secret.encode(), SUPPRESSION_LABEL, hashlib.sha256).digest()

    assert suppression_key(secret) == key
    assert key != secret.encode()
    for address in ADDRESSES:
        digest = address_digest(address)
        assert digest == hmac.new(key, address.encode(), hashlib.sha256).hexdigest()
        assert digest != hashlib.sha256(address.encode()).hexdigest()
    other = suppression_key(secret + "-rotated")
    assert other != key


async def test_the_database_computes_the_same_digest(session: AsyncSession) -> None:
    computed = [
        await session.scalar(select(address_digest_sql(literal(address)))) for address in ADDRESSES
    ]

    assert computed == [address_digest(a) for a in ADDRESSES]
