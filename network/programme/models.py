"""Cohorts going through the Co-Production Star, and each member's progress per step."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, created_at_column, updated_at_column, uuid_pk
from network.kit.columns import enum_column_type
from network.kit.enums import Network, StarStep, StepStatus
from network.kit.pii import (
    ROW_WRITTEN,
    WITH_HISTORY,
    Category,
    Erase,
    not_personal,
    personal,
)

_NOTES = "the member's progress through the star (free text may name its people)"


class Cohort(Base):
    """Members going through the star together, run by a partner or by staff."""

    __tablename__ = "cohorts"

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(String(200))
    network: Mapped[Network] = mapped_column(enum_column_type(Network))
    partner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("partners.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class CohortMember(Base):
    """A member's place in a cohort."""

    __tablename__ = "cohort_members"

    cohort_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = created_at_column()


class StepProgress(Base):
    """How far one member of a cohort has got with one star step; kept if the member leaves."""

    __tablename__ = "step_progress"
    __table_args__ = (UniqueConstraint("cohort_id", "member_id", "step"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[StarStep] = mapped_column(enum_column_type(StarStep))
    status: Mapped[StepStatus] = mapped_column(enum_column_type(StepStatus))
    started_on: Mapped[date | None] = mapped_column(info=not_personal("the member's dates"))
    completed_on: Mapped[date | None] = mapped_column(info=not_personal("the member's dates"))
    notes: Mapped[str | None] = mapped_column(
        Text, info=personal(Category.PROGRAMME, _NOTES, WITH_HISTORY, Erase.SCRUB)
    )
    action_plan: Mapped[str | None] = mapped_column(
        Text, info=personal(Category.PROGRAMME, _NOTES, WITH_HISTORY, Erase.SCRUB)
    )
    updated_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column(not_personal(ROW_WRITTEN))
    updated_at: Mapped[datetime] = updated_at_column(not_personal(ROW_WRITTEN))
