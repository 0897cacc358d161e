"""The register of personal data: every column that can hold personal data says so.

A column is tagged in its model with `info=personal(...)` (what kind of data, why we hold
it, how long) or `info=not_personal("why not")`. network/privacy/register.py reads the tags
to print the register for the records of processing, and erasure overwrites or nulls every
`personal` column of a person's rows. A test fails when a table that refers to a person has
a text, email, date or JSON column with neither tag.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, LargeBinary, String, func, literal

from network.config import get_settings

PII_KEY = "pii"


class Category(enum.StrEnum):
    """What kind of personal data a column holds."""

    IDENTITY = "identity"  # names
    CONTACT = "contact"  # email addresses, job titles, languages
    TRAINING = "training"  # bookings, attendance, certificates
    PROGRAMME = "programme"  # meeting invitations and answers, progress notes
    COMMUNICATION = "communication"  # emails sent and their bodies
    CONSENT = "consent"  # what was agreed, withdrawn, when and how
    ACCOUNT = "account"  # sign-in, sessions, tokens
    AUDIT = "audit"  # who did what, when
    ACCESS = "access"  # a person's own data, exported for them


class Erase(enum.StrEnum):
    """What erasure does to a personal column of the erased person's rows."""

    NULL = "null"  # set to NULL
    REPLACE = "replace"  # overwritten with a placeholder (NOT NULL columns)
    SCRUB = "scrub"  # free text: the person's name and address are cut out, the rest kept
    KEEP = "keep"  # kept: not about the person once the rest is gone (say why in retention)
    DELETE = "delete"  # the whole row goes (sign-in records, exports, sent attachments)


@dataclass(frozen=True, slots=True)
class Personal:
    """One personal column's entry in the register."""

    category: Category
    purpose: str
    retention: str
    erase: Erase


@dataclass(frozen=True, slots=True)
class NotPersonal:
    """A column of a person-related table that holds no personal data, and why."""

    reason: str


# Wordings the models share (the register prints them).
WITH_CONTACT = (
    "while the contact is kept (retention rules for inactive, prospect and archived contacts)"
)
WITH_HISTORY = (
    "as long as the training and programme records (anonymised by erasure, kept for the statistics)"
)
UNTIL_EXPIRY = "until expiry, then pruned (retention rule SIGN_IN_RECORDS)"
ROW_WRITTEN = "when the row was written or changed; says nothing about the person once anonymised"


def personal(
    category: Category, purpose: str, retention: str, erase: Erase = Erase.NULL
) -> dict[str, Any]:
    """`info=` for a column that can hold personal data."""
    return {PII_KEY: Personal(category, purpose, retention, erase)}


def not_personal(reason: str) -> dict[str, Any]:
    """`info=` for a text, date or JSON column of a person-related table with no personal data."""
    return {PII_KEY: NotPersonal(reason)}


def tag_of(info: dict[str, Any]) -> Personal | NotPersonal | None:
    """The column's tag, if it has one."""
    tag = info.get(PII_KEY)
    return tag if isinstance(tag, Personal | NotPersonal) else None


def erased_address(row_id: uuid.UUID | None = None) -> str:
    """The address an erased contact, user or email is left with: unique per row, and never
    deliverable (`.invalid` is reserved by RFC 2606)."""
    return f"erased+{row_id}@erased.invalid" if row_id is not None else "erased@erased.invalid"


# Suppressed addresses are kept as HMAC-SHA256 digests, not plain SHA-256: a plain digest of
# an address can be reversed by hashing guesses (a member's domain and a list of names). The
# key is derived from SECRET_KEY under this fixed label, so the list never holds the secret
# itself and the secret's other uses (signed links, cookies) never share a key with it.
# Rotating SECRET_KEY changes every digest: the addresses already suppressed are then no
# longer recognised (the list cannot be re-hashed, as it holds no address), though messages
# naming an erased contact are still skipped by the contact's mark (README, "Personal data:
# register and erasure").
SUPPRESSION_LABEL = b"network/suppressed-address/v1"
_BLOCK = 64  # SHA-256's block size, for HMAC's pads


@lru_cache(maxsize=4)
def suppression_key(secret_key: str) -> bytes:
    """The key of the suppression digests: HMAC-SHA256(SECRET_KEY, a fixed label)."""
    return hmac.new(secret_key.encode(), SUPPRESSION_LABEL, hashlib.sha256).digest()


@lru_cache(maxsize=4)
def _pads(secret_key: str) -> tuple[bytes, bytes]:
    key = suppression_key(secret_key).ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def address_digest(normalized_address: str) -> str:
    """The digest (hex HMAC-SHA256, keyed from SECRET_KEY) under which an address is
    suppressed: of its normalised form (network.kit.emails.normalize_email), so the list of
    suppressed addresses names nobody, and cannot be read back by hashing guesses."""
    key = suppression_key(get_settings().secret_key)
    return hmac.new(key, normalized_address.encode(), hashlib.sha256).hexdigest()


def address_digest_sql(address: ColumnElement[Any]) -> ColumnElement[str]:
    """`address_digest` computed by PostgreSQL (built-in sha256, no extension: HMAC is
    H(key ^ opad || H(key ^ ipad || message))), for comparing a stored address in a query."""
    inner_pad, outer_pad = _pads(get_settings().secret_key)
    inner = func.sha256(
        literal(inner_pad, LargeBinary).op("||", return_type=LargeBinary)(
            func.convert_to(address, literal("UTF8"), type_=LargeBinary)
        ),
        type_=LargeBinary,
    )
    outer = func.sha256(
        literal(outer_pad, LargeBinary).op("||", return_type=LargeBinary)(inner),
        type_=LargeBinary,
    )
    return func.encode(outer, literal("hex"), type_=String)
