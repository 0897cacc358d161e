"""The GraphQL types of cohorts and their members' progress through the star."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.enums import Network, StarStep, StepStatus
from network.api.core.relay import Node
from network.api.members.types import Member, load_member
from network.api.partners.types import Partner, load_partner
from network.kit.ids import to_global_id
from network.programme import service as programme
from network.programme.service import current_step


@strawberry.type(description="How far one member of a cohort has got with one star step.")
class StepProgress(Node):
    step: StarStep
    status: StepStatus
    started_on: date | None
    completed_on: date | None
    notes: str | None
    action_plan: str | None
    updated_at: datetime
    member_id: strawberry.Private[uuid.UUID]
    cohort_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any) -> StepProgress:
        """Build from a step_progress row or entity."""
        return cls(
            id=strawberry.ID(to_global_id("StepProgress", row.id)),
            member_id=row.member_id,
            cohort_id=row.cohort_id,
            step=row.step,
            status=row.status,
            started_on=row.started_on,
            completed_on=row.completed_on,
            notes=row.notes,
            action_plan=row.action_plan,
            updated_at=row.updated_at,
        )

    @strawberry.field
    async def member(self, info: AnyInfo) -> Member | None:
        return await load_member(info, self.member_id)

    @strawberry.field
    async def cohort(self, info: AnyInfo) -> Cohort | None:
        return await load_cohort(info, self.cohort_id)


@strawberry.type(description="One cell of the progress matrix: a member against one step.")
class ProgressCell:
    step: StarStep
    status: StepStatus
    started_on: date | None
    completed_on: date | None
    notes: str | None
    action_plan: str | None
    record: StepProgress | None = strawberry.field(
        description="The stored record; null while nothing was recorded for the step."
    )

    @classmethod
    def of(cls, step: Any, record: Any | None) -> ProgressCell:
        """The cell for a step, from its stored record if there is one."""
        if record is None:
            return cls(
                step=step,
                status=StepStatus.NOT_STARTED,
                started_on=None,
                completed_on=None,
                notes=None,
                action_plan=None,
                record=None,
            )
        return cls(
            step=step,
            status=record.status,
            started_on=record.started_on,
            completed_on=record.completed_on,
            notes=record.notes,
            action_plan=record.action_plan,
            record=StepProgress.from_row(record),
        )


@strawberry.type(description="One member's row of a cohort's progress matrix.")
class ProgressRow:
    member: Member
    steps: list[ProgressCell] = strawberry.field(description="Always five cells, in star order.")


@strawberry.type(description="Members going through the Co-Production Star together.")
class Cohort(Node):
    name: str
    network: Network
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    partner_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: Any) -> Cohort:
        """Build from a cohorts row or entity."""
        return cls(
            id=strawberry.ID(to_global_id("Cohort", row.id)),
            db_id=row.id,
            partner_id=row.partner_id,
            name=row.name,
            network=row.network,
            created_at=row.created_at,
        )

    @strawberry.field(description="The partner running the cohort; null when staff run it.")
    async def partner(self, info: AnyInfo) -> Partner | None:
        return await load_partner(info, self.partner_id)

    @strawberry.field(description="How many members the cohort has.")
    async def member_count(self, info: AnyInfo) -> int:
        return int(await info.context.loaders.cohort_member_count.load(self.db_id))

    @strawberry.field(description="The cohort's members, by name.")
    async def members(self, info: AnyInfo) -> list[Member]:
        ids = await info.context.loaders.cohort_member_ids.load(self.db_id)
        rows = await info.context.loaders.member.load_many(ids)
        return [Member.from_row(row) for row in rows if row is not None]

    @strawberry.field(description="The earliest step not completed by every member.")
    async def current_step(self, info: AnyInfo) -> StarStep | None:
        ids = await info.context.loaders.cohort_member_ids.load(self.db_id)
        rows = await info.context.loaders.cohort_progress.load(self.db_id)
        return current_step(ids, rows)

    @strawberry.field(description="The progress matrix: each member against the five steps.")
    async def progress(self, info: AnyInfo) -> list[ProgressRow]:
        ids = await info.context.loaders.cohort_member_ids.load(self.db_id)
        members = await info.context.loaders.member.load_many(ids)
        records = await info.context.loaders.cohort_progress.load(self.db_id)
        by_key = {(r.member_id, r.step): r for r in records}
        matrix = []
        for row in members:
            if row is None:
                continue
            steps = [ProgressCell.of(step, by_key.get((row.id, step))) for step in StarStep]
            matrix.append(ProgressRow(member=Member.from_row(row), steps=steps))
        return matrix


async def load_cohort(info: AnyInfo, cohort_id: uuid.UUID | None) -> Cohort | None:
    """The cohort with this id, through the request's loader; None when hidden or missing."""
    if cohort_id is None:
        return None
    row = await info.context.loaders.cohort.load(cohort_id)
    return Cohort.from_row(row) if row else None


async def step_progress_node(info: AnyInfo, raw_id: uuid.UUID) -> StepProgress | None:
    """A progress record by id, as the caller may see it (for `node(id:)`)."""
    record = await programme.get_progress(info.context.session, info.context.principal, raw_id)
    return StepProgress.from_row(record) if record else None
