"""Members joining and leaving cohorts, with the meeting invitations that follow them."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.meetings import membership
from network.programme import service as programme
from network.programme.models import Cohort


async def add_cohort_member(
    session: AsyncSession,
    principal: Principal,
    *,
    cohort_id: uuid.UUID | None,
    member_id: uuid.UUID | None,
) -> Cohort:
    """Put a visible member into a visible cohort and invite it to the cohort's upcoming meetings.

    A member already in the cohort is left as it is (and is not invited again).
    """
    cohort, added = await programme.join_cohort(
        session, principal, cohort_id=cohort_id, member_id=member_id
    )
    if added is not None:
        await membership.invite_to_upcoming_meetings(
            session, principal, cohort_id=cohort.id, member_id=added
        )
    return cohort


async def remove_cohort_member(
    session: AsyncSession,
    principal: Principal,
    *,
    cohort_id: uuid.UUID | None,
    member_id: uuid.UUID | None,
) -> Cohort:
    """Take a member out of a cohort and withdraw its contacts from the cohort's upcoming meetings.

    Each withdrawn invitee gets a calendar cancellation; meetings already held and their
    answers stay as they were; the member's progress records are kept should it come back.
    """
    cohort, removed = await programme.leave_cohort(
        session, principal, cohort_id=cohort_id, member_id=member_id
    )
    await membership.withdraw_from_upcoming_meetings(
        session, principal, cohort_id=cohort.id, member_id=removed
    )
    return cohort
