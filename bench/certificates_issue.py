"""Benchmark: issuing CPD certificates for one session of many attendees, in one process.

    .venv/bin/python -m bench.certificates_issue                 # 1,000 attendees
    .venv/bin/python -m bench.certificates_issue --attendees 200

The data (not timed): a database of its own built by the real migrations, one member with
N contacts in the five languages, a CPD-certified course, a session that has taken place,
and N bookings marked ATTENDED.

What is timed:
- end to end: `issue_certificates` (counter lock, snapshots, PDF rendering off the event loop
  with the embedded DejaVu fonts, inserts, audit rows, N outbox emails with the PDF attached)
  and the commit, by one process;
- PDF rendering alone: `render_pdf` in a loop on one core.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.certificates.pdf import CertificateSnapshot, Particulars, render_pdf
from network.contacts.models import Contact
from network.db import make_engine, make_session_factory, utcnow
from network.kit.enums import Network
from network.members.models import Member
from network.training.enums import BookingStatus, CourseFormat, TrainingSessionStatus
from network.training.models import Booking, Course, TrainingSession

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/network_bench_certificates"
LANGUAGES = ("en", "cy", "fr", "es", "de")
NAMES = ("Siân Ŵyn", "Łukasz Nowak", "Ayşe Ğül", "Jürgen Groß", "Élodie Lefèvre")


def build_database(url: str) -> None:
    """Recreate the benchmark database and migrate it."""
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "ensure_database.py"), url, "--recreate"],
        check=True,
    )
    subprocess.run(
        [str(BIN / "network"), "migrate"],
        check=True,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
    )


# Five learning outcomes in each language, as a course with accreditation would print them.
OUTCOMES = {
    code: [f"{word} {n}: co-production with citizens, step by step" for n in range(1, 6)]
    for code, word in (
        ("en", "Outcome"),
        ("cy", "Deilliant"),
        ("fr", "Acquis"),
        ("es", "Resultado"),
        ("de", "Lernziel"),
    )
}
ISSUED = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


async def seed(url: str, attendees: int) -> uuid.UUID:
    """One session with `attendees` ATTENDED bookings; returns the session's id."""
    engine = make_engine(url)
    now = utcnow()
    member_id, course_id, session_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with engine.begin() as connection:
        await connection.execute(
            insert(Member),
            [
                {
                    "id": member_id,
                    "name": "Bench Council",
                    "network": Network.CITIZEN_POWERED_COUNCIL,
                    "country": "GB",
                }
            ],
        )
        await connection.execute(
            insert(Course),
            [
                {
                    "id": course_id,
                    "title": "Co-Production Star training",
                    "format": CourseFormat.ONE_DAY,
                    "cpd_hours": 6,
                    "cpd_certified": True,
                    "accreditation": "CPD Standards Office",
                    "accreditation_reference": "40123",
                    "learning_outcomes": OUTCOMES,
                }
            ],
        )
        starts = now - timedelta(days=2)
        await connection.execute(
            insert(TrainingSession),
            [
                {
                    "id": session_id,
                    "course_id": course_id,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=6),
                    "time_zone": "Europe/London",
                    "language": "en",
                    "capacity": attendees,
                    "trainer": "Elke Löffler",
                    "status": TrainingSessionStatus.SCHEDULED,
                }
            ],
        )
        contacts = [
            {
                "id": uuid.uuid4(),
                "member_id": member_id,
                "email": f"person{n}@example.org",
                "first_name": NAMES[n % len(NAMES)],
                "last_name": f"Attendee {n:04d}",
                "language": LANGUAGES[n % len(LANGUAGES)],
            }
            for n in range(attendees)
        ]
        await connection.execute(insert(Contact), contacts)
        await connection.execute(
            insert(Booking),
            [
                {
                    "id": uuid.uuid4(),
                    "session_id": session_id,
                    "contact_id": c["id"],
                    "status": BookingStatus.ATTENDED,
                    "attendance_marked_at": now,
                }
                for c in contacts
            ],
        )
    await engine.dispose()
    return session_id


async def issue(url: str, session_id: uuid.UUID) -> tuple[int, float]:
    """Issue every certificate of the session in one transaction; (count, seconds)."""
    engine = make_engine(url)
    sessions = make_session_factory(engine, principal=SYSTEM)
    started = time.perf_counter()
    async with sessions() as session:
        made = await certificates.issue_certificates(session, SYSTEM, session_id=session_id)
        await session.commit()
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return len(made), elapsed


def particulars_for(language: str) -> Particulars:
    """What a certificate of the seeded course names, in `language` (Welsh: and English)."""
    printed = [language, "en"] if language == "cy" else [language]
    return Particulars(
        provider="Governance International",
        accreditation="CPD Standards Office",
        accreditation_reference="40123",
        trainer="Elke Löffler",
        format=CourseFormat.ONE_DAY.value,
        learning_outcomes=tuple((code, tuple(OUTCOMES[code])) for code in printed),
        organisation="Bench Council",
        signatory_name="Elke Löffler",
        signatory_role="Chief Executive, Governance International",
    )


def render_alone(count: int) -> float:
    """Seconds to render `count` PDFs on one core (fonts registered beforehand)."""
    snapshots = [
        CertificateSnapshot(
            network_name="CitizenPoweredCouncil network",
            holder_name=f"{NAMES[n % len(NAMES)]} Attendee {n:04d}",
            course_title="Co-Production Star training",
            date_text="Monday 23 November 2026",
            cpd_hours="6.0",
            number=f"CPD-2026-{n + 1:06d}",
            language=LANGUAGES[n % len(LANGUAGES)],
            verify_url=f"http://127.0.0.1:8000/verify/{uuid.uuid4().hex[:22]}",
            issued_at=ISSUED,
            particulars=particulars_for(LANGUAGES[n % len(LANGUAGES)]),
        )
        for n in range(count)
    ]
    render_pdf(snapshots[0])
    started = time.perf_counter()
    for snapshot in snapshots:
        render_pdf(snapshot)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attendees", type=int, default=1000)
    parser.add_argument("--renders", type=int, default=300)
    parser.add_argument("--url", default=DEFAULT_URL)
    args = parser.parse_args()
    build_database(args.url)
    session_id = asyncio.run(seed(args.url, args.attendees))
    count, seconds = asyncio.run(issue(args.url, session_id))
    print(f"issued {count} certificates in {seconds:.2f} s: {count / seconds:.1f} per second")
    again, again_seconds = asyncio.run(issue(args.url, session_id))
    print(f"issuing again: {again} new certificates in {again_seconds:.3f} s")
    render_seconds = render_alone(args.renders)
    per_pdf = render_seconds / args.renders
    print(
        f"PDF rendering alone: {per_pdf * 1000:.2f} ms per PDF, "
        f"{1 / per_pdf:.1f} PDFs per second on one core"
    )


if __name__ == "__main__":
    main()
