"""Demo CPD certificates: a session held last month whose attendees have their certificates."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.contacts.models import Contact
from network.db import utcnow
from network.training.enums import BookingStatus
from network.training.models import Booking, Course, TrainingSession

COURSE = "Outcome-Based Commissioning training"
ATTENDEES = [
    "gwenllian.ellis@ynysmon.example",
    "sian.pryce@powys.example",
    "julia.schneider@mannheim.example",
    "camille.durand@inet-strasbourg.example",
]


async def load_certificates_demo(session: AsyncSession) -> None:
    """Add the past session with its attendees and issue their certificates, once."""
    course = (await session.scalars(select(Course).where(Course.title == COURSE))).first()
    if course is None:
        return
    zone = ZoneInfo("Europe/London")
    day = (utcnow() - timedelta(days=30)).astimezone(zone).date()
    starts = datetime.combine(day, time(9, 30), tzinfo=zone)
    held = (
        await session.scalars(
            select(TrainingSession).where(
                TrainingSession.course_id == course.id, TrainingSession.starts_at < utcnow()
            )
        )
    ).first()
    if held is not None:
        return
    # A record of the past, written directly (the service schedules only future sessions).
    held = TrainingSession(
        course_id=course.id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=7),
        time_zone="Europe/London",
        language="en",
        venue="Cardiff, City Hall",
        capacity=20,
        trainer="Network training team",
    )
    session.add(held)
    await session.flush()
    people = (await session.scalars(select(Contact).where(Contact.email.in_(ATTENDEES)))).all()
    for person in people:
        session.add(
            Booking(
                session_id=held.id,
                contact_id=person.id,
                status=BookingStatus.ATTENDED,
                attendance_marked_at=starts + timedelta(hours=7),
            )
        )
    await session.flush()
    await certificates.issue_certificates(session, SYSTEM, session_id=held.id)
