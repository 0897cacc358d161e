"""The liaison desk's course pages (issue 14): the catalogue, adding and editing a course with
its accreditation and learning outcomes."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.kit.enums import Role
from network.training.enums import CourseFormat
from network.training.models import Course
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import csrf_of, partner_with_contacts, sign_in
from tests.support.training import TrainingFactory

OUTCOMES_EN = (
    "Understand co-production for your organisation through the Four Co's\n"
    "  Use the five-step Co-Production Star to roll it out  \n"
    "\n"
    "Build an action plan"
)
OUTCOMES_FR = "Comprendre la coproduction pour votre organisation\nBâtir un plan d'action"


async def staff_signed_in(client: httpx.AsyncClient, make: Factory, session: AsyncSession) -> None:
    user = await make.user(Role.STAFF)
    await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    await session.commit()
    assert (await sign_in(client, user.email, PASSWORD)).status_code == 303


async def course_titled(session: AsyncSession, title: str) -> Course | None:
    found = await session.scalars(
        select(Course).where(Course.title == title).execution_options(populate_existing=True)
    )
    return found.one_or_none()


def course_form(**changes: str) -> dict[str, str]:
    form = {
        "title": "Co-Production Star training for managers",
        "description": "A day on the five steps of the star.",
        "format": "ONE_DAY",
        "cpd_hours": "6",
        "cpd_certified": "yes",
        "accreditation": "CPD Standards Office",
        "accreditation_reference": "GI-2026-014",
        "outcomes_en": OUTCOMES_EN,
        "outcomes_cy": "",
        "outcomes_fr": OUTCOMES_FR,
        "outcomes_es": "",
        "outcomes_de": "",
    }
    return {**form, **changes}


async def test_staff_add_a_course_with_its_accreditation_and_learning_outcomes(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    await staff_signed_in(client, make, session)
    page = await client.get("/portal/courses/new")
    assert page.status_code == 200
    for language in ("en", "cy", "fr", "es", "de"):
        assert f'<textarea id="outcomes_{language}" name="outcomes_{language}"' in page.text
    answer = await client.post(
        "/portal/courses/new", data={**course_form(), "csrf": csrf_of(page.text)}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/portal/courses?saved=new"
    course = await course_titled(session, "Co-Production Star training for managers")
    assert course is not None
    assert (course.format, course.cpd_hours, course.cpd_certified) == (
        CourseFormat.ONE_DAY,
        Decimal("6.0"),
        True,
    )
    assert (course.accreditation, course.accreditation_reference) == (
        "CPD Standards Office",
        "GI-2026-014",
    )
    assert course.learning_outcomes == {
        "en": [
            "Understand co-production for your organisation through the Four Co's",
            "Use the five-step Co-Production Star to roll it out",
            "Build an action plan",
        ],
        "fr": ["Comprendre la coproduction pour votre organisation", "Bâtir un plan d'action"],
    }
    listing = await client.get(answer.headers["location"])
    assert "Course added." in listing.text
    row = re.search(rf'<tr class="course" id="course-{course.id}">(.*?)</tr>', listing.text, re.S)
    assert row is not None
    assert "One day" in row.group(1) and "CPD Standards Office (GI-2026-014)" in row.group(1)
    assert f'href="/portal/courses/{course.id}/edit"' in row.group(1)
    assert f'href="/portal/sessions?course={course.id}"' in row.group(1)


async def test_staff_edit_a_course_and_see_it_as_it_stands(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    course = await train.course("Outcome-Based Commissioning", cpd_hours=6)
    await session.commit()
    await staff_signed_in(client, make, session)
    url = f"/portal/courses/{course.id}/edit"
    page = await client.get(url)
    assert page.status_code == 200
    assert 'name="title" type="text" value="Outcome-Based Commissioning"' in page.text
    assert 'name="cpd_hours" type="text" value="6.0"' in page.text
    assert '<option value="ONE_DAY" selected>' in page.text
    assert 'name="cpd_certified" value="yes" checked' in page.text

    form = course_form(title="Outcome-Based Commissioning", format="TWO_DAY", cpd_hours="12")
    answer = await client.post(url, data={**form, "csrf": csrf_of(page.text)})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/portal/courses?saved=edit"
    changed = await course_titled(session, "Outcome-Based Commissioning")
    assert changed is not None
    assert (changed.format, changed.cpd_hours) == (CourseFormat.TWO_DAY, Decimal("12.0"))
    assert changed.accreditation == "CPD Standards Office"
    assert changed.learning_outcomes["fr"] == [
        "Comprendre la coproduction pour votre organisation",
        "Bâtir un plan d'action",
    ]
    again = await client.get(url)
    assert "Build an action plan</textarea>" in again.text
    assert '<option value="TWO_DAY" selected>' in again.text


async def test_a_course_form_with_errors_shows_them_by_their_fields_and_saves_nothing(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    course = await train.course("Co-Production Star briefing", cpd_hours=0, cpd_certified=False)
    await session.commit()
    await staff_signed_in(client, make, session)
    token = csrf_of((await client.get("/portal/courses/new")).text)

    bad = await client.post(
        "/portal/courses/new",
        data={**course_form(title="  ", cpd_hours="six"), "csrf": token},
    )
    assert bad.status_code == 422
    errors = dict(re.findall(r'<div id="([a-z_]+)-error" class="error">(.*?)</div>', bad.text))
    assert set(errors) == {"title", "cpd_hours"}
    assert errors["cpd_hours"] == "CPD hours must be a number."
    assert 'name="cpd_hours" type="text" value="six"' in bad.text
    assert "Build an action plan</textarea>" in bad.text  # what was typed is kept
    assert await course_titled(session, "Co-Production Star training for managers") is None

    certified = await client.post(
        f"/portal/courses/{course.id}/edit",
        data={
            **course_form(title="Co-Production Star briefing", cpd_hours="0"),
            "csrf": token,
        },
    )
    assert certified.status_code == 422
    assert re.search(
        r'<div id="cpd_hours-error" class="error">A CPD-certified course gives CPD hours',
        certified.text,
    )
    kept = await course_titled(session, "Co-Production Star briefing")
    assert kept is not None and kept.cpd_certified is False and kept.accreditation is None
    assert (await client.get("/portal/courses/not-an-id/edit")).status_code == 404

    # An outcome too long in French is shown by the French box; a reference needs a body.
    long_one = await client.post(
        "/portal/courses/new",
        data={
            **course_form(outcomes_fr="Bien\n" + "x" * 301, accreditation=""),
            "csrf": token,
        },
    )
    assert long_one.status_code == 422
    marked = set(re.findall(r'<div id="([a-z_]+)-error" class="error">', long_one.text))
    assert marked == {"outcomes_fr", "accreditation_reference"}
    assert await course_titled(session, "Co-Production Star training for managers") is None


async def test_partners_do_not_have_the_course_pages(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    wales = await partner_with_contacts(make, session, ["Siân Pryce"])
    course = await train.course("Hidden form")
    await session.commit()
    await sign_in(client, wales["user"].email, PASSWORD)
    for url in ("/portal/courses", "/portal/courses/new", f"/portal/courses/{course.id}/edit"):
        assert (await client.get(url)).status_code == 404
    page = await client.get("/portal/sessions")
    answer = await client.post(
        "/portal/courses/new", data={**course_form(), "csrf": csrf_of(page.text)}
    )
    assert answer.status_code == 404
    assert await course_titled(session, "Co-Production Star training for managers") is None
