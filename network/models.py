"""Imports every model so that metadata is complete (for Alembic and the tests)."""

from network.audit.models import AuditEvent
from network.auth.models import ApiToken, LoginLink, PortalSignIn, User
from network.certificates.models import Certificate, CertificateCounter
from network.consent.models import ConsentEvent
from network.contacts.models import Contact
from network.db import Base
from network.feeds.models import CalendarFeed
from network.initiatives.models import Initiative
from network.meetings.models import MeetingInvitation, MeetingReminder, NetworkMeeting
from network.members.models import Member
from network.messaging.models import OutboxAttachment, OutboxMessage, OutboxReceipt
from network.partners.models import Partner
from network.privacy.models import (
    PersonalDataExport,
    RetentionRule,
    SuppressedAddress,
)
from network.programme.models import Cohort, CohortMember, StepProgress
from network.training.models import Booking, Course, TrainingSession

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "Booking",
    "CalendarFeed",
    "Certificate",
    "CertificateCounter",
    "Cohort",
    "CohortMember",
    "ConsentEvent",
    "Contact",
    "Course",
    "Initiative",
    "LoginLink",
    "MeetingInvitation",
    "MeetingReminder",
    "Member",
    "NetworkMeeting",
    "OutboxAttachment",
    "OutboxMessage",
    "OutboxReceipt",
    "Partner",
    "PersonalDataExport",
    "PortalSignIn",
    "RetentionRule",
    "StepProgress",
    "SuppressedAddress",
    "TrainingSession",
    "User",
]
