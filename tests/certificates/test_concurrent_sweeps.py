"""Certificates under concurrency, on committed data: sweeps running at once issue each
certificate once, and a no-show correction racing the issuer never leaves a valid one."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select

from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.certificates.enums import CertificateStatus
from network.certificates.models import Certificate
from network.contacts.models import Contact
from network.db import unit_of_work, utcnow
from network.kit.enums import Network
from network.members.models import Member
from network.training import service as training
from network.training.enums import CourseFormat
from network.usecases import attendance
from tests.support.training import CommittedDatabase

PEOPLE = 12


async def _seed(db: CommittedDatabase) -> tuple[list[uuid.UUID], datetime]:
    """A CPD session whose PEOPLE attendees were marked during it; committed; and its end."""
    await db.truncate()
    async with unit_of_work(db.sessions) as session:
        member = Member(
            name="Powys County Council", network=Network.CITIZEN_POWERED_COUNCIL, country="GB"
        )
        session.add(member)
        await session.flush()
        people = [
            Contact(
                member_id=member.id,
                email=f"person{n:02d}@powys.example",
                first_name="Person",
                last_name=f"{n:02d}",
                language="en",
            )
            for n in range(PEOPLE)
        ]
        session.add_all(people)
        course = await training.create_course(
            session,
            SYSTEM,
            title="Co-Production Star training",
            format=CourseFormat.ONE_DAY,
            cpd_hours=6,
            cpd_certified=True,
        )
        start = (utcnow() + timedelta(days=20)).replace(microsecond=0)
        row = await training.create_training_session(
            session,
            SYSTEM,
            course_id=course.id,
            starts_at=start,
            ends_at=start + timedelta(hours=6),
            time_zone="Europe/London",
            language="en",
            capacity=PEOPLE,
            venue="Llandrindod Wells",
        )
        made = await training.book_contacts(
            session, SYSTEM, session_id=row.id, contact_ids=[p.id for p in people]
        )
        row.starts_at = utcnow().replace(microsecond=0) - timedelta(hours=1)
        row.ends_at = row.starts_at + timedelta(hours=6)
        await session.flush()
        await attendance.mark_attendance(
            session, SYSTEM, booking_ids=[b.id for b in made], attended=True
        )
        ends_at = row.ends_at
    return [b.id for b in made], ends_at


async def test_sweeps_at_once_issue_each_certificate_once(
    committed_db: CommittedDatabase,
) -> None:
    _, ends_at = await _seed(committed_db)
    after = ends_at + timedelta(minutes=1)

    async def sweep() -> int:
        async with unit_of_work(committed_db.sessions) as session:
            return len(await certificates.issue_due_certificates(session, now=after, limit=100))

    counts = await asyncio.gather(*(sweep() for _ in range(4)))

    assert sorted(counts) == [0, 0, 0, PEOPLE]
    async with committed_db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Certificate)) == PEOPLE


async def test_a_no_show_racing_the_issuer_leaves_no_valid_certificate(
    committed_db: CommittedDatabase,
) -> None:
    booking_ids, ends_at = await _seed(committed_db)
    after = ends_at + timedelta(minutes=1)
    wrong = booking_ids[3]

    async def sweep() -> None:
        async with unit_of_work(committed_db.sessions) as session:
            await certificates.issue_due_certificates(session, now=after, limit=100)

    async def correct() -> None:
        async with unit_of_work(committed_db.sessions) as session:
            await attendance.mark_attendance(
                session, SYSTEM, booking_ids=[wrong], attended=False, now=after
            )

    await asyncio.gather(sweep(), correct())

    async with committed_db.sessions() as session:
        statuses = dict(
            (await session.execute(select(Certificate.booking_id, Certificate.status))).all()
        )
    # Whichever ran first, the no-show holds no valid certificate and the others hold one.
    assert statuses.get(wrong) in (None, CertificateStatus.REVOKED)
    assert {k: v for k, v in statuses.items() if k != wrong} == dict.fromkeys(
        (i for i in booking_ids if i != wrong), CertificateStatus.VALID
    )
