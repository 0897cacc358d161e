"""Member organisations: councils, cities, partnerships, police, associations."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CHAR, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, created_at_column, updated_at_column, uuid_pk
from network.kit.columns import enum_column_type
from network.kit.enums import MembershipStatus, Network


class Member(Base):
    """A member organisation of one network, optionally assigned to a regional partner."""

    __tablename__ = "members"
    __table_args__ = (
        Index(
            "ix_members_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ),
        Index("ix_members_sort", "name", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(String(200))
    network: Mapped[Network] = mapped_column(enum_column_type(Network), index=True)
    country: Mapped[str] = mapped_column(CHAR(2), index=True)
    region: Mapped[str | None] = mapped_column(String(200))
    membership_status: Mapped[MembershipStatus] = mapped_column(
        enum_column_type(MembershipStatus), default=MembershipStatus.PROSPECT
    )
    partner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("partners.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
