"""The certificates that have come due: attendees of sessions that have ended, not yet issued.

Attendance may be marked from a session's start, but a certificate certifies a session that
was held, so it is issued once the session has ended: at once when attendance is marked after
the end (the job owed by network.training.bookings), else by this sweep, which a worker cron
runs every `certificate_sweep_seconds`. The sweep picks bookings by the issuer's own rule
(network.certificates.issuing.owes_certificate: an erased attendee is never picked, so one
cannot starve the others of a small batch) and reuses the issuing function, so two sweeps at
once never issue twice (each locks the sessions, then the year's counter, before looking for
pending bookings, and the partial unique index on `booking_id` is the backstop).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import SYSTEM
from network.certificates.issuing import issue_for_bookings, owes_certificate
from network.certificates.models import Certificate
from network.contacts.models import Contact
from network.training.enums import TrainingSessionStatus
from network.training.models import Booking, Course, TrainingSession

# How far back the sweep looks: a session that ended longer ago is left to staff (the
# `issueCertificates` mutation), so each pass reads a bounded slice of recent sessions.
LOOK_BACK = timedelta(days=30)
# A session lasts at most this long (network.training.session_rules.MAX_LENGTH): bounding the
# start as well lets the scan use the sessions' (starts_at, id) index.
LONGEST_SESSION = timedelta(days=14)


async def issue_due_certificates(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[Certificate]:
    """Issue up to `limit` certificates owed to attendees of CPD sessions that have ended."""
    since = now - LOOK_BACK
    statement = (
        select(Booking.id)
        .join(TrainingSession, TrainingSession.id == Booking.session_id)
        .join(Course, Course.id == TrainingSession.course_id)
        .join(Contact, Contact.id == Booking.contact_id)
        .where(
            TrainingSession.starts_at >= since - LONGEST_SESSION,
            TrainingSession.starts_at < now,
            TrainingSession.ends_at > since,
            TrainingSession.ends_at <= now,
            TrainingSession.status == TrainingSessionStatus.SCHEDULED,
            Course.cpd_certified.is_(True),
            owes_certificate(now),  # exactly what the issuer issues, so none is picked in vain
        )
        .order_by(TrainingSession.starts_at, Booking.queue_number)
        .limit(limit)
    )
    booking_ids = list((await session.scalars(statement)).all())
    if not booking_ids:
        return []
    return await issue_for_bookings(session, SYSTEM, booking_ids, now=now)
