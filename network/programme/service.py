"""Cohorts going through the Co-Production Star, and each member's progress per step."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, Select, case, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.policy import require_manager
from network.auth.principal import Principal, PrincipalKind
from network.auth.scope import cohort_condition, member_condition
from network.db import utcnow
from network.kit.enums import Network, StarStep, StepStatus
from network.kit.errors import DomainError, Errors
from network.kit.loading import load_visible, rows_by_id
from network.kit.pagination import Page, keyset_page
from network.kit.search import contains_text
from network.kit.validation import clean_paragraphs, clean_text
from network.members.models import Member
from network.members.service import load_member
from network.partners.service import find_partner_id
from network.programme.models import Cohort, CohortMember, StepProgress

cohorts = Cohort.__table__.c
progress = StepProgress.__table__.c
STEPS = list(StarStep)
# Sorts progress records in the order of the star (the column holds the step's name).
STEP_ORDER = case({step: n for n, step in enumerate(STEPS)}, value=StepProgress.step)
MAX_PROGRESS_TEXT = 20000
# The programme began long after this; an earlier step date is a typing mistake.
EARLIEST_PROGRESS_DATE = date(2000, 1, 1)


@dataclass(slots=True)
class CohortQuery:
    """Filters for listing cohorts."""

    network: Network | None = None
    partner_id: uuid.UUID | None = None
    search: str | None = None


def readable(principal: Principal) -> Select[Any]:
    """The cohorts the principal may see, as Core rows (the only way to read cohorts)."""
    return select(*cohorts).where(cohort_condition(principal, cohorts.id))


async def list_cohorts(
    session: AsyncSession,
    principal: Principal,
    query: CohortQuery,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """A page of visible cohorts ordered by name."""
    statement = readable(principal)
    if query.network is not None:
        statement = statement.where(cohorts.network == query.network)
    if query.partner_id is not None:
        statement = statement.where(cohorts.partner_id == query.partner_id)
    if query.search and query.search.strip():
        statement = statement.where(contains_text(cohorts.name, query.search))
    return await keyset_page(
        session, statement, [cohorts.name, cohorts.id], first=first, after=after
    )


async def get_cohorts(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Row[Any]]:
    """Visible cohorts by id (missing or hidden ones are absent)."""
    return await rows_by_id(session, readable(principal), ids)


async def cohorts_of_members(
    session: AsyncSession, principal: Principal, member_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row[Any]]]:
    """The visible cohorts each member belongs to, in one query."""
    statement = (
        readable(principal)
        .add_columns(CohortMember.member_id.label("of_member_id"))
        .join(CohortMember, CohortMember.cohort_id == cohorts.id)
        .where(CohortMember.member_id.in_(member_ids))
        .order_by(cohorts.name, cohorts.id)
    )
    result: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
    for row in (await session.execute(statement)).all():
        result[row.of_member_id].append(row)
    return result


async def member_ids_of_cohorts(
    session: AsyncSession, principal: Principal, cohort_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The visible member ids of each cohort (cohort ids assumed visible), in one query."""
    statement = (
        select(CohortMember.cohort_id, CohortMember.member_id)
        .join(Member, Member.id == CohortMember.member_id)
        .where(
            CohortMember.cohort_id.in_(cohort_ids),
            member_condition(principal, CohortMember.member_id),
        )
        .order_by(Member.name, Member.id)
    )
    result: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for cohort_id, member_id in (await session.execute(statement)).all():
        result[cohort_id].append(member_id)
    return result


async def progress_of_cohorts(
    session: AsyncSession, principal: Principal, cohort_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row[Any]]]:
    """Every progress record of the visible cohorts' current members, in one query."""
    statement = (
        select(*progress)
        .join(
            CohortMember,
            (CohortMember.cohort_id == progress.cohort_id)
            & (CohortMember.member_id == progress.member_id),
        )
        .where(progress.cohort_id.in_(cohort_ids), cohort_condition(principal, progress.cohort_id))
    )
    result: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
    for row in (await session.execute(statement)).all():
        result[row.cohort_id].append(row)
    return result


