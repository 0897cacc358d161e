"""The glossary's enumerations, shared by models, services and faces."""

from __future__ import annotations

import enum

# The kinds of email a contact may opt out of (Contact.email_opt_outs, OutboxMessage.kind).
EMAIL_KINDS = ("programme", "training", "newsletter")


class Network(enum.StrEnum):
    """The two member networks."""

    CITIZEN_POWERED_COUNCIL = "CITIZEN_POWERED_COUNCIL"
    CITIZEN_POWERED_CITY = "CITIZEN_POWERED_CITY"


class MembershipStatus(enum.StrEnum):
    """Where a member organisation stands with its network."""

    PROSPECT = "PROSPECT"
    ACTIVE = "ACTIVE"
    LAPSED = "LAPSED"


class StarStep(enum.StrEnum):
    """The five steps of the Co-Production Star, in order."""

    MAP_IT = "MAP_IT"
    FOCUS_IT = "FOCUS_IT"
    PEOPLE_IT = "PEOPLE_IT"
    MARKET_IT = "MARKET_IT"
    GROW_IT = "GROW_IT"


class StepStatus(enum.StrEnum):
    """How far a member of a cohort has got with one star step."""

    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


class Role(enum.StrEnum):
    """What kind of user a login belongs to."""

    STAFF = "STAFF"
    PARTNER = "PARTNER"
    MEMBER = "MEMBER"


class FourCo(enum.StrEnum):
    """The Four Co's: the ways a member practises co-production."""

    CO_COMMISSIONING = "CO_COMMISSIONING"
    CO_DESIGN = "CO_DESIGN"
    CO_DELIVERY = "CO_DELIVERY"
    CO_ASSESSMENT = "CO_ASSESSMENT"


class MeetingStatus(enum.StrEnum):
    """Whether a network meeting is still going ahead."""

    SCHEDULED = "SCHEDULED"
    CANCELLED = "CANCELLED"


class RsvpResponse(enum.StrEnum):
    """An invitee's answer to a network meeting invitation."""

    YES = "YES"
    NO = "NO"
    MAYBE = "MAYBE"
