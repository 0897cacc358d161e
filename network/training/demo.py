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

# The provider's CPD-certified courses are certified by the CPD Standards Office (DESIGN.md);
# the reference is the provider's number with that body (a demo value).
ACCREDITATION = ("CPD Standards Office", "40123")

# What a Co-Production Star course promises (DESIGN.md, in our own words), per language.
STAR_OUTCOMES = {
    "en": [
        "Understand what co-production means for your organisation through the Four Co's: "
        "co-commissioning, co-design, co-delivery and co-assessment.",
        "Know how to use the five steps of the Co-Production Star (Map It, Focus It, People It, "
        "Market It, Grow It) to roll co-production out.",
        "Learn from good practice in other councils and public services.",
        "Build an action plan for co-production in your own service.",
        "Receive a report that captures the learning of the training.",
        "Keep online access to the training materials afterwards.",
        "Have the chance to showcase your own good practice to the network.",
    ],
    "fr": [
        "Comprendre ce que la coproduction apporte à votre organisation grâce aux quatre « Co » : "
        "co-commissionnement, co-conception, co-réalisation et co-évaluation.",
        "Savoir utiliser les cinq étapes de l'Étoile de la coproduction (Map It, Focus It, "
        "People It, Market It, Grow It) pour la déployer.",
        "Tirer les leçons des bonnes pratiques d'autres collectivités et services publics.",
        "Élaborer un plan d'action pour la coproduction dans votre propre service.",
        "Recevoir un rapport qui rassemble les enseignements de la formation.",
        "Garder un accès en ligne aux supports de formation.",
        "Avoir la possibilité de présenter vos propres bonnes pratiques au réseau.",
    ],
    "cy": [
        "Deall beth mae cydgynhyrchu yn ei olygu i'ch sefydliad drwy'r Four Co's: "
        "cydgomisiynu, cydddylunio, cydgyflawni a chydasesu.",
        "Gwybod sut i ddefnyddio pum cam y Seren Cydgynhyrchu (Map It, Focus It, People It, "
        "Market It, Grow It) i gyflwyno cydgynhyrchu.",
        "Dysgu o arfer da mewn cynghorau a gwasanaethau cyhoeddus eraill.",
        "Llunio cynllun gweithredu ar gyfer cydgynhyrchu yn eich gwasanaeth eich hun.",
        "Cael adroddiad sy'n crynhoi'r hyn a ddysgwyd yn yr hyfforddiant.",
        "Cadw mynediad ar-lein at y deunyddiau hyfforddi wedyn.",
        "Cael cyfle i rannu eich arfer da eich hun â'r rhwydwaith.",
    ],
}

COMMISSIONING_OUTCOMES = {
    "en": [
        "Understand commissioning for the outcomes people value, rather than for activities "
        "and outputs.",
        "Know how to put co-production at the heart of commissioning, with the people who use "
        "services.",
        "Learn from outcome-based commissioning in other public services.",
        "Build an action plan for your own commissioning.",
        "Receive a report that captures the learning of the training.",
    ],
    "fr": [
        "Comprendre une commande publique fondée sur les résultats qui comptent pour les "
        "personnes, plutôt que sur les activités.",
        "Savoir placer la coproduction au cœur de la commande publique, avec les usagers.",
        "Tirer les leçons de la commande fondée sur les résultats dans d'autres services publics.",
        "Élaborer un plan d'action pour votre propre commande publique.",
        "Recevoir un rapport qui rassemble les enseignements de la formation.",
    ],
    "cy": [
        "Deall comisiynu ar gyfer y canlyniadau sy'n bwysig i bobl, yn hytrach nag ar gyfer "
        "gweithgareddau ac allbynnau.",
        "Gwybod sut i roi cydgynhyrchu wrth galon comisiynu, gyda'r bobl sy'n defnyddio "
        "gwasanaethau.",
        "Dysgu o gomisiynu ar sail canlyniadau mewn gwasanaethau cyhoeddus eraill.",
        "Llunio cynllun gweithredu ar gyfer eich comisiynu eich hun.",
        "Cael adroddiad sy'n crynhoi'r hyn a ddysgwyd yn yr hyfforddiant.",
    ],
}

# Learning outcomes of the CPD-certified courses, by title (the briefing has none).
OUTCOMES = {
    "Co-Production Star training for managers": STAR_OUTCOMES,
    "Co-Production Star training for board members": STAR_OUTCOMES,
    "Co-Production Star training for frontline staff and service users": STAR_OUTCOMES,
    "Outcome-Based Commissioning training": COMMISSIONING_OUTCOMES,
}

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
                accreditation=ACCREDITATION[0] if certified else None,
                accreditation_reference=ACCREDITATION[1] if certified else None,
                learning_outcomes=OUTCOMES.get(title),
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