def current_step(member_ids: Sequence[uuid.UUID], rows: Sequence[Any]) -> StarStep | None:
    """The earliest step not completed by every member; None when all five are done."""
    completed: dict[StarStep, set[uuid.UUID]] = defaultdict(set)
    for row in rows:
        if row.status == StepStatus.COMPLETED:
            completed[StarStep(row.step)].add(row.member_id)
    wanted = set(member_ids)
    for step in STEPS:
        if not wanted or not wanted <= completed[step]:
            return step
    return None


async def load_cohort(
    session: AsyncSession, principal: Principal, cohort_id: uuid.UUID | None, field: str
) -> Cohort:
    """The cohort as an entity, locked for changing it; hidden and missing look the same."""
    visible = cohort_condition(principal, Cohort.id)
    return await load_visible(session, Cohort, cohort_id, visible, field=field, what="cohort")


async def create_cohort(
    session: AsyncSession,
    principal: Principal,
    *,
    name: str | None,
    network: Network | None,
    partner_slug: str | None = None,
) -> Cohort:
    """Create a cohort, run by staff or by a partner (a partner user creates its own)."""
    require_manager(principal, "name")
    errors = Errors()
    clean_name = clean_text(errors, "name", name)
    if network is None:
        errors.add("network", "REQUIRED", "A network is required.")
    partner_id: uuid.UUID | None = None
    if principal.kind is PrincipalKind.PARTNER:
        partner_id = principal.partner_id
        if (
            partner_slug
            and await find_partner_id(session, partner_slug.strip().lower()) != partner_id
        ):
            errors.add("partnerSlug", "NOT_FOUND", "No partner with this slug.")
    elif partner_slug and partner_slug.strip():
        partner_id = await find_partner_id(session, partner_slug.strip().lower())
        if partner_id is None:
            errors.add("partnerSlug", "NOT_FOUND", f"No partner with slug '{partner_slug}'.")
    errors.raise_if_any()
    assert clean_name is not None and network is not None
    cohort = Cohort(name=clean_name, network=network, partner_id=partner_id)
    session.add(cohort)
    await session.flush()
    audit.record(
        session,
        principal,
        "cohort.created",
        "Cohort",
        cohort.id,
        {"name": clean_name, "network": network, "partner_id": partner_id},
    )
    return cohort


async def join_cohort(
    session: AsyncSession,
    principal: Principal,
    *,
    cohort_id: uuid.UUID | None,
    member_id: uuid.UUID | None,
) -> tuple[Cohort, uuid.UUID | None]:
    """Put a visible member into a visible cohort of the same network (no-op if already in).

    Returns the cohort and the member's id if it was added (None if it was in already). The
    meetings that follow are invited by network.usecases.cohorts.add_cohort_member.
    """
    require_manager(principal, "cohortId")
    cohort = await load_cohort(session, principal, cohort_id, "cohortId")
    member = await load_member(session, principal, member_id, "memberId")
    if member.network != cohort.network:
        raise DomainError.one(
            "memberId", "WRONG_NETWORK", "The member belongs to another network than the cohort."
        )
    inserted = await session.execute(
        insert(CohortMember)
        .values(cohort_id=cohort.id, member_id=member.id)
        .on_conflict_do_nothing()
        .returning(CohortMember.member_id)
    )
    if inserted.first() is None:
        return cohort, None
    audit.record(
        session, principal, "cohort.member_added", "Cohort", cohort.id, {"member_id": member.id}
    )
    return cohort, member.id


