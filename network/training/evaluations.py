"""Feedback after training: each attendee's evaluation form, owed once the session has ended.

An ATTENDED booking of a session that has ended (and was not cancelled) is owed one
invitation: a `training_evaluations` row (`invited_at`, unique per booking) and an outbox email
in the attendee's language (de-duplication key `evaluation:<booking id>`), both written by
`invite_due_evaluations`, which the certificate sweep's worker pass runs, so attendance marked
after the end is covered as well as attendance marked during the session. The email carries a
signed link, `/feedback/<token>` (purpose "evaluation", the booking id inside), valid for
VALID_DAYS after the invitation and usable once: a second submission changes nothing.

A course may make its certificates wait for the evaluation
(`Course.certificate_waits_for_evaluation`; network.certificates.issuing.owes_certificate
has the rule): submitting the evaluation then owes the certificate job for the booking.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.principal import Principal, PrincipalKind
from network.auth.scope import contact_condition
from network.config import get_settings
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.errors import DomainError, Errors, NotFound
from network.kit.owed import Job, owe
from network.kit.signing import sign, unsign
from network.kit.validation import LANGUAGES, clean_paragraphs
from network.messaging.service import queue_email
from network.training.enums import BookingStatus, TrainingSessionStatus
from network.training.models import (
    EVALUATION_QUESTIONS,
    Booking,
    Course,
    TrainingEvaluation,
    TrainingSession,
)
from network.training.times import format_date, local

PURPOSE = "evaluation"
EMAIL_TEMPLATE = "training_evaluation"
VALID_DAYS = 60
MAX_COMMENTS = 2000
SCALE = range(1, 6)
# How far back the sweep looks for sessions that ended: as the certificate sweep does
# (network.certificates.due), so each pass reads a bounded slice of recent sessions.
LOOK_BACK = timedelta(days=30)
LONGEST_SESSION = timedelta(days=14)
QUESTIONS = EVALUATION_QUESTIONS
# A partner sees a summary's averages only from this many answers in its view (else null).
MIN_PARTNER_RESPONSES = 3


# -- the link ---------------------------------------------------------------------------------


def evaluation_token(booking_id: uuid.UUID) -> str:
    """The token in an attendee's evaluation link: it names the booking and needs no login."""
    return sign(get_settings().secret_key, PURPOSE, booking_id.hex)


def booking_id_from_token(token: str) -> uuid.UUID | None:
    """The booking an evaluation token was made for, or None when the token is not genuine."""
    value = unsign(get_settings().secret_key, PURPOSE, token)
    if value is None:
        return None
    try:
        return uuid.UUID(hex=value)
    except ValueError:
        return None


def evaluation_url(booking_id: uuid.UUID) -> str:
    """The absolute address of the evaluation form, under BASE_URL."""
    base = get_settings().base_url.rstrip("/")
    return f"{base}/feedback/{evaluation_token(booking_id)}"


# -- the invitations --------------------------------------------------------------------------


def _due(now: datetime) -> Any:
    """ATTENDED bookings of sessions that ended (not cancelled) with no invitation yet, their
    attendee not erased: the session ended within LOOK_BACK, or its attendance was marked
    within LOOK_BACK (marked late, long after the end, it is invited all the same)."""
    since = now - LOOK_BACK
    return (
        select(Booking.id, Contact, TrainingSession, Course)
        .join(TrainingSession, TrainingSession.id == Booking.session_id)
        .join(Course, Course.id == TrainingSession.course_id)
        .join(Contact, Contact.id == Booking.contact_id)
        .where(
            or_(
                and_(
                    TrainingSession.starts_at >= since - LONGEST_SESSION,
                    TrainingSession.ends_at > since,
                ),
                Booking.attendance_marked_at > since,
            ),
            TrainingSession.starts_at < now,
            TrainingSession.ends_at <= now,
            TrainingSession.status == TrainingSessionStatus.SCHEDULED,
            Booking.status == BookingStatus.ATTENDED,
            Contact.erased_at.is_(None),
            ~select(TrainingEvaluation.id)
            .where(TrainingEvaluation.booking_id == Booking.id)
            .exists(),
        )
        .order_by(TrainingSession.starts_at, Booking.queue_number)
    )


def _email_context(
    contact: Contact, training: TrainingSession, course: Course, booking_id: uuid.UUID
) -> dict[str, Any]:
    starts = local(training.starts_at, training.time_zone)
    language = contact.language
    return {
        "first_name": contact.first_name,
        "course_title": course.title,
        "date": format_date(starts, language),
        "evaluation_url": evaluation_url(booking_id),
        "valid_days": VALID_DAYS,
        "certificate_waits": bool(course.certificate_waits_for_evaluation and course.cpd_certified),
        # A Welsh email is bilingual: its English half reads these instead.
        "en": {"date": format_date(starts, "en")},
    }


