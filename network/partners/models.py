"""Regional partners: organisations that run their own cohorts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from network.db import Base, created_at_column, updated_at_column, uuid_pk


class Partner(Base):
    """A regional partner (for example in Wales or in France)."""

    __tablename__ = "partners"

    id: Mapped[uuid.UUID] = uuid_pk()
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)), default=list)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
