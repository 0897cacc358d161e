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
