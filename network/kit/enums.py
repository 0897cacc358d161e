"""The glossary's enumerations, shared by models, services and faces."""

from __future__ import annotations

import enum

# The kinds of email a contact may opt out of (Contact.email_opt_outs, OutboxMessage.kind).
EMAIL_KINDS = ("programme", "training", "newsletter")


class ConsentPurpose(enum.StrEnum):
    """What a person may agree to be written to about (the consent ledger's purposes).

    Each is one opt-out kind of email (EMAIL_KINDS): `Contact.email_opt_outs` holds the kinds
    whose purpose the person has currently withdrawn, derived from the ledger."""

    NETWORK_NEWS = "NETWORK_NEWS"
    MEETING_INVITATIONS = "MEETING_INVITATIONS"
    TRAINING_OFFERS = "TRAINING_OFFERS"

    @property
    def kind(self) -> str:
        """The opt-out kind of email (OutboxMessage.kind) this purpose covers."""
        return _PURPOSE_KINDS[self]

    @classmethod
    def of_kind(cls, kind: str) -> ConsentPurpose:
        """The purpose that covers an opt-out kind of email."""
        return next(purpose for purpose, k in _PURPOSE_KINDS.items() if k == kind)


_PURPOSE_KINDS = {
    ConsentPurpose.NETWORK_NEWS: "newsletter",
    ConsentPurpose.MEETING_INVITATIONS: "programme",
    ConsentPurpose.TRAINING_OFFERS: "training",
}
TRANSACTIONAL = "TRANSACTIONAL"  # the purpose of an email that needs no consent


class ConsentChannel(enum.StrEnum):
    """How a person gave or withdrew consent."""

    FORM = "FORM"  # a form the person filled in (the portal)
    EMAIL_LINK = "EMAIL_LINK"  # an unsubscribe link or List-Unsubscribe in an email
    PHONE = "PHONE"  # told a liaison manager or partner on the phone
    EMAIL = "EMAIL"  # wrote to us
    IN_PERSON = "IN_PERSON"  # told us at an event
    IMPORT = "IMPORT"  # came with an imported list
    MIGRATION = "MIGRATION"  # carried over from the opt-outs kept before the ledger


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
