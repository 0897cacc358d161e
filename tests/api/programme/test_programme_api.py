"""Cohorts and the Co-Production Star through GraphQL: members in and out, progress, currentStep."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.kit.enums import Network, Role, StarStep, StepStatus
from network.kit.ids import to_global_id
from network.members.models import Member
from network.programme.models import Cohort, StepProgress
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import snapshot

CREATE_COHORT = """
mutation($input: CreateCohortInput!) {
  createCohort(input: $input) {
    cohort { name network partner { slug } memberCount currentStep members { name } }
    userErrors { field code message }
  }
}"""

ADD = """
mutation($input: CohortMemberInput!) {
  addCohortMember(input: $input) {
    cohort { name memberCount members { name } }
    userErrors { field code message }
  }
}"""

REMOVE = """
mutation($input: CohortMemberInput!) {
  removeCohortMember(input: $input) {
    cohort { name memberCount members { name } }
    userErrors { field code message }
  }
}"""

RECORD = """
mutation($input: RecordStepProgressInput!) {
  recordStepProgress(input: $input) {
    progress { step status startedOn completedOn notes actionPlan member { name } cohort { name } }
    userErrors { field code message }
  }
}"""

MATRIX = """
query($id: ID!) {
  cohort(id: $id) {
    currentStep
    progress { member { name } steps { step status startedOn completedOn notes } }
  }
}"""

CURRENT = "query($id: ID!) { cohort(id: $id) { currentStep } }"


def today() -> date:
    """The service's notion of today (UTC)."""
    return datetime.now(UTC).date()


def record_input(cohort: Cohort, member: Member, step: str, status: str, **kw: Any) -> Any:
    return {
        "input": {
            "cohortId": gid("Cohort", cohort),
            "memberId": gid("Member", member),
            "step": step,
            "status": status,
            **kw,
        }
    }


async def test_staff_creates_a_cohort_for_a_partner(gql: GraphQL, make: Factory) -> None:
    await make.partner("wales")
    token = await make.token(Role.STAFF)
    result = await gql(
        CREATE_COHORT,
        {
            "input": {
                "name": " Wales Community Leadership Cohort 2026 ",
                "network": "CITIZEN_POWERED_COUNCIL",
                "partnerSlug": "Wales",
            }
        },
        token=token,
    )
    assert result == {
        "data": {
            "createCohort": {
                "cohort": {
                    "name": "Wales Community Leadership Cohort 2026",
                    "network": "CITIZEN_POWERED_COUNCIL",
                    "partner": {"slug": "wales"},
                    "memberCount": 0,
                    "currentStep": "MAP_IT",
                    "members": [],
                },
                "userErrors": [],
            }
        }
    }


async def test_a_partner_user_creates_cohorts_of_its_own(gql: GraphQL, make: Factory) -> None:
    france = await make.partner("france")
    token = await make.token(Role.PARTNER, partner=france)
    result = await gql(
        CREATE_COHORT,
        {"input": {"name": "Europe Cohort", "network": "CITIZEN_POWERED_CITY"}},
        token=token,
    )
    assert result["data"]["createCohort"]["cohort"]["partner"] == {"slug": "france"}
    staff_run = await gql(
        CREATE_COHORT,
        {"input": {"name": "Staff Cohort", "network": "CITIZEN_POWERED_CITY"}},
        token=await make.token(Role.STAFF),
    )
    assert staff_run["data"]["createCohort"]["cohort"]["partner"] is None


