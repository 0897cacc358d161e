"""Members' co-production initiatives, tagged with the Four Co's."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.policy import require_manager
from network.auth.principal import Principal
from network.auth.scope import member_condition
from network.initiatives.models import Initiative
from network.kit.enums import FourCo, StarStep
from network.kit.errors import Errors, NotFound
from network.kit.loading import rows_by_id
from network.kit.pagination import Page, keyset_page
from network.kit.sentinel import UNSET
from network.kit.validation import clean_text
from network.members.service import load_member
from network.programme.service import get_cohorts

initiatives = Initiative.__table__.c
MAX_DESCRIPTION = 20000


@dataclass(slots=True)
class InitiativeQuery:
    """Filters for listing initiatives; None means "any"."""

    member_id: uuid.UUID | None = None
    cohort_id: uuid.UUID | None = None
    four_co: FourCo | None = None


def readable(principal: Principal) -> Select[Any]:
    """The initiatives the principal may see: those of the members it may see."""
    return select(*initiatives).where(member_condition(principal, initiatives.member_id))


async def list_initiatives(
    session: AsyncSession,
    principal: Principal,
    query: InitiativeQuery,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """A page of visible initiatives ordered by title."""
    statement = readable(principal)
    if query.member_id is not None:
        statement = statement.where(initiatives.member_id == query.member_id)
    if query.cohort_id is not None:
        statement = statement.where(initiatives.cohort_id == query.cohort_id)
    if query.four_co is not None:
        statement = statement.where(initiatives.four_cos.contains([query.four_co.value]))
    return await keyset_page(
        session, statement, [initiatives.title, initiatives.id], first=first, after=after
    )


async def get_initiatives(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Row[Any]]:
    """Visible initiatives by id (missing or hidden ones are absent)."""
    return await rows_by_id(session, readable(principal), ids)


def _clean_four_cos(values: Sequence[FourCo]) -> list[str]:
    order = list(FourCo)
    return [co.value for co in sorted(set(values), key=order.index)]


async def create_initiative(
    session: AsyncSession,
    principal: Principal,
    *,
    member_id: uuid.UUID | None,
    title: str | None,
    four_cos: Sequence[FourCo] = (),
    description: str | None = None,
    cohort_id: uuid.UUID | None = None,
    star_step: StarStep | None = None,
) -> Initiative:
    """Record an initiative of a visible member, tagged with any of the Four Co's."""
    require_manager(principal, "memberId")
    member = await load_member(session, principal, member_id, "memberId")
    errors = Errors()
    clean_title = clean_text(errors, "title", title)
    if description is not None and len(description) > MAX_DESCRIPTION:
        errors.add("description", "TOO_LONG", f"At most {MAX_DESCRIPTION:,} characters.")
    if cohort_id is not None and cohort_id not in await get_cohorts(
        session, principal, [cohort_id]
    ):
        errors.add("cohortId", "NOT_FOUND", "No cohort with this id.")
    errors.raise_if_any()
    assert clean_title is not None
    initiative = Initiative(
        member_id=member.id,
        cohort_id=cohort_id,
        title=clean_title,
        description=description,
        star_step=star_step,
        four_cos=_clean_four_cos(four_cos),
    )
    session.add(initiative)
    await session.flush()
    audit.record(
        session,
        principal,
        "initiative.created",
        "Initiative",
        initiative.id,
        {"member_id": member.id, "title": clean_title, "four_cos": initiative.four_cos},
    )
    return initiative


async def update_initiative(
    session: AsyncSession,
    principal: Principal,
    initiative_id: uuid.UUID | None,
    *,
    title: Any = UNSET,
    description: Any = UNSET,
    four_cos: Any = UNSET,
    star_step: Any = UNSET,
) -> Initiative:
    """Change a visible initiative, its Four Co's tags included; fields left UNSET are kept."""
    require_manager(principal, "id")
    initiative = (
        await session.scalars(
            select(Initiative)
            .where(
                Initiative.id == initiative_id,
                member_condition(principal, Initiative.member_id),
            )
            .with_for_update()
        )
    ).one_or_none()
    if initiative is None:
        raise NotFound("id", "initiative")
    errors = Errors()
    changes: dict[str, Any] = {}
    if title is not UNSET:
        changes["title"] = clean_text(errors, "title", title)
    if description is not UNSET:
        if description is not None and len(description) > MAX_DESCRIPTION:
            errors.add("description", "TOO_LONG", f"At most {MAX_DESCRIPTION:,} characters.")
        changes["description"] = description
    if four_cos is not UNSET:
        changes["four_cos"] = _clean_four_cos(four_cos or [])
    if star_step is not UNSET:
        changes["star_step"] = star_step
    errors.raise_if_any()
    await audit.apply_and_record(
        session,
        principal,
        initiative,
        changes,
        action="initiative.updated",
        entity_type="Initiative",
    )
    return initiative
