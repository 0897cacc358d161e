"""A course's CPD accreditation and learning outcomes: set, read per language, validated by
field, audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit.models import AuditEvent
from network.kit.enums import Role
from tests.support.app import GraphQL
from tests.support.factories import Factory
from tests.support.helpers import error_codes, snapshot

COURSE = """
  id title accreditation accreditationReference
  learningOutcomes
  french: learningOutcomes(language: "fr")
  german: learningOutcomes(language: "de")
  learningOutcomesByLanguage { language outcomes }
"""
CREATE_COURSE = f"""
mutation($input: CreateCourseInput!) {{
  createCourse(input: $input) {{ course {{ {COURSE} }} userErrors {{ field code message }} }}
}}"""
UPDATE_COURSE = f"""
mutation($input: UpdateCourseInput!) {{
  updateCourse(input: $input) {{ course {{ {COURSE} }} userErrors {{ field code message }} }}
}}"""


def _course(**extra: Any) -> dict[str, Any]:
    return {
        "title": "Co-Production Star training",
        "format": "ONE_DAY",
        "cpdHours": 6,
        "cpdCertified": True,
        **extra,
    }


async def test_staff_give_a_course_its_accreditation_and_outcomes(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    token = await make.token(Role.STAFF)
    created = await gql(
        CREATE_COURSE,
        {
            "input": _course(
                accreditation="  CPD Standards Office ",
                accreditationReference="40123",
                learningOutcomes=[
                    {"language": "en", "outcomes": [" Use the five steps. ", "Plan."]},
                    {"language": "fr", "outcomes": ["Utiliser les cinq étapes."]},
                    {"language": "cy", "outcomes": []},  # no outcomes: no Welsh list
                ],
            )
        },
        token=token,
    )
    payload = created["data"]["createCourse"]
    assert payload["userErrors"] == []
    course = payload["course"]
    assert {k: v for k, v in course.items() if k != "id"} == {
        "title": "Co-Production Star training",
        "accreditation": "CPD Standards Office",
        "accreditationReference": "40123",
        "learningOutcomes": ["Use the five steps.", "Plan."],
        "french": ["Utiliser les cinq étapes."],
        "german": ["Use the five steps.", "Plan."],  # none in German: the English ones
        "learningOutcomesByLanguage": [
            {"language": "en", "outcomes": ["Use the five steps.", "Plan."]},
            {"language": "fr", "outcomes": ["Utiliser les cinq étapes."]},
        ],
    }
    audit = (
        await session.scalars(select(AuditEvent).where(AuditEvent.action == "course.created"))
    ).all()
    assert [event.changes["learning_outcomes"] for event in audit] == [
        {"en": ["Use the five steps.", "Plan."], "fr": ["Utiliser les cinq étapes."]}
    ]
    assert [event.changes["accreditation"] for event in audit] == ["CPD Standards Office"]

    updated = await gql(
        UPDATE_COURSE,
        {
            "input": {
                "id": course["id"],
                "learningOutcomes": [{"language": "de", "outcomes": ["Die fünf Schritte."]}],
            }
        },
        token=token,
    )
    assert updated["data"]["updateCourse"]["userErrors"] == []
    after = updated["data"]["updateCourse"]["course"]
    assert after["accreditation"] == "CPD Standards Office"  # omitted: kept
    assert after["german"] == ["Die fünf Schritte."]
    assert after["learningOutcomes"] == []  # replaced: no English list any more
    assert after["learningOutcomesByLanguage"] == [
        {"language": "de", "outcomes": ["Die fünf Schritte."]}
    ]
    changes = (
        await session.scalars(select(AuditEvent).where(AuditEvent.action == "course.updated"))
    ).all()
    assert [event.changes["learning_outcomes"] for event in changes] == [
        {"de": ["Die fünf Schritte."]}
    ]

    cleared = await gql(
        UPDATE_COURSE,
        {"input": {"id": course["id"], "accreditation": None, "accreditationReference": None}},
        token=token,
    )
    assert cleared["data"]["updateCourse"]["userErrors"] == []
    assert cleared["data"]["updateCourse"]["course"]["accreditation"] is None
    assert cleared["data"]["updateCourse"]["course"]["accreditationReference"] is None


async def test_bad_outcomes_and_accreditations_are_refused_by_field(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    token = await make.token(Role.STAFF)
    before = await snapshot(session)
    bad = await gql(
        CREATE_COURSE,
        {
            "input": _course(
                accreditationReference="40123",
                learningOutcomes=[
                    {"language": "xx", "outcomes": ["Something."]},
                    {"language": "en", "outcomes": ["  ", "x" * 301, "Fine."]},
                    {"language": "fr", "outcomes": [f"Acquis {n}." for n in range(13)]},
                    {"language": "en", "outcomes": ["Again."]},
                ],
            )
        },
        token=token,
    )
    assert error_codes(bad["data"]["createCourse"]) == [
        ("accreditationReference", "ACCREDITATION_REQUIRED"),
        ("learningOutcomes.0.language", "UNKNOWN_LANGUAGE"),
        ("learningOutcomes.1.outcomes.0", "BLANK"),
        ("learningOutcomes.1.outcomes.1", "TOO_LONG"),
        ("learningOutcomes.2.outcomes", "TOO_MANY"),
        ("learningOutcomes.3.language", "DUPLICATE"),
    ]
    too_long = await gql(
        CREATE_COURSE,
        {"input": _course(accreditation="A" * 201, accreditationReference="R" * 101)},
        token=token,
    )
    assert error_codes(too_long["data"]["createCourse"]) == [
        ("accreditation", "TOO_LONG"),
        ("accreditationReference", "TOO_LONG"),
    ]
    assert await snapshot(session) == before

    created = await gql(
        CREATE_COURSE,
        {"input": _course(accreditation="CPD Standards Office", accreditationReference="1")},
        token=token,
    )
    course_id = created["data"]["createCourse"]["course"]["id"]
    before = await snapshot(session)
    dropped = await gql(
        UPDATE_COURSE, {"input": {"id": course_id, "accreditation": None}}, token=token
    )
    # Dropping the accreditation alone would leave its reference behind: refused on the field sent.
    assert error_codes(dropped["data"]["updateCourse"]) == [
        ("accreditation", "ACCREDITATION_REQUIRED")
    ]
    assert await snapshot(session) == before


async def test_only_staff_set_course_fields(gql: GraphQL, make: Factory) -> None:
    partner = await make.partner()
    token = await make.token(Role.PARTNER, partner=partner)
    refused = await gql(
        CREATE_COURSE,
        {"input": _course(accreditation="CPD Standards Office")},
        token=token,
    )
    assert refused["data"]["createCourse"]["course"] is None
    assert [e["code"] for e in refused["data"]["createCourse"]["userErrors"]] == ["FORBIDDEN"]
