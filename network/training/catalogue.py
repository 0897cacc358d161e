"""The course catalogue: what training the networks offer."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.policy import require_staff
from network.auth.principal import Principal
from network.kit.errors import Errors
from network.kit.loading import load_visible, rows_by_id
from network.kit.pagination import Page, keyset_page
from network.kit.search import contains_text
from network.kit.sentinel import UNSET
from network.kit.validation import LANGUAGES, clean_text
from network.training.enums import CourseFormat
from network.training.models import Course
from network.training.scope import course_condition

courses = Course.__table__.c
MAX_DESCRIPTION = 5000
MAX_CPD_HOURS = Decimal("99.9")
MAX_ACCREDITATION = 200
MAX_ACCREDITATION_REFERENCE = 100
MAX_OUTCOMES = 12  # per language: the certificate keeps to one page
MAX_OUTCOME = 300

# Learning outcomes as given: {language: [outcome, ...]}, or (language, outcomes) pairs in the
# order typed (the GraphQL input is a list, and its errors name the position).
LearningOutcomesValue = Mapping[str, Sequence[str]] | Sequence[tuple[str, Sequence[str]]]


@dataclass(slots=True)
class CourseQuery:
    """Filters for listing courses; None means "any"."""

    format: CourseFormat | None = None
    cpd_certified: bool | None = None
    search: str | None = None


def readable(principal: Principal) -> Select[Any]:
    """The courses the principal may see, as Core rows (the only way to read courses)."""
    return select(*courses).where(course_condition(principal))


async def list_courses(
    session: AsyncSession,
    principal: Principal,
    query: CourseQuery,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """A page of courses matching the query, by title."""
    statement = readable(principal)
    if query.format is not None:
        statement = statement.where(courses.format == query.format)
    if query.cpd_certified is not None:
        statement = statement.where(courses.cpd_certified == query.cpd_certified)
    if query.search and query.search.strip():
        statement = statement.where(contains_text(courses.title, query.search))
    return await keyset_page(
        session, statement, [courses.title, courses.id], first=first, after=after
    )


async def get_courses(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Row[Any]]:
    """Visible courses by id (missing ones are absent)."""
    return await rows_by_id(session, readable(principal), ids)


async def load_course(
    session: AsyncSession,
    principal: Principal,
    course_id: uuid.UUID | None,
    field: str,
    *,
    for_update: bool = False,
) -> Course:
    """The course as an entity; a missing one is NOT_FOUND on `field`."""
    visible = course_condition(principal)
    return await load_visible(
        session, Course, course_id, visible, field=field, what="course", for_update=for_update
    )


def _clean_cpd_hours(errors: Errors, value: Any) -> Decimal | None:
    if value is None:
        errors.add("cpdHours", "REQUIRED", "CPD hours are required (0 when none).")
        return None
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        errors.add("cpdHours", "INVALID", "CPD hours must be a number.")
        return None
    if not hours.is_finite() or hours < 0 or hours > MAX_CPD_HOURS:
        errors.add("cpdHours", "OUT_OF_RANGE", f"CPD hours must be between 0 and {MAX_CPD_HOURS}.")
        return None
    if hours != hours.quantize(Decimal("0.1")):
        errors.add("cpdHours", "TOO_PRECISE", "CPD hours have at most one decimal (e.g. 3.5).")
        return None
    return hours.quantize(Decimal("0.1"))


def _check_certified(errors: Errors, certified: bool | None, hours: Decimal | None) -> None:
    if certified and hours is not None and hours == 0:
        errors.add("cpdHours", "CPD_HOURS_REQUIRED", "A CPD-certified course gives CPD hours.")


async def create_course(
    session: AsyncSession,
    principal: Principal,
    *,
    title: str | None,
    format: CourseFormat | None,
    cpd_hours: Any,
    cpd_certified: bool | None,
    description: str | None = None,
    accreditation: str | None = None,
    accreditation_reference: str | None = None,
    learning_outcomes: LearningOutcomesValue | None = None,
    certificate_waits_for_evaluation: bool = False,
) -> Course:
    """Add a course to the catalogue (staff), with its CPD accreditation and learning outcomes;
    `certificate_waits_for_evaluation`: certificates are issued once the attendee's evaluation
    is in."""
    require_staff(principal, "title")
    errors = Errors()
    clean_title = clean_text(errors, "title", title)
    clean_description = _clean_description(errors, description)
    clean_accreditation = _clean_optional(errors, "accreditation", accreditation, MAX_ACCREDITATION)
    clean_reference = _clean_optional(
        errors, "accreditationReference", accreditation_reference, MAX_ACCREDITATION_REFERENCE
    )
    _check_reference(errors, clean_accreditation, clean_reference)
    outcomes = clean_learning_outcomes(errors, learning_outcomes)
    if format is None:
        errors.add("format", "REQUIRED", "A format is required: HALF_DAY, ONE_DAY or TWO_DAY.")
    hours = _clean_cpd_hours(errors, cpd_hours)
    if cpd_certified is None:
        errors.add("cpdCertified", "REQUIRED", "Say whether the course is CPD certified.")
    _check_certified(errors, cpd_certified, hours)
    errors.raise_if_any()
    assert clean_title is not None and format is not None and hours is not None
    assert cpd_certified is not None
    course = Course(
        title=clean_title,
        description=clean_description,
        format=format,
        cpd_hours=hours,
        cpd_certified=cpd_certified,
        accreditation=clean_accreditation,
        accreditation_reference=clean_reference,
        learning_outcomes=outcomes,
        certificate_waits_for_evaluation=bool(certificate_waits_for_evaluation),
    )
    session.add(course)
    await session.flush()
    audit.record(
        session,
        principal,
        "course.created",
        "Course",
        course.id,
        {
            "title": clean_title,
            "format": format,
            "cpd_hours": str(hours),
            "cpd_certified": cpd_certified,
            "accreditation": clean_accreditation,
            "accreditation_reference": clean_reference,
            "learning_outcomes": outcomes,
            "certificate_waits_for_evaluation": bool(certificate_waits_for_evaluation),
        },
    )
    return course


def _clean_optional(errors: Errors, field: str, value: str | None, max_length: int) -> str | None:
    """An optional one-line value: blank means none."""
    return clean_text(errors, field, value, required=False, max_length=max_length)


def _check_reference(
    errors: Errors,
    accreditation: str | None,
    reference: str | None,
    field: str = "accreditationReference",
) -> None:
    if reference is not None and accreditation is None and not errors.has("accreditation"):
        errors.add(
            field,
            "ACCREDITATION_REQUIRED",
            "A provider reference needs the accreditation it belongs to "
            "(remove the reference, or name the accreditation).",
        )


def clean_learning_outcomes(
    errors: Errors, value: LearningOutcomesValue | None, field: str = "learningOutcomes"
) -> dict[str, list[str]]:
    """Learning outcomes per language, each trimmed: only en, cy, fr, es, de, at most
    MAX_OUTCOMES of at most MAX_OUTCOME characters, none blank. A language given no outcomes
    is dropped; errors name the position, e.g. `learningOutcomes.1.outcomes.0`."""
    if value is None:
        return {}
    pairs = list(value.items()) if isinstance(value, Mapping) else list(value)
    cleaned: dict[str, list[str]] = {}
    for index, (language, outcomes) in enumerate(pairs):
        at = f"{field}.{index}"
        code = (language or "").strip().lower()
        if code not in LANGUAGES:
            errors.add(
                f"{at}.language",
                "UNKNOWN_LANGUAGE",
                f"Language must be one of: {', '.join(LANGUAGES)}.",
            )
            continue
        if code in cleaned:
            errors.add(f"{at}.language", "DUPLICATE", "Each language is given once.")
            continue
        if len(outcomes) > MAX_OUTCOMES:
            errors.add(f"{at}.outcomes", "TOO_MANY", f"At most {MAX_OUTCOMES} learning outcomes.")
            continue
        kept = [
            clean_text(errors, f"{at}.outcomes.{n}", outcome, max_length=MAX_OUTCOME)
            for n, outcome in enumerate(outcomes)
        ]
        if kept:
            cleaned[code] = [outcome for outcome in kept if outcome is not None]
    return cleaned


def _clean_description(errors: Errors, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > MAX_DESCRIPTION:
        errors.add("description", "TOO_LONG", f"At most {MAX_DESCRIPTION} characters.")
        return None
    return value.strip()


async def update_course(
    session: AsyncSession,
    principal: Principal,
    course_id: uuid.UUID | None,
    *,
    title: Any = UNSET,
    description: Any = UNSET,
    format: Any = UNSET,
    cpd_hours: Any = UNSET,
    cpd_certified: Any = UNSET,
    accreditation: Any = UNSET,
    accreditation_reference: Any = UNSET,
    learning_outcomes: Any = UNSET,
    certificate_waits_for_evaluation: Any = UNSET,
) -> Course:
    """Change some fields of a course (staff); fields left UNSET are kept.

    Certificates already issued keep what they certified: they never read the course again.
    """
    require_staff(principal, "id")
    course = await load_course(session, principal, course_id, "id", for_update=True)
    errors = Errors()
    changes: dict[str, Any] = {}
    if title is not UNSET:
        changes["title"] = clean_text(errors, "title", title)
    if description is not UNSET:
        changes["description"] = _clean_description(errors, description)
    if format is not UNSET:
        if format is None:
            errors.add("format", "REQUIRED", "A format is required.")
        changes["format"] = format
    if cpd_hours is not UNSET:
        changes["cpd_hours"] = _clean_cpd_hours(errors, cpd_hours)
    if cpd_certified is not UNSET:
        if cpd_certified is None:
            errors.add("cpdCertified", "REQUIRED", "Say whether the course is CPD certified.")
        changes["cpd_certified"] = cpd_certified
    if accreditation is not UNSET:
        changes["accreditation"] = _clean_optional(
            errors, "accreditation", accreditation, MAX_ACCREDITATION
        )
    if accreditation_reference is not UNSET:
        changes["accreditation_reference"] = _clean_optional(
            errors, "accreditationReference", accreditation_reference, MAX_ACCREDITATION_REFERENCE
        )
    if accreditation is not UNSET or accreditation_reference is not UNSET:
        _check_reference(
            errors,
            changes.get("accreditation", course.accreditation),
            changes.get("accreditation_reference", course.accreditation_reference),
            # Removing the accreditation alone names the field that was sent.
            "accreditationReference" if accreditation_reference is not UNSET else "accreditation",
        )
    if learning_outcomes is not UNSET:
        changes["learning_outcomes"] = clean_learning_outcomes(errors, learning_outcomes)
    if certificate_waits_for_evaluation is not UNSET:
        if certificate_waits_for_evaluation is None:
            errors.add(
                "certificateWaitsForEvaluation",
                "REQUIRED",
                "Say whether certificates wait for the evaluation.",
            )
        changes["certificate_waits_for_evaluation"] = certificate_waits_for_evaluation
    if not errors.has("cpdHours"):
        _check_certified(
            errors,
            changes.get("cpd_certified", course.cpd_certified),
            changes.get("cpd_hours", course.cpd_hours),
        )
    errors.raise_if_any()
    await audit.apply_and_record(
        session, principal, course, changes, action="course.updated", entity_type="Course"
    )
    return course
