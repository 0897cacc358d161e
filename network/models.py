"""Imports every model so that metadata is complete (for Alembic and the tests)."""

from network.audit.models import AuditEvent
from network.auth.models import ApiToken, User
from network.contacts.models import Contact
from network.db import Base
from network.members.models import Member
from network.partners.models import Partner
from network.programme.models import Cohort, CohortMember, StepProgress

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "Cohort",
    "CohortMember",
    "Contact",
    "Member",
    "Partner",
    "StepProgress",
    "User",
]