async def invite_due_evaluations(session: AsyncSession, *, now: datetime, limit: int) -> int:
    """Owe up to `limit` attendees of sessions that have ended their evaluation form (one row
    and one email each, at most once per booking even with two sweeps at once); how many."""
    rows = (await session.execute(_due(now).limit(limit))).all()
    if not rows:
        return 0
    values = [
        {
            "id": uuid.uuid4(),
            "booking_id": booking_id,
            "language": contact.language if contact.language in LANGUAGES else "en",
            "invited_at": now,
        }
        for booking_id, contact, _, _ in rows
    ]
    # A sweep running at the same moment may have written some: those are its to send.
    written = set(
        (
            await session.scalars(
                insert(TrainingEvaluation)
                .values(values)
                .on_conflict_do_nothing(index_elements=["booking_id"])
                .returning(TrainingEvaluation.booking_id)
            )
        ).all()
    )
    for booking_id, contact, training, course in rows:
        if booking_id not in written:
            continue
        await queue_email(
            session,
            template=EMAIL_TEMPLATE,
            to_email=contact.email,
            language=contact.language,
            context=_email_context(contact, training, course, booking_id),
            dedup_key=f"evaluation:{booking_id}",
            contact_id=contact.id,
        )
    return len(written)


# -- the form ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvaluationForm:
    """What the evaluation page shows: whose, of what, and whether it can still be answered.

    `state` is "open", "submitted" (answered already) or "expired" (past VALID_DAYS, or the
    attendance no longer recorded).
    """

    booking_id: uuid.UUID
    state: str
    language: str
    first_name: str
    course_title: str
    date: str


def _expired(evaluation: TrainingEvaluation, booking_status: BookingStatus, now: datetime) -> bool:
    return booking_status is not BookingStatus.ATTENDED or now > evaluation.invited_at + timedelta(
        days=VALID_DAYS
    )


async def evaluation_by_token(
    session: AsyncSession, token: str, *, now: datetime | None = None
) -> EvaluationForm | None:
    """The evaluation a signed link names, or None when the token is not genuine or names no
    evaluation owed."""
    booking_id = booking_id_from_token(token)
    if booking_id is None:
        return None
    row = (
        await session.execute(
            select(TrainingEvaluation, Booking.status, Contact.first_name, TrainingSession, Course)
            .join(Booking, Booking.id == TrainingEvaluation.booking_id)
            .join(Contact, Contact.id == Booking.contact_id)
            .join(TrainingSession, TrainingSession.id == Booking.session_id)
            .join(Course, Course.id == TrainingSession.course_id)
            .where(TrainingEvaluation.booking_id == booking_id, Contact.erased_at.is_(None))
        )
    ).first()
    if row is None:
        return None
    evaluation, status, first_name, training, course = row
    now = now or utcnow()
    state = (
        "submitted"
        if evaluation.submitted_at is not None
        else "expired"
        if _expired(evaluation, status, now)
        else "open"
    )
    language = evaluation.language
    return EvaluationForm(
        booking_id=booking_id,
        state=state,
        language=language,
        first_name=first_name,
        course_title=course.title,
        date=format_date(local(training.starts_at, training.time_zone), language),
    )


def clean_answers(errors: Errors, answers: Mapping[str, Any]) -> dict[str, int]:
    """The five answers as numbers 1-5; a missing, unreadable or out-of-range one is an error
    on its question's name."""
    cleaned: dict[str, int] = {}
    for question in QUESTIONS:
        value = answers.get(question)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.add(question, "REQUIRED", "Choose a number from 1 to 5.")
            continue
        try:
            number = int(str(value).strip())
        except ValueError:
            errors.add(question, "INVALID", "Choose a number from 1 to 5.")
            continue
        if number not in SCALE:
            errors.add(question, "OUT_OF_RANGE", "Choose a number from 1 to 5.")
            continue
        cleaned[question] = number
    return cleaned


