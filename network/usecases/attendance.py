"""Attendance that stays true: recording or clearing it revokes the certificates it undoes.

Training records attendance and certificates certify it; certificates sit above training, so
the reaction that crosses the two (an attendee corrected to no-show loses the certificate
issued for the session) lives here, in one transaction with the change. Every face marks and
clears attendance through these two functions.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.policy import require_staff
from network.auth.principal import Principal
from network.certificates import service as certificates
from network.db import utcnow
from network.kit.errors import Errors
from network.kit.validation import clean_text
from network.training import service as training
from network.training.models import Booking

NO_SHOW_REASON = "Attendance corrected to no-show."
CLEARED_REASON = "Attendance record cleared."


def _clean_reason(reason: str | None) -> str | None:
    errors = Errors()
    clean = clean_text(errors, "reason", reason, required=False, max_length=1000)
    errors.raise_if_any()
    return clean


async def mark_attendance(
    session: AsyncSession,
    principal: Principal,
    *,
    booking_ids: Sequence[uuid.UUID | None],
    attended: bool,
    reason: str | None = None,
    now: datetime | None = None,
) -> list[Booking]:
    """Record ATTENDED or NO_SHOW on bookings of sessions that have started (staff).

    A waitlisted booking marked ATTENDED becomes a walk-in; a walk-in is never marked NO_SHOW
    (refused on bookingIds, WALK_IN: clear the mark instead, which cancels it). A booking going
    from ATTENDED to NO_SHOW loses its valid certificate in the same transaction: revoked with
    `reason` (or "Attendance corrected to no-show."), audited, and its holder told by email.
    Certificates of newly attended bookings (also of one corrected back to ATTENDED, which
    earns a new certificate) are issued once the session has ended.
    """
    require_staff(principal, "bookingIds")
    clean_reason = _clean_reason(reason)
    now = now or utcnow()
    change = await training.record_attendance(
        session, principal, booking_ids=booking_ids, attended=attended, now=now
    )
    await certificates.revoke_for_bookings(
        session, principal, change.withdrawn, reason=clean_reason or NO_SHOW_REASON, now=now
    )
    return change.bookings


async def clear_attendance(
    session: AsyncSession,
    principal: Principal,
    *,
    booking_ids: Sequence[uuid.UUID | None],
    reason: str | None = None,
    now: datetime | None = None,
) -> list[Booking]:
    """Undo recorded attendance (staff): a booking that held a seat returns to CONFIRMED, a
    walk-in returns to CANCELLED; the certificate of one that was ATTENDED is revoked with
    `reason` (or "Attendance record cleared."), audited, and its holder told."""
    require_staff(principal, "bookingIds")
    clean_reason = _clean_reason(reason)
    now = now or utcnow()
    change = await training.undo_attendance(
        session, principal, booking_ids=booking_ids, reason=clean_reason, now=now
    )
    await certificates.revoke_for_bookings(
        session, principal, change.withdrawn, reason=clean_reason or CLEARED_REASON, now=now
    )
    return change.bookings
