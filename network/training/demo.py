"""Demo training data: the catalogue, upcoming sessions, a few seats left, one waiting list.

`load_training_demo(session)` is idempotent (a course that exists is left alone, with its
sessions) and books demo contacts through the service, so the outbox holds their emails.
`network seed --demo` calls it after the core demo data (see network/demo/seed.py).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import SYSTEM
from network.contacts.models import Contact
from network.db import utcnow
from network.training import bookings, catalogue, scheduling
from network.training.enums import CourseFormat
from network.training.models import Course

# title, format, CPD hours, certified, description
COURSES = [
    (
        "Co-Production Star training for managers",
        CourseFormat.ONE_DAY,
        "6",
        True,
        "The five steps of the Co-Production Star, for service and commissioning managers.",
    ),
    (
        "Co-Production Star training for board members",
        CourseFormat.HALF_DAY,
        "3",
        True,
        "Leading co-production: what boards and elected members need to ask.",
    ),
    (
        "Co-Production Star training for frontline staff and service users",
        CourseFormat.TWO_DAY,
        "12",
        True,
        "Two days of practice with the star, for staff and the people they work with.",
    ),
    (
        "Outcome-Based Commissioning training",
        CourseFormat.ONE_DAY,
        "6",
        True,
        "Commissioning for the outcomes people value, with co-production at its heart.",
    ),
    (
        "Co-Production Star briefing",
        CourseFormat.HALF_DAY,
        "0",
        False,
        "An introduction to the Co-Production Star and the network.",
    ),
]

# course title, days from now, local start, hours, zone, language, venue, online link,
# capacity, emails of the contacts to book (in order)
SESSIONS = [
    (
        "Outcome-Based Commissioning training",
        21,
        time(9, 30),
        6,
        "Europe/London",
        "en",
        "Kent County Council, Sessions House, Maidstone",
        None,
        3,
        ["emma.hughes@kent.example", "raj.patel@sandwell.example"],
    ),
    (
        "Co-Production Star training for managers",
        28,
        time(9, 30),
        6,
        "Europe/London",
        "cy",
        "Neuadd y Sir, Llandrindod Wells",
        None,
        2,
        None,  # the first five demo contacts: more than the seats, so three wait
    ),
    (
        "Co-Production Star briefing",
        35,
        time(14, 0),
        3,
        "Europe/Paris",
        "fr",
        None,
        "https://meet.example/etoile-coproduction",
        20,
        [],
    ),
]


async def load_training_demo(session: AsyncSession) -> str:
    """Create the demo courses and sessions that are missing; report what was done."""
    have = set((await session.execute(select(Course.title))).scalars().all())
    created: dict[str, Course] = {}
    for title, fmt, hours, certified, description in COURSES:
        if title not in have:
            created[title] = await catalogue.create_course(
                session,
                SYSTEM,
                title=title,
                format=fmt,
                cpd_hours=Decimal(hours),
                cpd_certified=certified,
                description=description,
            )
    contacts = (await session.scalars(select(Contact).order_by(Contact.email))).all()
    by_email = {c.email: c for c in contacts}
    booked = 0
    for title, days, start, length, zone, language, venue, url, capacity, emails in SESSIONS:
        course = created.get(title)
        if course is None:
            continue
        day = (utcnow() + timedelta(days=days)).astimezone(ZoneInfo(zone)).date()
        starts = datetime.combine(day, start, tzinfo=ZoneInfo(zone))
        training = await scheduling.create_training_session(
            session,
            SYSTEM,
            course_id=course.id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=length),
            time_zone=zone,
            language=language,
            capacity=capacity,
            venue=venue,
            online_url=url,
            trainer="Network training team",
        )
        people = (
            list(contacts[:5]) if emails is None else [by_email[e] for e in emails if e in by_email]
        )
        for person in people:
            await bookings.book_training(
                session, SYSTEM, session_id=training.id, contact_id=person.id
            )
            booked += 1
    return f"training: {len(created)} courses added, {booked} bookings made"
