"""The star is taken in order: no step COMPLETED while an earlier one is not started, unless
staff override it, which the audit trail shows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit.models import AuditEvent
from network.kit.enums import Role
from tests.support.app import GraphQL
from tests.support.factories import Factory
from tests.support.helpers import snapshot

from .test_programme_api import RECORD, record_input


async def test_a_step_cannot_be_completed_before_an_earlier_one_is_started(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    partner = await make.partner()
    member = await make.member(partner=partner)
    cohort = await make.cohort(partner=partner, members=[member])
    token = await make.token(Role.PARTNER, partner=partner)
    before = await snapshot(session)

    early = await gql(RECORD, record_input(cohort, member, "FOCUS_IT", "COMPLETED"), token=token)

    assert early["data"]["recordStepProgress"] == {
        "progress": None,
        "userErrors": [
            {
                "field": "status",
                "code": "EARLIER_STEP_NOT_STARTED",
                "message": "Map It is not started yet: the star is taken in order.",
            }
        ],
    }
    assert await snapshot(session) == before
    # A partner may not override the order.
    forced = await gql(
        RECORD,
        record_input(cohort, member, "FOCUS_IT", "COMPLETED", overrideOrder=True),
        token=token,
    )
    assert [
        (e["field"], e["code"]) for e in forced["data"]["recordStepProgress"]["userErrors"]
    ] == [("overrideOrder", "FORBIDDEN")]
    # In order it works: Map It started, then Focus It completed; later steps may be started.
    started = await gql(RECORD, record_input(cohort, member, "MAP_IT", "IN_PROGRESS"), token=token)
    assert started["data"]["recordStepProgress"]["userErrors"] == []
    done = await gql(RECORD, record_input(cohort, member, "FOCUS_IT", "COMPLETED"), token=token)
    assert done["data"]["recordStepProgress"]["progress"]["status"] == "COMPLETED"
    skipped = await gql(RECORD, record_input(cohort, member, "GROW_IT", "COMPLETED"), token=token)
    assert skipped["data"]["recordStepProgress"]["userErrors"][0]["message"] == (
        "People It is not started yet: the star is taken in order."
    )
    working = await gql(RECORD, record_input(cohort, member, "GROW_IT", "IN_PROGRESS"), token=token)
    assert working["data"]["recordStepProgress"]["userErrors"] == []


async def test_staff_override_the_order_and_the_audit_trail_says_so(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    member = await make.member()
    cohort = await make.cohort(members=[member])
    token = await make.token(Role.STAFF)

    forced = await gql(
        RECORD,
        record_input(cohort, member, "MARKET_IT", "COMPLETED", overrideOrder=True),
        token=token,
    )

    assert forced["data"]["recordStepProgress"]["userErrors"] == []
    changes = (
        await session.scalars(
            select(AuditEvent.changes).where(
                AuditEvent.entity_id == cohort.id, AuditEvent.action == "progress.recorded"
            )
        )
    ).one()
    assert changes["override"] is True
    assert changes["step"] == "MARKET_IT"
    plain = await gql(RECORD, record_input(cohort, member, "MAP_IT", "IN_PROGRESS"), token=token)
    assert plain["data"]["recordStepProgress"]["userErrors"] == []
    recorded = (
        await session.scalars(
            select(AuditEvent.changes)
            .where(AuditEvent.entity_id == cohort.id, AuditEvent.action == "progress.recorded")
            .order_by(AuditEvent.id)
        )
    ).all()
    assert ["override" in c for c in recorded] == [True, False]


async def test_a_step_cannot_be_unstarted_while_a_later_one_is_completed(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    partner = await make.partner()
    member = await make.member(partner=partner)
    cohort = await make.cohort(partner=partner, members=[member])
    token = await make.token(Role.PARTNER, partner=partner)
    for step, status in (("MAP_IT", "IN_PROGRESS"), ("FOCUS_IT", "COMPLETED")):
        saved = await gql(RECORD, record_input(cohort, member, step, status), token=token)
        assert saved["data"]["recordStepProgress"]["userErrors"] == []
    before = await snapshot(session)

    back = await gql(RECORD, record_input(cohort, member, "MAP_IT", "NOT_STARTED"), token=token)

    assert back["data"]["recordStepProgress"] == {
        "progress": None,
        "userErrors": [
            {
                "field": "status",
                "code": "LATER_STEP_COMPLETED",
                "message": "Focus It is completed: the star is taken in order.",
            }
        ],
    }
    assert await snapshot(session) == before
    forced = await gql(
        RECORD,
        record_input(cohort, member, "MAP_IT", "NOT_STARTED", overrideOrder=True),
        token=token,
    )
    assert [
        (e["field"], e["code"]) for e in forced["data"]["recordStepProgress"]["userErrors"]
    ] == [("overrideOrder", "FORBIDDEN")]
    assert await snapshot(session) == before
    # Steps after the completed one may be unstarted; so may Map It once Focus It is reopened.
    later = await gql(RECORD, record_input(cohort, member, "GROW_IT", "NOT_STARTED"), token=token)
    assert later["data"]["recordStepProgress"]["userErrors"] == []
    reopened = await gql(
        RECORD, record_input(cohort, member, "FOCUS_IT", "IN_PROGRESS"), token=token
    )
    assert reopened["data"]["recordStepProgress"]["userErrors"] == []
    unstarted = await gql(
        RECORD, record_input(cohort, member, "MAP_IT", "NOT_STARTED"), token=token
    )
    assert unstarted["data"]["recordStepProgress"]["progress"]["status"] == "NOT_STARTED"


async def test_staff_may_unstart_a_step_out_of_order_and_the_audit_trail_says_so(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    member = await make.member()
    cohort = await make.cohort(members=[member])
    token = await make.token(Role.STAFF)
    for step, status in (("MAP_IT", "COMPLETED"), ("FOCUS_IT", "COMPLETED")):
        saved = await gql(RECORD, record_input(cohort, member, step, status), token=token)
        assert saved["data"]["recordStepProgress"]["userErrors"] == []
    refused = await gql(RECORD, record_input(cohort, member, "MAP_IT", "NOT_STARTED"), token=token)
    assert [
        (e["field"], e["code"]) for e in refused["data"]["recordStepProgress"]["userErrors"]
    ] == [("status", "LATER_STEP_COMPLETED")]

    forced = await gql(
        RECORD,
        record_input(cohort, member, "MAP_IT", "NOT_STARTED", overrideOrder=True),
        token=token,
    )

    assert forced["data"]["recordStepProgress"]["progress"]["status"] == "NOT_STARTED"
    changes = (
        await session.scalars(
            select(AuditEvent.changes)
            .where(AuditEvent.entity_id == cohort.id, AuditEvent.action == "progress.recorded")
            .order_by(AuditEvent.id)
        )
    ).all()
    assert [(c["step"], c["to"], "override" in c) for c in changes] == [
        ("MAP_IT", "COMPLETED", False),
        ("FOCUS_IT", "COMPLETED", False),
        ("MAP_IT", "NOT_STARTED", True),
    ]
