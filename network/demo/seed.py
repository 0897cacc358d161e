"""Demo data that feels like the real networks (`network seed --demo`); idempotent."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.certificates.models import Certificate
from network.contacts.models import Contact
from network.demo.certificates import load_certificates_demo
from network.demo.meetings import load_meetings_demo
from network.kit.emails import normalize_email
from network.kit.enums import MembershipStatus, Network, Role, StarStep, StepStatus
from network.meetings.models import NetworkMeeting
from network.members import service as members
from network.members.models import Member
from network.partners import service as partners
from network.programme import service as programme
from network.programme.models import Cohort, StepProgress
from network.training.demo import load_training_demo
from network.training.models import Booking, TrainingSession
from network.usecases import cohorts as cohort_cases
from network.usecases import contacts as contact_cases

COUNCIL = Network.CITIZEN_POWERED_COUNCIL
CITY = Network.CITIZEN_POWERED_CITY

PARTNERS = [
    ("wales", "Co-Production Cymru Partnership", ["GB"]),
    ("france", "Réseau Villes Citoyennes", ["FR", "DE", "ES"]),
]

# name, network, country, region, partner slug or None
MEMBERS = [
    ("East Dunbartonshire Council", COUNCIL, "GB", "Scotland", None),
    ("Sandwell Metropolitan Borough Council", COUNCIL, "GB", "England", None),
    ("Kent County Council", COUNCIL, "GB", "England", None),
    ("Aberdeen City Health and Social Care Partnership", COUNCIL, "GB", "Scotland", None),
    ("Police Scotland", COUNCIL, "GB", "Scotland", None),
    ("Midlothian Council", COUNCIL, "GB", "Scotland", None),
    ("Isle of Anglesey County Council", COUNCIL, "GB", "Wales", "wales"),
    ("Powys County Council", COUNCIL, "GB", "Wales", "wales"),
    ("ADSS Cymru", COUNCIL, "GB", "Wales", "wales"),
    ("City of Mannheim", CITY, "DE", "Baden-Württemberg", "france"),
    ("City of Konstanz", CITY, "DE", "Baden-Württemberg", "france"),
    ("INET Strasbourg", CITY, "FR", "Grand Est", "france"),
    ("DIFU Berlin", CITY, "DE", "Berlin", "france"),
    ("Ville de Grenoble", CITY, "FR", "Auvergne-Rhône-Alpes", "france"),
    ("Ville de Nantes", CITY, "FR", "Pays de la Loire", "france"),
    ("Ayuntamiento de Bilbao", CITY, "ES", "País Vasco", "france"),
]

# member name, email, first, last, job title, language
CONTACTS = [
    (
        "East Dunbartonshire Council",
        "fiona.mcleod@eastdunbarton.example",
        "Fiona",
        "McLeod",
        "Head of Community Planning",
        "en",
    ),
    (
        "Sandwell Metropolitan Borough Council",
        "raj.patel@sandwell.example",
        "Raj",
        "Patel",
        "Commissioning Manager",
        "en",
    ),
    (
        "Kent County Council",
        "emma.hughes@kent.example",
        "Emma",
        "Hughes",
        "Adult Social Care Lead",
        "en",
    ),
    (
        "Aberdeen City Health and Social Care Partnership",
        "iain.grant@aberdeenhscp.example",
        "Iain",
        "Grant",
        "Locality Manager",
        "en",
    ),
    (
        "Police Scotland",
        "morag.campbell@police-scotland.example",
        "Morag",
        "Campbell",
        "Chief Inspector, Partnerships",
        "en",
    ),
    (
        "Midlothian Council",
        "david.reid@midlothian.example",
        "David",
        "Reid",
        "Service Improvement Officer",
        "en",
    ),
    (
        "Isle of Anglesey County Council",
        "gwenllian.ellis@ynysmon.example",
        "Gwenllian",
        "Ellis",
        "Swyddog Cymunedau",
        "cy",
    ),
    (
        "Isle of Anglesey County Council",
        "huw.owen@ynysmon.example",
        "Huw",
        "Owen",
        "Community Hub Coordinator",
        "en",
    ),
    (
        "Powys County Council",
        "sian.pryce@powys.example",
        "Siân",
        "Pryce",
        "Pennaeth Partneriaethau",
        "cy",
    ),
    (
        "Powys County Council",
        "gareth.morgan@powys.example",
        "Gareth",
        "Morgan",
        "Commissioning Officer",
        "en",
    ),
    ("ADSS Cymru", "rhian.dafydd@adsscymru.example", "Rhian", "Dafydd", "Rheolwr Rhaglen", "cy"),
    (
        "City of Mannheim",
        "julia.schneider@mannheim.example",
        "Julia",
        "Schneider",
        "Referentin Bürgerbeteiligung",
        "de",
    ),
    ("City of Konstanz", "lukas.weber@konstanz.example", "Lukas", "Weber", "Stadtplaner", "de"),
    (
        "INET Strasbourg",
        "camille.durand@inet-strasbourg.example",
        "Camille",
        "Durand",
        "Chargée de formation",
        "fr",
    ),
    (
        "DIFU Berlin",
        "anna.fischer@difu.example",
        "Anna",
        "Fischer",
        "Wissenschaftliche Mitarbeiterin",
        "de",
    ),
    (
        "Ville de Grenoble",
        "lea.martin@grenoble.example",
        "Léa",
        "Martin",
        "Cheffe de projet participation",
        "fr",
    ),
    (
        "Ville de Nantes",
        "thomas.bernard@nantes.example",
        "Thomas",
        "Bernard",
        "Directeur de la citoyenneté",
        "fr",
    ),
    (
        "Ayuntamiento de Bilbao",
        "ane.etxeberria@bilbao.example",
        "Ane",
        "Etxeberria",
        "Técnica de participación ciudadana",
        "es",
    ),
]

# cohort name, network, partner, members, steps completed by each member
COHORTS = [
    (
        "Wales Community Leadership Cohort 2026",
        COUNCIL,
        "wales",
        ["Isle of Anglesey County Council", "Powys County Council", "ADSS Cymru"],
        {"Isle of Anglesey County Council": 2, "Powys County Council": 2, "ADSS Cymru": 1},
    ),
    (
        "CitizenPoweredCity Europe Cohort 2026",
        CITY,
        "france",
        ["City of Mannheim", "City of Konstanz", "INET Strasbourg", "Ville de Grenoble"],
        {
            "City of Mannheim": 2,
            "City of Konstanz": 2,
            "INET Strasbourg": 2,
            "Ville de Grenoble": 1,
        },
    ),
    (
        "Scotland Co-Production Cohort 2026",
        COUNCIL,
        None,
        [
            "East Dunbartonshire Council",
            "Aberdeen City Health and Social Care Partnership",
            "Midlothian Council",
        ],
        {"East Dunbartonshire Council": 1, "Midlothian Council": 1},
    ),
]

# email, name, role, partner slug, contact email
USERS = [
    ("staff@citizenpowered.example", "Liaison Manager", Role.STAFF, None, None),
    ("partner@wales.example", "Wales Partner", Role.PARTNER, "wales", None),
    ("partner@france.example", "France Partner", Role.PARTNER, "france", None),
    (
        "gwenllian.ellis@ynysmon.example",
        "Gwenllian Ellis",
        Role.MEMBER,
        None,
        "gwenllian.ellis@ynysmon.example",
    ),
]

DEMO_USERS = {
    "staff": USERS[0][0],
    "wales": USERS[1][0],
    "france": USERS[2][0],
    "member": USERS[3][0],
}


async def _partner_ids(session: AsyncSession) -> dict[str, uuid.UUID]:
    ids = {}
    for slug, name, countries in PARTNERS:
        found = await partners.find_partner_id(session, slug)
        ids[slug] = (
            found
            or (
                await partners.create_partner(
                    session, SYSTEM, slug=slug, name=name, countries=countries
                )
            ).id
        )
    return ids


async def _member_ids(session: AsyncSession) -> dict[str, uuid.UUID]:
    existing = dict((await session.execute(select(Member.name, Member.id))).all())
    for name, network, country, region, partner in MEMBERS:
        if name not in existing:
            member = await members.create_member(
                session,
                SYSTEM,
                name=name,
                network=network,
                country=country,
                region=region,
                partner_slug=partner,
                membership_status=MembershipStatus.ACTIVE,
            )
            existing[name] = member.id
    return existing


async def load_demo(session: AsyncSession) -> str:
    """Create whatever part of the demo data set is missing; report what exists."""
    await _partner_ids(session)
    member_ids = await _member_ids(session)
    have = set((await session.execute(select(Contact.member_id, Contact.email))).all())
    for member_name, email, first, last, title, language in CONTACTS:
        if (member_ids[member_name], normalize_email(email)) not in have:
            await contact_cases.create_contact(
                session,
                SYSTEM,
                member_id=member_ids[member_name],
                email=email,
                first_name=first,
                last_name=last,
                job_title=title,
                language=language,
                consent_scope="programme and training emails",
                consent_given_at=None,
                consent_method="membership agreement",
            )
    cohort_ids = dict((await session.execute(select(Cohort.name, Cohort.id))).all())
    steps = list(StarStep)
    today = date.today()
    for name, network, partner, cohort_members, completed in COHORTS:
        if name in cohort_ids:
            continue
        cohort = await programme.create_cohort(
            session, SYSTEM, name=name, network=network, partner_slug=partner
        )
        for member_name in cohort_members:
            await cohort_cases.add_cohort_member(
                session, SYSTEM, cohort_id=cohort.id, member_id=member_ids[member_name]
            )
            done = completed.get(member_name, 0)
            for index in range(done):
                await programme.record_step_progress(
                    session,
                    SYSTEM,
                    cohort_id=cohort.id,
                    member_id=member_ids[member_name],
                    step=steps[index],
                    status=StepStatus.COMPLETED,
                    completed_on=today - timedelta(days=70 - 35 * index),
                    notes=f"{steps[index].value.replace('_', ' ').title()} workshop held.",
                )
            await programme.record_step_progress(
                session,
                SYSTEM,
                cohort_id=cohort.id,
                member_id=member_ids[member_name],
                step=steps[done],
                status=StepStatus.IN_PROGRESS,
                action_plan="Agree the action plan at the next network meeting.",
            )
    for email, user_name, role, partner, contact_email in USERS:
        if await auth.find_user(session, email) is None:
            await auth.create_user(
                session,
                SYSTEM,
                email=email,
                name=user_name,
                role=role,
                partner_slug=partner,
                contact_email=contact_email,
            )
    await load_training_demo(session)
    await load_meetings_demo(session)
    await load_certificates_demo(session)
    return "demo data ready: " + await _counts(session)


async def _counts(session: AsyncSession) -> str:
    """How many rows the demo's main tables hold, as "12 members, 30 contacts, ..."."""
    counts = []
    for model, label in (
        (Member, "members"),
        (Contact, "contacts"),
        (Cohort, "cohorts"),
        (StepProgress, "progress records"),
        (TrainingSession, "training sessions"),
        (Booking, "bookings"),
        (NetworkMeeting, "network meetings"),
        (Certificate, "certificates"),
    ):
        total = (await session.execute(select(func.count()).select_from(model))).scalar_one()
        counts.append(f"{total} {label}")
    return ", ".join(counts)
