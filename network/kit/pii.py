"""The register of personal data: every column that can hold personal data says so.

A column is tagged in its model with `info=personal(...)` (what kind of data, why we hold
it, how long) or `info=not_personal("why not")`. network/privacy/register.py reads the tags
to print the register for the records of processing, and erasure overwrites or nulls every
`personal` column of a person's rows. A test fails when a table that refers to a person has
a text, email, date or JSON column with neither tag.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

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


class Erase(enum.StrEnum):
    """What erasure does to a personal column of the erased person's rows."""

    NULL = "null"  # set to NULL
    REPLACE = "replace"  # overwritten with a placeholder (NOT NULL columns)
    SCRUB = "scrub"  # free text: the person's name and address are cut out, the rest kept
    KEEP = "keep"  # kept: not about the person once the rest is gone (say why in retention)


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
