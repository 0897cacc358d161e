"""Two saves of one member's steps at once cannot together take the star out of order: each
locks the member's progress records before checking, so the second waits, then sees the first."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select

from network.auth.principal import SYSTEM
from network.db import unit_of_work
from network.kit.enums import StarStep, StepStatus
from network.kit.errors import DomainError
from network.programme import service as programme
from network.programme.models import StepProgress
from tests.support.database import lock_waiters
from tests.support.factories import Factory
from tests.support.messaging import wait_for
from tests.support.training import CommittedDatabase

MAP, FOCUS = StarStep.MAP_IT, StarStep.FOCUS_IT
STARTED, DONE, NOT = StepStatus.IN_PROGRESS, StepStatus.COMPLETED, StepStatus.NOT_STARTED


async def _member_in_progress(db: CommittedDatabase) -> tuple[uuid.UUID, uuid.UUID]:
    """A cohort member with Map It and Focus It in progress, committed."""
    await db.truncate()
    async with unit_of_work(db.sessions) as session:
        make = Factory(session)
        member = await make.member()
        cohort = await make.cohort(members=[member])
        for step in (MAP, FOCUS):
            await programme.record_step_progress(
                session, SYSTEM, cohort_id=cohort.id, member_id=member.id, step=step, status=STARTED
            )
    return cohort.id, member.id


@pytest.mark.parametrize(
    ("first", "second", "code"),
    [
        ((MAP, NOT), (FOCUS, DONE), "EARLIER_STEP_NOT_STARTED"),
        ((FOCUS, DONE), (MAP, NOT), "LATER_STEP_COMPLETED"),
    ],
)
async def test_the_second_save_waits_for_the_first_then_is_refused(
    committed_db: CommittedDatabase,
    first: tuple[StarStep, StepStatus],
    second: tuple[StarStep, StepStatus],
    code: str,
) -> None:
    cohort_id, member_id = await _member_in_progress(committed_db)

    async def save(session_step: tuple[StarStep, StepStatus]) -> None:
        step, status = session_step
        async with unit_of_work(committed_db.sessions) as session:
            await programme.record_step_progress(
                session, SYSTEM, cohort_id=cohort_id, member_id=member_id, step=step, status=status
            )

    async with committed_db.sessions() as session:
        step, status = first
        await programme.record_step_progress(
            session, SYSTEM, cohort_id=cohort_id, member_id=member_id, step=step, status=status
        )
        saving = asyncio.create_task(save(second))

        async def waiting() -> bool:
            return saving.done() or await lock_waiters(committed_db.engine) > 0

        await wait_for(waiting, within=30, what="the second save to wait for a lock")
        assert not saving.done()  # it waits for the first, on the member's records
        await session.commit()

    with pytest.raises(DomainError) as refused:
        await saving
    assert [(e.field, e.code) for e in refused.value.errors] == [("status", code)]
    async with committed_db.sessions() as session:
        rows = await session.execute(
            select(StepProgress.step, StepProgress.status).where(
                StepProgress.member_id == member_id
            )
        )
        assert dict(rows.all()) == {MAP: STARTED, FOCUS: STARTED} | {first[0]: first[1]}
