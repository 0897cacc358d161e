"""Evaluations in GraphQL: `TrainingSession.evaluationSummary` and `Course.evaluationSummary`
per caller, and the course's `certificateWaitsForEvaluation` set by createCourse and
updateCourse."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from network.db import utcnow
from network.kit.enums import Role
from network.kit.ids import to_global_id
from network.training import evaluations
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import snapshot
from tests.support.training import Attended

SUMMARY = "evaluationSummary { invited responses questions averages comments }"
NODES = f"""
query($session: ID!, $course: ID!) {{
  session: node(id: $session) {{ ... on TrainingSession {{ {SUMMARY} }} }}
  course: node(id: $course) {{ ... on Course {{ {SUMMARY} }} }}
}}"""
QUESTIONS = ["relevance", "trainer", "materials", "practice", "overall"]


async def test_staff_see_all_a_partner_its_members_and_a_member_contact_nothing(
    gql: GraphQL, make: Factory, session: AsyncSession, attended: Attended
) -> None:
    wales = await make.partner()
    theirs = await make.contact(await make.member(partner=wales))
    others = await make.contact(await make.member())
    held = await attended.session_with([theirs, others])
    await evaluations.invite_due_evaluations(session, now=utcnow(), limit=10)
    for booking, rating, comment in zip(
        attended.bookings, (5, 1), ("Inspiring", "Too fast"), strict=True
    ):
        await evaluations.submit_evaluation(
            session,
            evaluations.evaluation_token(booking.id),
            answers=dict.fromkeys(QUESTIONS, rating),
            comments=comment,
        )
    ids = {
        "session": gid("TrainingSession", held),
        "course": to_global_id("Course", held.course_id),
    }
    tokens = {
        "staff": await make.token(Role.STAFF),
        "partner": await make.token(Role.PARTNER, partner=wales),
        "member": await make.token(Role.MEMBER, contact=theirs),
    }

    answers = {who: await gql(NODES, ids, token=token) for who, token in tokens.items()}

    everyone = {
        "invited": 2,
        "responses": 2,
        "questions": QUESTIONS,
        "averages": [3.0] * 5,
        "comments": ["Inspiring", "Too fast"],
    }
    own = {
        "invited": 1,
        "responses": 1,
        "questions": QUESTIONS,
        "averages": [None] * 5,  # one answer in the partner's view: too few to show
        "comments": None,
    }
    assert answers["staff"] == {
        "data": {
            "session": {"evaluationSummary": everyone},
            "course": {"evaluationSummary": everyone},
        }
    }
    assert answers["partner"] == {
        "data": {"session": {"evaluationSummary": own}, "course": {"evaluationSummary": own}}
    }
    assert answers["member"] == {
        "data": {"session": {"evaluationSummary": None}, "course": {"evaluationSummary": None}}
    }


COURSE = "course { title certificateWaitsForEvaluation } userErrors { field code message }"
CREATE = f"mutation($input: CreateCourseInput!) {{ createCourse(input: $input) {{ {COURSE} }} }}"
UPDATE = f"mutation($input: UpdateCourseInput!) {{ updateCourse(input: $input) {{ {COURSE} }} }}"


def _course(**extra: Any) -> dict[str, Any]:
    return {"title": "Map It", "format": "ONE_DAY", "cpdHours": 6, "cpdCertified": True, **extra}


async def test_staff_set_whether_certificates_wait_for_the_evaluation(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    token = await make.token(Role.STAFF)

    plain = await gql(CREATE, {"input": _course()}, token=token)
    waiting = await gql(CREATE, {"input": _course(certificateWaitsForEvaluation=True)}, token=token)

    assert plain["data"]["createCourse"] == {
        "course": {"title": "Map It", "certificateWaitsForEvaluation": False},
        "userErrors": [],
    }
    assert waiting["data"]["createCourse"]["course"]["certificateWaitsForEvaluation"] is True

    listed = await gql("{ courses(first: 10) { edges { node { id title } } } }", token=token)
    course_id = listed["data"]["courses"]["edges"][0]["node"]["id"]
    changed = await gql(
        UPDATE, {"input": {"id": course_id, "certificateWaitsForEvaluation": True}}, token=token
    )
    assert changed["data"]["updateCourse"] == {
        "course": {"title": "Map It", "certificateWaitsForEvaluation": True},
        "userErrors": [],
    }

    member_token = await make.token(Role.MEMBER, contact=await make.contact(await make.member()))
    before = await snapshot(session)
    refused = await gql(
        UPDATE, {"input": {"id": course_id, "certificateWaitsForEvaluation": None}}, token=token
    )
    assert refused["data"]["updateCourse"]["userErrors"] == [
        {
            "field": "certificateWaitsForEvaluation",
            "code": "REQUIRED",
            "message": "Say whether certificates wait for the evaluation.",
        }
    ]
    denied = await gql(
        UPDATE,
        {"input": {"id": course_id, "certificateWaitsForEvaluation": False}},
        token=member_token,
    )
    assert denied["data"]["updateCourse"]["course"] is None
    assert [e["code"] for e in denied["data"]["updateCourse"]["userErrors"]] == ["FORBIDDEN"]
    assert await snapshot(session) == before
