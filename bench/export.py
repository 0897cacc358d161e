"""Benchmark: a personal-data export of a contact with ten years of history, from asking to READY.

    .venv/bin/python -m bench.export                  # 10 years, 5 runs
    .venv/bin/python -m bench.export --years 10 --runs 5

The data (not timed): a database of its own built by the real migrations; one contact with,
per year, 10 attended bookings (a session and course each) with their certificates (a PDF
rendered by the real renderer for each), 20 meeting invitations with answers, 100 emails sent
(the `notice` template, rendered again for the export) and the audit rows of all of these; and
around them 50,000 audit rows and 20,000 emails about other people, so the lookups use their
indexes among rows that are not the person's.

What is timed, per run: `request_export` by a staff user and its commit, then the real job
function (`workers.exports.build_owed`: gather in one transaction, render every email, write the
ZIP with the PDFs) until the export is READY. The median and the slowest of the runs are shown.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import statistics
import time
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import insert

from bench.training_data import rebuild
from network.audit.models import AuditEvent
from network.auth.models import User
from network.auth.principal import SYSTEM, Principal, PrincipalKind
from network.certificates.models import Certificate
from network.certificates.pdf import CertificateSnapshot, render_pdf
from network.contacts.models import Contact
from network.db import make_engine, make_session_factory, unit_of_work, utcnow
from network.kit.enums import Network, Role, RsvpResponse, StarStep
from network.meetings.models import MeetingInvitation, NetworkMeeting
from network.members.models import Member
from network.messaging.models import OutboxMessage, OutboxStatus
from network.privacy import exports
from network.privacy.models import PersonalDataExport
from network.training.enums import BookingStatus, CourseFormat, TrainingSessionStatus
from network.training.models import Booking, Course, TrainingSession
from workers.exports import build_owed

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/network_bench_export"
CHUNK = 2000


async def _insert(connection: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await connection.execute(insert(model), rows[start : start + CHUNK])


async def seed(url: str, years: int) -> tuple[uuid.UUID, Principal, dict[str, int]]:
    """The contact's ten years and the noise around them; (contact id, staff, counts)."""
    engine = make_engine(url)
    now = utcnow()
    member_id, contact_id, staff_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    email = "sian.pryce@aberdare.example"
    courses: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    bookings: list[dict[str, Any]] = []
    certificates: list[dict[str, Any]] = []
    meetings: list[dict[str, Any]] = []
    invitations: list[dict[str, Any]] = []
    emails: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    pdf_bytes = 0
    for year in range(years):
        for n in range(10):
            course_id, session_id, booking_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            starts = now - timedelta(days=365 * (years - year) - 30 * n)
            title = f"Co-Production Star training {year}-{n}"
            courses.append(
                {
                    "id": course_id,
                    "title": title,
                    "format": CourseFormat.ONE_DAY,
                    "cpd_hours": 6,
                    "cpd_certified": True,
                }
            )
            sessions.append(
                {
                    "id": session_id,
                    "course_id": course_id,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=6),
                    "time_zone": "Europe/London",
                    "language": "en",
                    "capacity": 20,
                    "status": TrainingSessionStatus.SCHEDULED,
                }
            )
            bookings.append(
                {
                    "id": booking_id,
                    "session_id": session_id,
                    "contact_id": contact_id,
                    "status": BookingStatus.ATTENDED,
                    "booked_at": starts - timedelta(days=20),
                    "attendance_marked_at": starts + timedelta(hours=7),
                }
            )
            number = f"CPD-{2015 + year}-{n + 1:06d}"
            pdf = render_pdf(
                CertificateSnapshot(
                    network_name="CitizenPoweredCouncil network",
                    holder_name="Siân Pryce",
                    course_title=title,
                    date_text=f"{starts:%d %B %Y}",
                    cpd_hours="6.0",
                    number=number,
                    language="cy",
                    verify_url=f"http://127.0.0.1:8000/verify/{uuid.uuid4().hex[:22]}",
                )
            )
            certificates.append(
                {
                    "id": uuid.uuid4(),
                    "number": number,
                    "verification_code": uuid.uuid4().hex,
                    "booking_id": booking_id,
                    "session_id": session_id,
                    "contact_id": contact_id,
                    "holder_name": "Siân Pryce",
                    "course_title": title,
                    "session_starts_at": starts,
                    "session_ends_at": starts + timedelta(hours=6),
                    "session_date_text": f"{starts:%d %B %Y}",
                    "cpd_hours": 6,
                    "language": "cy",
                    "pdf": pdf,
                    "sha256": hashlib.sha256(pdf).hexdigest(),
                }
            )
            for action in ("booking.created", "booking.attended"):
                audits.append(_audit(action, "Booking", booking_id))
            certificate_id: uuid.UUID = certificates[-1]["id"]
            pdf_bytes += len(pdf)
            audits.append(_audit("certificate.issued", "Certificate", certificate_id))
        for n in range(20):
            meeting_id, starts = uuid.uuid4(), now - timedelta(days=365 * (years - year) - 18 * n)
            meetings.append(
                {
                    "id": meeting_id,
                    "network": Network.CITIZEN_POWERED_COUNCIL,
                    "after_step": StarStep.MAP_IT,
                    "title": f"Map It network meeting {year}-{n}",
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=2),
                    "time_zone": "Europe/London",
                    "reminder_offsets_minutes": [1440],
                }
            )
            invitations.append(
                {
                    "id": uuid.uuid4(),
                    "meeting_id": meeting_id,
                    "contact_id": contact_id,
                    "response": RsvpResponse.YES,
                    "responded_at": starts - timedelta(days=3),
                }
            )
            audits.append(
                {
                    **_audit("meeting.rsvp", "NetworkMeeting", meeting_id),
                    "changes": {"contact_id": str(contact_id), "from": None, "to": "YES"},
                }
            )
        for n in range(100):
            emails.append(_email(f"mine:{year}:{n}", email, contact_id, year, n))
    noise_audits = [_audit("contact.updated", "Contact", uuid.uuid4()) for _ in range(50_000)]
    noise_emails = [
        _email(f"other:{n}", f"person{n}@example.org", None, n % 10, n) for n in range(20_000)
    ]
    async with engine.begin() as connection:
        await _insert(
            connection,
            Member,
            [
                {
                    "id": member_id,
                    "name": "Aberdare Council",
                    "network": Network.CITIZEN_POWERED_COUNCIL,
                    "country": "GB",
                }
            ],
        )
        await _insert(
            connection,
            Contact,
            [
                {
                    "id": contact_id,
                    "member_id": member_id,
                    "email": email,
                    "first_name": "Siân",
                    "last_name": "Pryce",
                    "job_title": "Community Engagement Officer",
                    "language": "cy",
                }
            ],
        )
        await _insert(
            connection,
            User,
            [
                {"id": staff_id, "email": "dpo@network.example", "name": "DPO", "role": Role.STAFF},
                {
                    "id": uuid.uuid4(),
                    "email": email,
                    "name": "Siân Pryce",
                    "role": Role.MEMBER,
                    "contact_id": contact_id,
                },
            ],
        )
        for model, rows in (
            (Course, courses),
            (TrainingSession, sessions),
            (Booking, bookings),
            (Certificate, certificates),
            (NetworkMeeting, meetings),
            (MeetingInvitation, invitations),
            (OutboxMessage, emails + noise_emails),
            (AuditEvent, audits + noise_audits),
        ):
            await _insert(connection, model, rows)
    await engine.dispose()
    staff = Principal(PrincipalKind.STAFF, user_id=staff_id)
    counts = {
        "bookings": len(bookings),
        "certificates": len(certificates),
        "invitations": len(invitations),
        "emails": len(emails),
        "audit rows": len(audits),
        "PDF bytes": pdf_bytes,
    }
    return contact_id, staff, counts


