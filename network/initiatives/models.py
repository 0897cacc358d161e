"""A member's co-production initiative (or case study), tagged with the Four Co's."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, created_at_column, updated_at_column, uuid_pk
from network.kit.columns import enum_column_type
from network.kit.enums import StarStep
from network.kit.pii import WITH_HISTORY, Category, Erase, personal


class Initiative(Base):
    """Something a member does with citizens; `four_cos` holds FourCo values, sorted."""

    __tablename__ = "initiatives"
    __table_args__ = (
        Index("ix_initiatives_member_sort", "member_id", "title", "id"),
        Index("ix_initiatives_four_cos", "four_cos", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    cohort_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(
        Text,
        info=personal(
            Category.PROGRAMME,
            "a member's case study, shared with the network (free text may name its people)",
            WITH_HISTORY,
            Erase.SCRUB,
        ),
    )
    star_step: Mapped[StarStep | None] = mapped_column(enum_column_type(StarStep))
    four_cos: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), default=list, server_default="{}"
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
