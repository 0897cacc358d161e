"""Mutations on cohorts: create one, change its members, record their progress."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.enums import Network, StarStep, StepStatus
from network.api.core.ids import input_id
from network.api.core.mutations import UserError, run_mutation
from network.api.programme.types import Cohort, StepProgress
from network.programme import service as programme
from network.usecases import cohorts as cohort_cases


@strawberry.input
class CreateCohortInput:
    name: str
    network: Network
    partner_slug: str | None = None


@strawberry.input
class CohortMemberInput:
    cohort_id: strawberry.ID
    member_id: strawberry.ID


@strawberry.type
class CohortPayload:
    cohort: Cohort | None
    user_errors: list[UserError]


@strawberry.input
class RecordStepProgressInput:
    cohort_id: strawberry.ID
    member_id: strawberry.ID
    step: StarStep
    status: StepStatus
    notes: str | None = None
    action_plan: str | None = None
    started_on: date | None = None
    completed_on: date | None = strawberry.field(
        default=None, description="Defaults to today when the status is COMPLETED."
    )
    override_order: bool = strawberry.field(
        default=False,
        description="Staff only: complete the step although an earlier step is not started "
        "(the audit trail records the override).",
    )


@strawberry.type
class RecordStepProgressPayload:
    progress: StepProgress | None
    user_errors: list[UserError]


def _payload(result: Any, errors: list[UserError]) -> CohortPayload:
    return CohortPayload(cohort=Cohort.from_row(result) if result else None, user_errors=errors)


@strawberry.type
class ProgrammeMutation:
    @strawberry.mutation(description="Create a cohort, run by a partner or by staff.")
    async def create_cohort(self, info: AnyInfo, input: CreateCohortInput) -> CohortPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: programme.create_cohort(
                s, p, name=input.name, network=input.network, partner_slug=input.partner_slug
            ),
            input=input,
        )
        return _payload(result, errors)

    @strawberry.mutation(description="Put a member into a cohort.")
    async def add_cohort_member(self, info: AnyInfo, input: CohortMemberInput) -> CohortPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: cohort_cases.add_cohort_member(
                s,
                p,
                cohort_id=input_id(input.cohort_id, "Cohort"),
                member_id=input_id(input.member_id, "Member"),
            ),
            input=input,
        )
        return _payload(result, errors)

    @strawberry.mutation(
        description=(
            "Take a member out of a cohort (its progress is kept); its contacts' invitations "
            "to the cohort's upcoming meetings are withdrawn with a cancellation."
        )
    )
    async def remove_cohort_member(self, info: AnyInfo, input: CohortMemberInput) -> CohortPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: cohort_cases.remove_cohort_member(
                s,
                p,
                cohort_id=input_id(input.cohort_id, "Cohort"),
                member_id=input_id(input.member_id, "Member"),
            ),
            input=input,
        )
        return _payload(result, errors)

    @strawberry.mutation(description="Record a cohort member's progress with one star step.")
    async def record_step_progress(
        self, info: AnyInfo, input: RecordStepProgressInput
    ) -> RecordStepProgressPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: programme.record_step_progress(
                s,
                p,
                cohort_id=input_id(input.cohort_id, "Cohort"),
                member_id=input_id(input.member_id, "Member"),
                step=input.step,
                status=input.status,
                notes=input.notes,
                action_plan=input.action_plan,
                started_on=input.started_on,
                completed_on=input.completed_on,
                override_order=input.override_order,
            ),
            input=input,
        )
        return RecordStepProgressPayload(
            progress=StepProgress.from_row(result) if result else None, user_errors=errors
        )