def _audit(action: str, entity_type: str, entity_id: uuid.UUID) -> dict[str, Any]:
    return {
        "actor_role": "STAFF",
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "changes": {},
    }


def _email(key: str, to: str, contact_id: uuid.UUID | None, year: int, n: int) -> dict[str, Any]:
    sent = utcnow() - timedelta(days=365 * (10 - year) - 3 * n)
    return {
        "dedup_key": f"bench:{key}",
        "template": "notice",
        "language": "cy",
        "to_email": to,
        "contact_id": contact_id,
        "kind": "newsletter",
        "purpose": "NETWORK_NEWS",
        "context": {
            "recipient_name": "Siân",
            "title": f"Network news {year}-{n}",
            "paragraphs": [
                "The Co-Production Star cohort met in Llandrindod Wells this month.",
                "Powys and Anglesey shared what they learnt from mapping their services.",
                "Booking is open for the next Outcome-Based Commissioning training.",
            ],
        },
        "status": OutboxStatus.SENT,
        "attempts": 1,
        "max_attempts": 8,
        "next_attempt_at": sent,
        "sent_at": sent,
    }


async def one_run(url: str, contact_id: uuid.UUID, staff: Principal) -> tuple[float, int]:
    """Seconds from asking to READY, and the ZIP's size."""
    engine = make_engine(url)
    sessions = make_session_factory(engine, principal=SYSTEM)
    try:
        started = time.perf_counter()
        async with unit_of_work(sessions) as session:
            export = await exports.request_export(session, staff, contact_id)
        status = await build_owed(sessions, str(export.id))
        elapsed = time.perf_counter() - started
        assert status == "READY", status
        async with sessions() as session:
            size = await session.get(PersonalDataExport, export.id)
            assert size is not None and size.size_bytes is not None
            return elapsed, size.size_bytes
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", default=DEFAULT_URL)
    args = parser.parse_args()
    asyncio.run(rebuild(args.url))
    contact_id, staff, counts = asyncio.run(seed(args.url, args.years))
    print("history: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    timings = []
    size = 0
    for _ in range(args.runs):
        seconds, size = asyncio.run(one_run(args.url, contact_id, staff))
        timings.append(seconds)
    print(
        f"request to READY over {args.runs} runs: median {statistics.median(timings):.2f} s, "
        f"slowest {max(timings):.2f} s; ZIP {size / 1_000_000:.1f} MB"
    )


if __name__ == "__main__":
    main()
