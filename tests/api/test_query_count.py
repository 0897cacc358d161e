"""Nested lists cost a fixed number of SQL statements, whatever the page size (DataLoaders)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from network.contacts.models import Contact
from network.kit.enums import MembershipStatus, Network, Role, StarStep, StepStatus
from network.members.models import Member
from network.partners.models import Partner
from network.programme.models import Cohort, CohortMember, StepProgress
from tests.support.app import GraphQL
from tests.support.database import StatementCounter
from tests.support.factories import Factory

MEMBERS = 100
CONTACTS_PER_MEMBER = 7
PAGE_QUERY = """
query($first: Int) {
  members(first: $first) {
    totalCount
    edges {
      node {
        name
        contacts(first: 5) { totalCount edges { node { email } } }
        partner { slug }
        cohorts { name currentStep }
      }
    }
  }
}"""

# Observed: the token lookup, the members page, its totalCount, the partners, the contacts
# (rows and counts per member), each member's cohorts, the cohorts' members and their progress
# records: nine queries. The request's session also opens and rolls back a savepoint inside the
# test's transaction (SAVEPOINT, ROLLBACK TO SAVEPOINT), and names its caller for row-level
# security twice (network.db: as its transaction begins, and once the token is known):
# thirteen statements in all.
QUERIES = 9
STATEMENTS = QUERIES + 4


async def _dataset(session: AsyncSession) -> Partner:
    """100 members (two partners), 7 contacts each, in 4 cohorts with progress; bulk-inserted."""
    partners = [
        {"id": uuid.uuid4(), "slug": f"bulk-{n}", "name": f"Bulk Partner {n}", "countries": ["GB"]}
        for n in range(2)
    ]
    await session.execute(insert(Partner), partners)
    members = [
        {
            "id": uuid.uuid4(),
            "name": f"Bulk Council {n:03d}",
            "network": Network.CITIZEN_POWERED_COUNCIL,
            "country": "GB",
            "membership_status": MembershipStatus.ACTIVE,
            "partner_id": partners[n % 2]["id"] if n % 3 else None,
        }
        for n in range(MEMBERS)
    ]
    await session.execute(insert(Member), members)
    await session.execute(
        insert(Contact),
        [
            {
                "id": uuid.uuid4(),
                "member_id": m["id"],
                "email": f"person{k}@council{n:03d}.example",
                "first_name": "Person",
                "last_name": f"Number {k}",
                "language": "en",
            }
            for n, m in enumerate(members)
            for k in range(CONTACTS_PER_MEMBER)
        ],
    )
    cohorts = [
        {
            "id": uuid.uuid4(),
            "name": f"Bulk Cohort {n}",
            "network": Network.CITIZEN_POWERED_COUNCIL,
            "partner_id": partners[n % 2]["id"],
        }
        for n in range(4)
    ]
    await session.execute(insert(Cohort), cohorts)
    await session.execute(
        insert(CohortMember),
        [{"cohort_id": cohorts[n % 4]["id"], "member_id": m["id"]} for n, m in enumerate(members)],
    )
    await session.execute(
        insert(StepProgress),
        [
            {
                "id": uuid.uuid4(),
                "cohort_id": cohorts[n % 4]["id"],
                "member_id": m["id"],
                "step": StarStep.MAP_IT,
                "status": StepStatus.COMPLETED,
                "started_on": date(2026, 9, 1),
                "completed_on": date(2026, 10, 1),
            }
            for n, m in enumerate(members)
        ],
    )
    await session.commit()
    first = await session.get(Partner, partners[0]["id"])
    assert first is not None
    return first


async def _count(
    gql: GraphQL, count_statements: Callable[[], StatementCounter], token: str, first: int
) -> tuple[int, int, dict[str, Any]]:
    """(statements, queries without the savepoint bookkeeping, response) of one request."""
    counter = count_statements()
    counter.reset()
    result = await gql(PAGE_QUERY, {"first": first}, token=token)
    statements = list(counter.statements)
    counter.reset()
    queries = [
        s
        for s in statements
        if "SAVEPOINT" not in s.split(None, 3)[:3] and not s.startswith("SELECT set_config(")
    ]
    return len(statements), len(queries), result


@pytest.mark.parametrize("role", ["staff", "partner"])
async def test_members_with_contacts_and_cohorts_cost_a_fixed_number_of_statements(
    gql: GraphQL,
    make: Factory,
    session: AsyncSession,
    count_statements: Callable[[], StatementCounter],
    role: str,
) -> None:
    partner = await _dataset(session)
    token = await (
        make.token(Role.STAFF) if role == "staff" else make.token(Role.PARTNER, partner=partner)
    )
    await session.commit()
    # The first request records the token's use (an UPDATE and a commit, at most once a minute):
    # counted requests come after it.
    await gql("{ viewer { email } }", token=token)

    small, small_queries, small_result = await _count(gql, count_statements, token, 10)
    large, large_queries, large_result = await _count(gql, count_statements, token, 100)
    assert (small, large) == (STATEMENTS, STATEMENTS)
    assert (small_queries, large_queries) == (QUERIES, QUERIES)

    edges = large_result["data"]["members"]["edges"]
    visible = MEMBERS if role == "staff" else len(edges)
    assert large_result["data"]["members"]["totalCount"] == visible
    assert len(small_result["data"]["members"]["edges"]) == 10
    first = edges[0]["node"]
    assert first["contacts"]["totalCount"] == CONTACTS_PER_MEMBER
    assert [e["node"]["email"] for e in first["contacts"]["edges"]] == [
        f"person{k}@{first['contacts']['edges'][0]['node']['email'].split('@')[1]}"
        for k in range(5)
    ]
    assert all(len(e["node"]["cohorts"]) == 1 for e in edges)
    assert {e["node"]["cohorts"][0]["currentStep"] for e in edges} == {"FOCUS_IT"}