async def test_bad_cohort_input_writes_nothing(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    token = await make.token(Role.STAFF)
    before = await snapshot(session)
    result = await gql(
        CREATE_COHORT,
        {"input": {"name": "  ", "network": "CITIZEN_POWERED_CITY", "partnerSlug": "nowhere"}},
        token=token,
    )
    assert result == {
        "data": {
            "createCohort": {
                "cohort": None,
                "userErrors": [
                    {"field": "name", "code": "BLANK", "message": "This field must not be empty."},
                    {
                        "field": "partnerSlug",
                        "code": "NOT_FOUND",
                        "message": "No partner with slug 'nowhere'.",
                    },
                ],
            }
        }
    }
    assert await snapshot(session) == before


async def test_add_cohort_member_is_idempotent(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    cohort = await make.cohort("Scotland Cohort")
    member = await make.member("Midlothian Council")
    token = await make.token(Role.STAFF)
    variables = {"input": {"cohortId": gid("Cohort", cohort), "memberId": gid("Member", member)}}
    expected = {
        "data": {
            "addCohortMember": {
                "cohort": {
                    "name": "Scotland Cohort",
                    "memberCount": 1,
                    "members": [{"name": "Midlothian Council"}],
                },
                "userErrors": [],
            }
        }
    }
    assert await gql(ADD, variables, token=token) == expected
    before = await snapshot(session)
    assert await gql(ADD, variables, token=token) == expected
    assert await snapshot(session) == before


async def test_a_member_of_another_network_cannot_join(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    cohort = await make.cohort(network=Network.CITIZEN_POWERED_COUNCIL)
    city = await make.member("City of Mannheim", network=Network.CITIZEN_POWERED_CITY, country="DE")
    token = await make.token(Role.STAFF)
    before = await snapshot(session)
    result = await gql(
        ADD,
        {"input": {"cohortId": gid("Cohort", cohort), "memberId": gid("Member", city)}},
        token=token,
    )
    assert result == {
        "data": {
            "addCohortMember": {
                "cohort": None,
                "userErrors": [
                    {
                        "field": "memberId",
                        "code": "WRONG_NETWORK",
                        "message": "The member belongs to another network than the cohort.",
                    }
                ],
            }
        }
    }
    assert await snapshot(session) == before


@pytest.mark.parametrize(
    ("which", "expected"),
    [
        ("cohort", [("cohortId", "NOT_FOUND", "No cohort with this id.")]),
        ("member", [("memberId", "NOT_FOUND", "No member with this id.")]),
    ],
)
@pytest.mark.parametrize("mutation", ["addCohortMember", "removeCohortMember"])
async def test_unknown_cohort_or_member_is_not_found(
    gql: GraphQL,
    make: Factory,
    session: AsyncSession,
    mutation: str,
    which: str,
    expected: list[tuple[str, str, str]],
) -> None:
    member = await make.member()
    cohort = await make.cohort(members=[member])
    token = await make.token(Role.STAFF)
    cohort_id = to_global_id("Cohort", uuid.uuid4()) if which == "cohort" else gid("Cohort", cohort)
    member_id = to_global_id("Member", uuid.uuid4()) if which == "member" else gid("Member", member)
    before = await snapshot(session)
    result = await gql(
        f"""mutation($input: CohortMemberInput!) {{
          {mutation}(input: $input) {{ cohort {{ name }} userErrors {{ field code message }} }}
        }}""",
        {"input": {"cohortId": cohort_id, "memberId": member_id}},
        token=token,
    )
    assert result == {
        "data": {
            mutation: {
                "cohort": None,
                "userErrors": [{"field": f, "code": c, "message": m} for f, c, m in expected],
            }
        }
    }
    assert await snapshot(session) == before


async def test_removing_a_member_keeps_its_progress_for_when_it_returns(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    powys = await make.member("Powys County Council")
    adss = await make.member("ADSS Cymru")
    cohort = await make.cohort("Wales Cohort", members=[powys, adss])
    token = await make.token(Role.STAFF)
    done = (today() - timedelta(days=3)).isoformat()
    for member in (powys, adss):
        recorded = await gql(
            RECORD,
            record_input(cohort, member, "MAP_IT", "COMPLETED", completedOn=done, notes="Held."),
            token=token,
        )
        assert recorded["data"]["recordStepProgress"]["userErrors"] == []
    pair = {"input": {"cohortId": gid("Cohort", cohort), "memberId": gid("Member", powys)}}

    removed = await gql(REMOVE, pair, token=token)
    assert removed == {
        "data": {
            "removeCohortMember": {
                "cohort": {
                    "name": "Wales Cohort",
                    "memberCount": 1,
                    "members": [{"name": "ADSS Cymru"}],
                },
                "userErrors": [],
            }
        }
    }
    kept = (
        await session.scalars(select(StepProgress).where(StepProgress.member_id == powys.id))
    ).all()
    assert [(p.step, p.status) for p in kept] == [(StarStep.MAP_IT, StepStatus.COMPLETED)]
    matrix = (await gql(MATRIX, {"id": gid("Cohort", cohort)}, token=token))["data"]["cohort"]
    assert [row["member"]["name"] for row in matrix["progress"]] == ["ADSS Cymru"]

    again = await gql(REMOVE, pair, token=token)
    assert again["data"]["removeCohortMember"] == {
        "cohort": None,
        "userErrors": [
            {
                "field": "memberId",
                "code": "NOT_IN_COHORT",
                "message": "This member is not in the cohort.",
            }
        ],
    }

    await gql(ADD, pair, token=token)
    matrix = (await gql(MATRIX, {"id": gid("Cohort", cohort)}, token=token))["data"]["cohort"]
    assert [(row["member"]["name"], row["steps"][0]) for row in matrix["progress"]] == [
        (
            "ADSS Cymru",
            {
                "step": "MAP_IT",
                "status": "COMPLETED",
                "startedOn": done,
                "completedOn": done,
                "notes": "Held.",
            },
        ),
        (
            "Powys County Council",
            {
                "step": "MAP_IT",
                "status": "COMPLETED",
                "startedOn": done,
                "completedOn": done,
                "notes": "Held.",
            },
        ),
    ]
    assert matrix["currentStep"] == "FOCUS_IT"


async def test_record_step_progress_through_its_three_states(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    member = await make.member("Kent County Council")
    cohort = await make.cohort("England Cohort", members=[member])
    token = await make.token(Role.STAFF)
    started = (today() - timedelta(days=20)).isoformat()
    finished = (today() - timedelta(days=2)).isoformat()

    in_progress = await gql(
        RECORD,
        record_input(
            cohort, member, "FOCUS_IT", "IN_PROGRESS", startedOn=started, actionPlan="Plan A"
        ),
        token=token,
    )
    assert in_progress == {
        "data": {
            "recordStepProgress": {
                "progress": {
                    "step": "FOCUS_IT",
                    "status": "IN_PROGRESS",
                    "startedOn": started,
                    "completedOn": None,
                    "notes": None,
                    "actionPlan": "Plan A",
                    "member": {"name": "Kent County Council"},
                    "cohort": {"name": "England Cohort"},
                },
                "userErrors": [],
            }
        }
    }
    completed = await gql(
        RECORD,
        record_input(
            cohort,
            member,
            "FOCUS_IT",
            "COMPLETED",
            completedOn=finished,
            notes="Workshop held.",
            overrideOrder=True,  # Map It was never recorded: staff complete it out of order
        ),
        token=token,
    )
    assert completed["data"]["recordStepProgress"]["progress"] == {
        "step": "FOCUS_IT",
        "status": "COMPLETED",
        "startedOn": started,
        "completedOn": finished,
        "notes": "Workshop held.",
        "actionPlan": "Plan A",
        "member": {"name": "Kent County Council"},
        "cohort": {"name": "England Cohort"},
    }
    reset = await gql(RECORD, record_input(cohort, member, "FOCUS_IT", "NOT_STARTED"), token=token)
    assert reset["data"]["recordStepProgress"]["progress"] == {
        "step": "FOCUS_IT",
        "status": "NOT_STARTED",
        "startedOn": None,
        "completedOn": None,
        "notes": "Workshop held.",
        "actionPlan": "Plan A",
        "member": {"name": "Kent County Council"},
        "cohort": {"name": "England Cohort"},
    }
    rows = (await session.scalars(select(StepProgress))).all()
    assert [(r.step, r.status) for r in rows] == [(StarStep.FOCUS_IT, StepStatus.NOT_STARTED)]


async def test_dates_default_to_today(gql: GraphQL, make: Factory) -> None:
    member = await make.member()
    cohort = await make.cohort(members=[member])
    token = await make.token(Role.STAFF)
    started = await gql(RECORD, record_input(cohort, member, "MAP_IT", "IN_PROGRESS"), token=token)
    progress = started["data"]["recordStepProgress"]["progress"]
    assert (progress["startedOn"], progress["completedOn"]) == (today().isoformat(), None)
    done = await gql(RECORD, record_input(cohort, member, "MAP_IT", "COMPLETED"), token=token)
    progress = done["data"]["recordStepProgress"]["progress"]
    assert (progress["startedOn"], progress["completedOn"]) == (
        today().isoformat(),
        today().isoformat(),
    )


async def test_a_step_completed_on_a_past_date_did_not_start_after_it(
    gql: GraphQL, make: Factory
) -> None:
    member = await make.member()
    cohort = await make.cohort(members=[member])
    token = await make.token(Role.STAFF)
    finished = (today() - timedelta(days=30)).isoformat()
    result = await gql(
        RECORD,
        record_input(cohort, member, "MAP_IT", "COMPLETED", completedOn=finished),
        token=token,
    )
    progress = result["data"]["recordStepProgress"]["progress"]
    assert (progress["startedOn"], progress["completedOn"]) == (finished, finished)


BAD_PROGRESS = [
    pytest.param(
        {"status": "IN_PROGRESS", "completedOn": "2026-01-05"},
        [("completedOn", "NOT_COMPLETED", "Only a completed step has a completion date.")],
        id="completion-date-on-unfinished-step",
    ),
    pytest.param(
        {"status": "COMPLETED", "completedOn": "2099-01-01"},
        [("completedOn", "IN_FUTURE", "A step cannot be completed in the future.")],
        id="completed-in-the-future",
    ),
    pytest.param(
        {"status": "COMPLETED", "startedOn": "2026-03-10", "completedOn": "2026-03-01"},
        [("completedOn", "BEFORE_START", "A step cannot be completed before it started.")],
        id="completed-before-started",
    ),
    pytest.param(
        {"status": "IN_PROGRESS", "startedOn": "2099-01-01"},
        [("startedOn", "IN_FUTURE", "A step cannot start in the future.")],
        id="started-in-the-future",
    ),
    pytest.param(
        {"status": "NOT_STARTED", "startedOn": "2026-01-05"},
        [("startedOn", "NOT_STARTED", "A step that has not started has no start date.")],
        id="start-date-on-a-step-not-started",
    ),
    pytest.param(
        {"status": "IN_PROGRESS", "notes": "x" * 20001},
        [("notes", "TOO_LONG", "At most 20,000 characters.")],
        id="notes-too-long",
    ),
]


@pytest.mark.parametrize(("fields", "expected"), BAD_PROGRESS)
async def test_bad_progress_input_writes_nothing(
    gql: GraphQL,
    make: Factory,
    session: AsyncSession,
    fields: dict[str, Any],
    expected: list[tuple[str, str, str]],
) -> None:
    member = await make.member()
    cohort = await make.cohort(members=[member])
    token = await make.token(Role.STAFF)
    before = await snapshot(session)
    result = await gql(
        RECORD,
        {
            "input": {
                "cohortId": gid("Cohort", cohort),
                "memberId": gid("Member", member),
                "step": "MAP_IT",
                **fields,
            }
        },
        token=token,
    )
    assert result == {
        "data": {
            "recordStepProgress": {
                "progress": None,
                "userErrors": [{"field": f, "code": c, "message": m} for f, c, m in expected],
            }
        }
    }
    assert await snapshot(session) == before


async def test_progress_for_a_member_outside_the_cohort_is_refused(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    inside = await make.member()
    outside = await make.member()
    cohort = await make.cohort(members=[inside])
    token = await make.token(Role.STAFF)
    before = await snapshot(session)
    result = await gql(RECORD, record_input(cohort, outside, "MAP_IT", "IN_PROGRESS"), token=token)
    assert result == {
        "data": {
            "recordStepProgress": {
                "progress": None,
                "userErrors": [
                    {
                        "field": "memberId",
                        "code": "NOT_IN_COHORT",
                        "message": "This member is not in the cohort.",
                    }
                ],
            }
        }
    }
    assert await snapshot(session) == before


async def test_current_step_is_the_earliest_step_not_completed_by_all(
    gql: GraphQL, make: Factory
) -> None:
    first = await make.member("A Council")
    second = await make.member("B Council")
    cohort = await make.cohort(members=[first, second])
    empty = await make.cohort()
    token = await make.token(Role.STAFF)

    async def current() -> str | None:
        result = await gql(CURRENT, {"id": gid("Cohort", cohort)}, token=token)
        step: str | None = result["data"]["cohort"]["currentStep"]
        return step

    async def complete(member: Member, step: str) -> None:
        result = await gql(RECORD, record_input(cohort, member, step, "COMPLETED"), token=token)
        assert result["data"]["recordStepProgress"]["userErrors"] == []

    assert await current() == "MAP_IT"
    await complete(first, "MAP_IT")
    await complete(first, "FOCUS_IT")
    assert await current() == "MAP_IT"
    await complete(second, "MAP_IT")
    assert await current() == "FOCUS_IT"
    # A step in progress is not a completed step.
    await gql(RECORD, record_input(cohort, second, "FOCUS_IT", "IN_PROGRESS"), token=token)
    assert await current() == "FOCUS_IT"
    for step in StarStep:
        await complete(first, step.value)
        await complete(second, step.value)
    assert await current() is None
    # Undoing one step of one member brings the cohort back to that step.
    await gql(RECORD, record_input(cohort, second, "PEOPLE_IT", "IN_PROGRESS"), token=token)
    assert await current() == "PEOPLE_IT"
    # A cohort without members has not begun.
    result = await gql(CURRENT, {"id": gid("Cohort", empty)}, token=token)
    assert result == {"data": {"cohort": {"currentStep": "MAP_IT"}}}


async def test_progress_matrix_has_five_cells_per_member_in_star_order(
    gql: GraphQL, make: Factory
) -> None:
    powys = await make.member("Powys County Council")
    adss = await make.member("ADSS Cymru")
    cohort = await make.cohort(members=[powys, adss])
    token = await make.token(Role.STAFF)
    done = (today() - timedelta(days=10)).isoformat()
    await gql(
        RECORD,
        record_input(cohort, powys, "MAP_IT", "COMPLETED", completedOn=done, notes="Mapped."),
        token=token,
    )
    await gql(RECORD, record_input(cohort, powys, "FOCUS_IT", "IN_PROGRESS"), token=token)

    def cell(step: str, status: str = "NOT_STARTED", **kw: Any) -> dict[str, Any]:
        return {
            "step": step,
            "status": status,
            "startedOn": kw.get("startedOn"),
            "completedOn": kw.get("completedOn"),
            "notes": kw.get("notes"),
        }

    steps = ["MAP_IT", "FOCUS_IT", "PEOPLE_IT", "MARKET_IT", "GROW_IT"]
    result = await gql(MATRIX, {"id": gid("Cohort", cohort)}, token=token)
    assert result == {
        "data": {
            "cohort": {
                "currentStep": "MAP_IT",
                "progress": [
                    {"member": {"name": "ADSS Cymru"}, "steps": [cell(s) for s in steps]},
                    {
                        "member": {"name": "Powys County Council"},
                        "steps": [
                            cell(
                                "MAP_IT",
                                "COMPLETED",
                                startedOn=done,
                                completedOn=done,
                                notes="Mapped.",
                            ),
                            cell("FOCUS_IT", "IN_PROGRESS", startedOn=today().isoformat()),
                            *[cell(s) for s in steps[2:]],
                        ],
                    },
                ],
            }
        }
    }


async def test_cohorts_list_and_filters(gql: GraphQL, make: Factory) -> None:
    wales = await make.partner("wales")
    await make.cohort("Wales Cohort", partner=wales)
    await make.cohort("Europe Cohort", network=Network.CITIZEN_POWERED_CITY)
    await make.cohort("Scotland Cohort")
    token = await make.token(Role.STAFF)
    query = """query($filter: CohortFilter) {
      cohorts(filter: $filter) { totalCount edges { node { name } } }
    }"""

    async def names(filter: dict[str, Any] | None = None) -> list[str]:
        result = await gql(query, {"filter": filter}, token=token)
        return [e["node"]["name"] for e in result["data"]["cohorts"]["edges"]]

    assert await names() == ["Europe Cohort", "Scotland Cohort", "Wales Cohort"]
    assert await names({"partnerSlug": "wales"}) == ["Wales Cohort"]
    assert await names({"network": "CITIZEN_POWERED_CITY"}) == ["Europe Cohort"]
    assert await names({"search": "land"}) == ["Scotland Cohort"]


async def test_a_member_in_a_cohort_cannot_change_network(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    member = await make.member("Kent County Council")
    await make.cohort(members=[member])
    free = await make.member("Sandwell Council")
    token = await make.token(Role.STAFF)
    update = """mutation($input: UpdateMemberInput!) {
      updateMember(input: $input) { member { network } userErrors { field code message } }
    }"""
    before = await snapshot(session)
    refused = await gql(
        update,
        {"input": {"id": gid("Member", member), "network": "CITIZEN_POWERED_CITY"}},
        token=token,
    )
    assert refused == {
        "data": {
            "updateMember": {
                "member": None,
                "userErrors": [
                    {
                        "field": "network",
                        "code": "IN_COHORT",
                        "message": "The member is in a cohort of its network; "
                        "take it out of the cohort first.",
                    }
                ],
            }
        }
    }
    assert await snapshot(session) == before
    moved = await gql(
        update,
        {"input": {"id": gid("Member", free), "network": "CITIZEN_POWERED_CITY"}},
        token=token,
    )
    assert moved == {
        "data": {"updateMember": {"member": {"network": "CITIZEN_POWERED_CITY"}, "userErrors": []}}
    }
