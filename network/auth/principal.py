"""Who is asking: every service call receives one of these."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass


class PrincipalKind(enum.StrEnum):
    """The kinds of caller a service distinguishes."""

    STAFF = "STAFF"
    PARTNER = "PARTNER"
    MEMBER = "MEMBER"
    SYSTEM = "SYSTEM"
    ANONYMOUS = "ANONYMOUS"


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of an operation, with what it is tied to (a partner, a contact)."""

    kind: PrincipalKind
    user_id: uuid.UUID | None = None
    email: str | None = None
    partner_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None

    @property
    def sees_everything(self) -> bool:
        """Staff and the system itself are not scoped."""
        return self.kind in (PrincipalKind.STAFF, PrincipalKind.SYSTEM)

    @property
    def is_authenticated(self) -> bool:
        """Anyone but the anonymous caller."""
        return self.kind is not PrincipalKind.ANONYMOUS


ANONYMOUS = Principal(PrincipalKind.ANONYMOUS)
SYSTEM = Principal(PrincipalKind.SYSTEM)
