"""The course catalogue, for staff: the list of courses, adding one and editing one.

A face only: the forms call the catalogue's create_course and update_course (the same calls as
the API's createCourse and updateCourse) with the staff member's Principal; every rule about a
course's fields is the service's, and its errors are shown next to their fields.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from network.kit.errors import DomainError
from network.portal.deps import PortalDep, StaffForm, StaffReading, area_router, path_id
from network.portal.exits import NotFound, or_404
from network.portal.i18n import CONTACT_LANGUAGES
from network.portal.web import PAGE_SIZE, Portal, PortalSession, Reading
from network.training import service as training
from network.training.enums import CourseFormat

# The service's input names (as the API spells them) -> the form's field names (the learning
# outcomes: see field_of).
COURSE_FIELDS = {
    "cpdHours": "cpd_hours",
    "cpdCertified": "cpd_certified",
    "accreditationReference": "accreditation_reference",
    "certificateWaitsForEvaluation": "certificate_waits_for_evaluation",
    "id": "form",
}
# The languages a course's learning outcomes are written in: one box each, one per line.
OUTCOME_LANGUAGES = tuple(CONTACT_LANGUAGES)
SAVED = {"new": "desk_course_added", "edit": "desk_course_saved"}

router = area_router()


def field_of(name: str, languages: list[str]) -> str:
    """The form field showing a service error on input field `name`; the learning outcomes
    are sent as `languages` in that order, and an error names one by its position
    ("learningOutcomes.1.outcomes.0": the second language's first outcome)."""
    head, _, tail = name.partition(".")
    if head == "learningOutcomes":
        position = tail.partition(".")[0]
        if position.isdigit() and int(position) < len(languages):
            return f"outcomes_{languages[int(position)]}"
        return "outcomes_en"
    return COURSE_FIELDS.get(name, name)


def course_errors(exc: DomainError, values: dict[str, Any]) -> dict[str, str]:
    """The service's errors keyed by the form's field names (the first one of each field)."""
    languages = list(values.get("learning_outcomes") or {})
    found: dict[str, str] = {}
    for error in exc.errors:
        found.setdefault(field_of(error.field, languages), error.message)
    return found


def outcomes_of(form: dict[str, str]) -> dict[str, list[str]]:
    """The learning outcomes typed, by language: one per non-blank line."""
    found: dict[str, list[str]] = {}
    for language in OUTCOME_LANGUAGES:
        lines = [line.strip() for line in form.get(f"outcomes_{language}", "").splitlines()]
        if any(lines):
            found[language] = [line for line in lines if line]
    return found


def posted_course(form: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """The course form's values for the service (a format not offered is the form's error)."""
    chosen = form.get("format", "").strip()
    course_format: CourseFormat | None = None
    if chosen in CourseFormat.__members__:
        course_format = CourseFormat(chosen)
    elif chosen:
        errors["format"] = "Choose one of the formats offered."
    hours = form.get("cpd_hours", "").strip()
    return {
        "title": form.get("title", ""),
        "description": form.get("description") or None,
        "format": course_format,
        "cpd_hours": hours or None,
        "cpd_certified": form.get("cpd_certified") == "yes",
        "accreditation": form.get("accreditation", "").strip() or None,
        "accreditation_reference": form.get("accreditation_reference", "").strip() or None,
        "learning_outcomes": outcomes_of(form),
        "certificate_waits_for_evaluation": form.get("certificate_waits_for_evaluation") == "yes",
    }


def current_form(course: Any) -> dict[str, str]:
    """The edit form filled in with the course as it stands."""
    outcomes: dict[str, list[str]] = course.learning_outcomes or {}
    return {
        "title": course.title,
        "description": course.description or "",
        "format": str(course.format),
        "cpd_hours": str(course.cpd_hours),
        "cpd_certified": "yes" if course.cpd_certified else "",
        "accreditation": course.accreditation or "",
        "accreditation_reference": course.accreditation_reference or "",
        "certificate_waits_for_evaluation": "yes"
        if course.certificate_waits_for_evaluation
        else "",
        **{f"outcomes_{lang}": "\n".join(outcomes.get(lang, ())) for lang in OUTCOME_LANGUAGES},
    }


def course_form(
    request: Request,
    portal: Portal,
    data: PortalSession,
    *,
    course_id: uuid.UUID | None,
    form: dict[str, str],
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> Response:
    """The add or edit course form (`course_id` None: adding one)."""
    return portal.render(
        request,
        data,
        "desk_course_form.html",
        status_code,
        course_id=course_id,
        form=form,
        formats=list(CourseFormat),
        outcome_languages=[(code, CONTACT_LANGUAGES[code]) for code in OUTCOME_LANGUAGES],
        errors=errors or {},
        message=portal.labels(request)["fix_errors"] if errors else None,
    )


@router.get("/courses")
async def courses_page(request: Request, portal: PortalDep, seen: StaffReading) -> Response:
    """Every course of the catalogue, by title, with what was just saved (?saved=)."""
    try:
        page = await training.list_courses(
            seen.session,
            seen.principal,
            training.CourseQuery(),
            first=PAGE_SIZE,
            after=request.query_params.get("after") or None,
        )
    except DomainError:  # a cursor that is not one of ours
        raise NotFound() from None
    saved = request.query_params.get("saved", "")
    return portal.render(
        request,
        seen.data,
        "desk_courses.html",
        courses=list(page.rows),
        cursor=page.end_cursor if page.has_next_page else None,
        message=seen.t[SAVED[saved]] if saved in SAVED else None,
    )


@router.get("/courses/new")
async def new_course_page(request: Request, portal: PortalDep, seen: StaffReading) -> Response:
    """The form adding a course."""
    form = {"format": CourseFormat.ONE_DAY.value, "cpd_hours": "0"}
    return course_form(request, portal, seen.data, course_id=None, form=form)


@router.post("/courses/new")
async def new_course(request: Request, portal: PortalDep, seen: StaffForm) -> Response:
    """Add a course (the same service call as the API's createCourse)."""
    errors: dict[str, str] = {}
    values = posted_course(seen.form, errors)
    if not errors:
        try:
            async with portal.write() as session:
                await training.create_course(session, seen.principal, **values)
            return portal.redirect("/portal/courses?saved=new")
        except DomainError as exc:
            errors.update(course_errors(exc, values))
    return course_form(
        request, portal, seen.data, course_id=None, form=seen.form, status_code=422, errors=errors
    )


async def visible_course(seen: Reading, course_id: str) -> Any:
    """The path's course (NotFound unless there is one)."""
    key = path_id(course_id)
    return or_404((await training.get_courses(seen.session, seen.principal, [key])).get(key))


@router.get("/courses/{course_id}/edit")
async def edit_course_page(
    request: Request, course_id: str, portal: PortalDep, seen: StaffReading
) -> Response:
    """The form editing a course, filled in with the course as it stands."""
    course = await visible_course(seen, course_id)
    return course_form(request, portal, seen.data, course_id=course.id, form=current_form(course))


@router.post("/courses/{course_id}/edit")
async def edit_course(
    request: Request, course_id: str, portal: PortalDep, seen: StaffForm
) -> Response:
    """Change a course (the same service call as the API's updateCourse)."""
    async with portal.again(seen) as fresh:
        course = await visible_course(fresh, course_id)
    errors: dict[str, str] = {}
    values = posted_course(seen.form, errors)
    if not errors:
        try:
            async with portal.write() as session:
                await training.update_course(session, seen.principal, course.id, **values)
            return portal.redirect("/portal/courses?saved=edit")
        except DomainError as exc:
            errors.update(course_errors(exc, values))
    return course_form(
        request,
        portal,
        seen.data,
        course_id=course.id,
        form=seen.form,
        status_code=422,
        errors=errors,
    )