async def leave_cohort(
    session: AsyncSession,
    principal: Principal,
    *,
    cohort_id: uuid.UUID | None,
    member_id: uuid.UUID | None,
) -> tuple[Cohort, uuid.UUID]:
    """Take a member out of a cohort; its progress records are kept should it come back.

    Returns the cohort and the member's id. The invitations withdrawn after it are
    network.usecases.cohorts.remove_cohort_member's.
    """
    require_manager(principal, "cohortId")
    cohort = await load_cohort(session, principal, cohort_id, "cohortId")
    member = await load_member(session, principal, member_id, "memberId")
    removed = await session.execute(
        delete(CohortMember)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.member_id == member.id)
        .returning(CohortMember.member_id)
    )
    if removed.first() is None:
        raise DomainError.one("memberId", "NOT_IN_COHORT", "This member is not in the cohort.")
    audit.record(
        session, principal, "cohort.member_removed", "Cohort", cohort.id, {"member_id": member.id}
    )
    return cohort, member.id


async def _locked_progress(
    session: AsyncSession, cohort_id: uuid.UUID, member_id: uuid.UUID
) -> dict[StarStep, StepProgress]:
    """The member's progress records in the cohort by step, locked in step order (so two saves
    of the member's steps run one after the other); the member must be in the cohort."""
    in_cohort = await session.execute(
        select(CohortMember.member_id).where(
            CohortMember.cohort_id == cohort_id, CohortMember.member_id == member_id
        )
    )
    if in_cohort.first() is None:
        raise DomainError.one("memberId", "NOT_IN_COHORT", "This member is not in the cohort.")
    records = await session.scalars(
        select(StepProgress)
        .where(StepProgress.cohort_id == cohort_id, StepProgress.member_id == member_id)
        .order_by(STEP_ORDER)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {record.step: record for record in records.all()}


def _check_step_dates(
    errors: Errors,
    status: StepStatus,
    started_on: date | None,
    completed_on: date | None,
    today: date,
) -> None:
    """Dates given fit the status, are not in the future, and are in 2000 or later."""
    if started_on is not None and status is StepStatus.NOT_STARTED:
        errors.add("startedOn", "NOT_STARTED", "A step that has not started has no start date.")
    if started_on is not None and started_on > today:
        errors.add("startedOn", "IN_FUTURE", "A step cannot start in the future.")
    if completed_on is not None and status is not StepStatus.COMPLETED:
        errors.add("completedOn", "NOT_COMPLETED", "Only a completed step has a completion date.")
    if completed_on is not None and completed_on > today:
        errors.add("completedOn", "IN_FUTURE", "A step cannot be completed in the future.")
    for field, day in (("startedOn", started_on), ("completedOn", completed_on)):
        if day is not None and day < EARLIEST_PROGRESS_DATE and not errors.has(field):
            errors.add(field, "TOO_EARLY", "A step date is in 2000 or later.")


STEP_TITLES = {
    StarStep.MAP_IT: "Map It",
    StarStep.FOCUS_IT: "Focus It",
    StarStep.PEOPLE_IT: "People It",
    StarStep.MARKET_IT: "Market It",
    StarStep.GROW_IT: "Grow It",
}


def _order_error(
    records: dict[StarStep, StepProgress], step: StarStep, status: StepStatus
) -> str | None:
    """Why saving `status` on `step` would take the star out of order, if it would.

    A step is not COMPLETED while an earlier one is not started (no record counts as not
    started), and a started step is not set back to NOT_STARTED while a later one is
    COMPLETED. Saving a step again as it is never counts.
    """
    record = records.get(step)
    before = record.status if record is not None else StepStatus.NOT_STARTED
    if status is before:
        return None
    at = STEPS.index(step)
    if status is StepStatus.COMPLETED:
        for earlier in STEPS[:at]:
            held = records.get(earlier)
            if held is None or held.status is StepStatus.NOT_STARTED:
                return f"{STEP_TITLES[earlier]} is not started yet: the star is taken in order."
    if status is StepStatus.NOT_STARTED:
        for later in STEPS[at + 1 :]:
            held = records.get(later)
            if held is not None and held.status is StepStatus.COMPLETED:
                return f"{STEP_TITLES[later]} is completed: the star is taken in order."
    return None


async def record_step_progress(
    session: AsyncSession,
    principal: Principal,
    *,
    cohort_id: uuid.UUID | None,
    member_id: uuid.UUID | None,
    step: StarStep,
    status: StepStatus,
    notes: str | None = None,
    action_plan: str | None = None,
    completed_on: date | None = None,
    started_on: date | None = None,
    override_order: bool = False,
) -> StepProgress:
    """Record how far a member of the cohort has got with one star step (upsert).

    The star is taken in order: a step cannot be COMPLETED while an earlier step is not
    started (EARLIER_STEP_NOT_STARTED), nor set back to NOT_STARTED while a later step is
    COMPLETED (LATER_STEP_COMPLETED), unless staff say `override_order` (partners may not);
    the audit trail records the override. The member's records in the cohort are locked
    before the check, so two saves at once cannot together break the order.
    """
    require_manager(principal, "cohortId")
    cohort = await load_cohort(session, principal, cohort_id, "cohortId")
    member = await load_member(session, principal, member_id, "memberId")
    records = await _locked_progress(session, cohort.id, member.id)
    record = records.get(step)
    errors = Errors()
    if override_order and not principal.sees_everything:
        errors.add("overrideOrder", "FORBIDDEN", "Only network staff may take steps out of order.")
    elif not override_order and (problem := _order_error(records, step, status)) is not None:
        code = (
            "EARLIER_STEP_NOT_STARTED" if status is StepStatus.COMPLETED else "LATER_STEP_COMPLETED"
        )
        errors.add("status", code, problem)
    today = utcnow().date()
    _check_step_dates(errors, status, started_on, completed_on, today)
    clean_notes = clean_paragraphs(errors, "notes", notes, max_length=MAX_PROGRESS_TEXT)
    clean_plan = clean_paragraphs(errors, "actionPlan", action_plan, max_length=MAX_PROGRESS_TEXT)
    new_start: date | None = None
    new_end: date | None = None
    if status is not StepStatus.NOT_STARTED:
        if status is StepStatus.COMPLETED:
            new_end = completed_on or (record.completed_on if record else None) or today
        # A step completed on a past date started no later than that date.
        new_start = started_on or (record.started_on if record else None) or new_end or today
        if new_end is not None and new_start > new_end and not errors.items:
            errors.add(
                "completedOn", "BEFORE_START", "A step cannot be completed before it started."
            )
    errors.raise_if_any()
    if record is None:
        record = StepProgress(
            cohort_id=cohort.id, member_id=member.id, step=step, status=StepStatus.NOT_STARTED
        )
        session.add(record)
    before = record.status
    record.status = status
    record.started_on = new_start
    record.completed_on = new_end
    # Text given (even blank, which clears it) replaces the old; text not given keeps it.
    if notes is not None:
        record.notes = clean_notes
    if action_plan is not None:
        record.action_plan = clean_plan
    record.updated_by_user_id = principal.user_id
    await session.flush()
    audit.record(
        session,
        principal,
        "progress.recorded",
        "Cohort",
        cohort.id,
        {
            "member_id": member.id,
            "step": step,
            "from": before,
            "to": status,
            "completed_on": record.completed_on,
            **({"override": True} if override_order else {}),
        },
    )
    return record


async def count_members(
    session: AsyncSession, principal: Principal, cohort_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """How many members each cohort has, of those the principal may see."""
    statement = (
        select(CohortMember.cohort_id, func.count())
        .where(
            CohortMember.cohort_id.in_(cohort_ids),
            cohort_condition(principal, CohortMember.cohort_id),
            member_condition(principal, CohortMember.member_id),
        )
        .group_by(CohortMember.cohort_id)
    )
    return dict((await session.execute(statement)).all())


async def get_progress(
    session: AsyncSession, principal: Principal, progress_id: uuid.UUID
) -> Row[Any] | None:
    """One progress record of a visible cohort and a visible member, or None."""
    statement = select(*progress).where(
        progress.id == progress_id,
        cohort_condition(principal, progress.cohort_id),
        member_condition(principal, progress.member_id),
    )
    return (await session.execute(statement)).first()
