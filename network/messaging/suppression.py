"""Erased people are never written to again.

The rule, applied twice (when an email is owed, by `erased_recipients`, and when delivery
claims it, by `recipient_erased`, the last gate): a message's recipient is erased when

- the contact it names is erased (`contacts.erased_at`); or
- it names no contact, its address is suppressed (network/privacy/erasure.py keeps a keyed
  digest of an erased person's addresses in `suppressed_addresses`, network/kit/pii.py), and
  no active user holds that address.

A message naming a live contact always goes: addresses can be shared (an archived duplicate and
its re-created contact, one person at two members), so the contact, not the address, says who
it is for. Erasure suppresses an address only while no other live contact and no active user
holds it; the user clause above keeps a sign-in link to someone who takes such an address
later (a staff user with no contact) from being silenced.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    and_,
    column,
    exists,
    literal,
    or_,
    select,
    table,
    union_all,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.models import User
from network.contacts.models import Contact
from network.kit.pii import address_digest, address_digest_sql, erased_address
from network.messaging.models import OutboxStatus

RECIPIENT_ERASED = "recipient erased"

# The table is the privacy layer's (network/privacy/models.py, above this one): named here by
# its one column, so the outbox need not import it.
suppressed = table("suppressed_addresses", column("address_sha256", String))
users = cast(Table, User.__table__)


def recipient_erased(contact_id: Any, to_email: Any, erased_at: Any) -> ColumnElement[bool]:
    """The rule as SQL, over a message's `contact_id`, `to_email` and its contact's
    `erased_at` (outer-joined): for the delivery claim, evaluated in its one statement."""
    address_suppressed = exists().where(suppressed.c.address_sha256 == address_digest_sql(to_email))
    held = exists().where(users.c.email == to_email, users.c.is_active.is_(True))
    return or_(
        erased_at.is_not(None),
        and_(contact_id.is_(None), address_suppressed, ~held),
    )


async def erased_recipients(
    session: AsyncSession, messages: Iterable[Mapping[str, Any]]
) -> set[uuid.UUID]:
    """The ids of the messages (rows with `id`, `contact_id` and a normalised `to_email`) whose
    recipient is erased, by the module's rule. One query, whatever the number.

    The caller's row-level security applies: a contact it may not see does not count as
    erased here, and delivery's claim (which sees everything) skips its message instead."""
    rows = list(messages)
    if not rows:
        return set()
    contact_ids = sorted({r["contact_id"] for r in rows if r["contact_id"] is not None})
    bare = sorted({r["to_email"] for r in rows if r["contact_id"] is None})
    digests = {a: address_digest(a) for a in bare}
    parts = [
        select(literal("contact").label("what"), sql_cast(Contact.id, String).label("value")).where(
            Contact.id.in_(contact_ids), Contact.erased_at.is_not(None)
        )
    ]
    if bare:
        parts += [
            select(literal("address"), suppressed.c.address_sha256).where(
                suppressed.c.address_sha256.in_(sorted(set(digests.values())))
            ),
            select(literal("user"), users.c.email).where(
                users.c.email.in_(bare), users.c.is_active.is_(True)
            ),
        ]
    found = (await session.execute(union_all(*parts))).all()
    erased_contacts = {uuid.UUID(v) for what, v in found if what == "contact"}
    suppressed_digests = {v for what, v in found if what == "address"}
    held = {v for what, v in found if what == "user"}
    return {
        r["id"]
        for r in rows
        if r["contact_id"] in erased_contacts
        or (
            r["contact_id"] is None
            and digests[r["to_email"]] in suppressed_digests
            and r["to_email"] not in held
        )
    }


def skipped_for_erasure(row: dict[str, Any]) -> None:
    """Make a message row to an erased person SKIPPED, without their address or the data it
    was to be rendered from (so nothing about them is written again)."""
    row.update(
        status=OutboxStatus.SKIPPED,
        last_error=RECIPIENT_ERASED,
        to_email=erased_address(row["contact_id"]),
        context={},
        attachment_count=0,
    )