async def submit_evaluation(
    session: AsyncSession,
    token: str,
    *,
    answers: Mapping[str, Any],
    comments: str | None = None,
    now: datetime | None = None,
) -> TrainingEvaluation:
    """Record an attendee's evaluation through the signed link in their email (no login).

    Refused: a token that is not genuine or names no evaluation (NOT_FOUND on token); one
    past its VALID_DAYS or whose attendance is no longer recorded (EXPIRED on token); one
    answered already (ALREADY_SUBMITTED on token: the first answers stay); a missing or
    out-of-range answer (on the question's name); comments over MAX_COMMENTS characters (on
    comments). When the course's certificates wait for the evaluation, the certificate job is
    owed for the booking.
    """
    now = now or utcnow()
    booking_id = booking_id_from_token(token)
    if booking_id is None:
        raise NotFound("token", "evaluation")
    row = (
        await session.execute(
            select(TrainingEvaluation, Booking, Contact.erased_at)
            .join(Booking, Booking.id == TrainingEvaluation.booking_id)
            .join(Contact, Contact.id == Booking.contact_id)
            .where(TrainingEvaluation.booking_id == booking_id)
            .with_for_update(of=TrainingEvaluation)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None or row[2] is not None:
        raise NotFound("token", "evaluation")
    evaluation, booking, _ = row
    if evaluation.submitted_at is not None:
        raise DomainError.one(
            "token", "ALREADY_SUBMITTED", "This evaluation has already been received."
        )
    if _expired(evaluation, booking.status, now):
        raise DomainError.one("token", "EXPIRED", "This evaluation link has expired.")
    errors = Errors()
    cleaned = clean_answers(errors, answers)
    clean_comments = clean_paragraphs(errors, "comments", comments, max_length=MAX_COMMENTS)
    errors.raise_if_any()
    for question, number in cleaned.items():
        setattr(evaluation, question, number)
    evaluation.comments = clean_comments
    evaluation.submitted_at = now
    await session.flush()
    attendee = Principal(PrincipalKind.MEMBER, contact_id=booking.contact_id)
    audit.record(
        session,
        attendee,
        "training_evaluation.submitted",
        "Booking",
        booking.id,
        {**cleaned, "comments": clean_comments is not None},
    )
    waits = (
        await session.scalars(
            select(Course.certificate_waits_for_evaluation)
            .join(TrainingSession, TrainingSession.course_id == Course.id)
            .where(TrainingSession.id == booking.session_id)
        )
    ).one()
    if waits:  # once committed, a worker issues the certificate the booking is now owed
        owe(session, Job.ISSUE_CERTIFICATES, [booking.id])
    return evaluation


# -- the aggregates ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvaluationSummary:
    """The evaluations of a session or course as a caller may see them: how many were asked
    for and answered, the average of each question (None with no answers, or, for a
    partner, fewer than MIN_PARTNER_RESPONSES), in QUESTIONS order, and the comments (None
    for callers who may not read them)."""

    invited: int
    responses: int
    averages: list[float | None]
    comments: list[str] | None


def _summary_scope(principal: Principal) -> ColumnElement[bool] | None:
    """The bookings whose evaluations the principal may count: staff all, a partner its
    members' contacts'; None for everyone else."""
    if principal.sees_everything:
        return true()
    if principal.kind is PrincipalKind.PARTNER:
        return Booking.contact_id.in_(select(Contact.id).where(contact_condition(principal)))
    return None


async def evaluation_summaries(
    session: AsyncSession,
    principal: Principal,
    *,
    session_ids: Sequence[uuid.UUID] = (),
    course_ids: Sequence[uuid.UUID] = (),
) -> dict[uuid.UUID, EvaluationSummary]:
    """The summaries of these sessions or courses (give one list), keyed by their id, in two
    queries; empty for a caller who may see none (a member contact)."""
    scope = _summary_scope(principal)
    wanted = list(dict.fromkeys(session_ids or course_ids))
    if scope is None or not wanted:
        return {}
    key = TrainingSession.id if session_ids else TrainingSession.course_id
    submitted = TrainingEvaluation.submitted_at.is_not(None)
    counts = select(
        key.label("key"),
        func.count().label("invited"),
        func.count().filter(submitted).label("responses"),
        *(func.avg(getattr(TrainingEvaluation, q)).label(q) for q in QUESTIONS),
    ).select_from(
        TrainingEvaluation.__table__.join(
            Booking.__table__, Booking.id == TrainingEvaluation.booking_id
        ).join(TrainingSession.__table__, TrainingSession.id == Booking.session_id)
    )
    counts = counts.where(key.in_(wanted), scope).group_by(key)
    found: dict[uuid.UUID, EvaluationSummary] = {
        i: EvaluationSummary(
            0, 0, [None] * len(QUESTIONS), [] if principal.sees_everything else None
        )
        for i in wanted
    }
    for row in (await session.execute(counts)).all():
        # Too few answers would let a partner read one attendee's scores: averages withheld.
        hidden = not principal.sees_everything and int(row.responses) < MIN_PARTNER_RESPONSES
        found[row.key] = EvaluationSummary(
            invited=int(row.invited),
            responses=int(row.responses),
            averages=[
                round(float(v), 2) if (v := getattr(row, q)) is not None and not hidden else None
                for q in QUESTIONS
            ],
            comments=[] if principal.sees_everything else None,
        )
    if principal.sees_everything:
        commented = (
            select(key.label("key"), TrainingEvaluation.comments)
            .join(Booking, Booking.id == TrainingEvaluation.booking_id)
            .join(TrainingSession, TrainingSession.id == Booking.session_id)
            .where(key.in_(wanted), submitted, TrainingEvaluation.comments.is_not(None))
            .order_by(TrainingEvaluation.submitted_at, TrainingEvaluation.id)
        )
        for row in (await session.execute(commented)).all():
            comments = found[row.key].comments
            assert comments is not None
            comments.append(row.comments)
    return found


async def evaluation_summary(
    session: AsyncSession,
    principal: Principal,
    *,
    session_id: uuid.UUID | None = None,
    course_id: uuid.UUID | None = None,
) -> EvaluationSummary | None:
    """The summary of one session's or one course's evaluations, or None for a caller who may
    see none (a member contact)."""
    if session_id is not None:
        found = await evaluation_summaries(session, principal, session_ids=[session_id])
        return found.get(session_id)
    if course_id is not None:
        found = await evaluation_summaries(session, principal, course_ids=[course_id])
        return found.get(course_id)
    return None
