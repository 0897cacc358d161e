"""The GraphQL types of the consent ledger: a purpose's current state and one ledger entry."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.relay import Connection, list_connection
from network.auth.principal import Principal
from network.consent import service as consent
from network.kit.enums import ConsentChannel, ConsentPurpose

strawberry.enum(
    ConsentPurpose,
    description="What a person may agree to be written to about (each is one opt-out kind).",
)
strawberry.enum(ConsentChannel, description="How a person gave or withdrew consent.")
strawberry.enum(
    consent.Recorder,
    name="ConsentRecorder",
    description=(
        "Who recorded a consent entry, as a kind: PERSON (the person themselves), STAFF, "
        "PARTNER, or SYSTEM (an unsubscribe link, the migration, or an account since deleted)."
    ),
)


@strawberry.type(
    description=(
        "A purpose's current consent, derived from the ledger: its latest entry, or given "
        "(legitimate interest, with an opt-out) when nothing was ever recorded."
    )
)
class ConsentState:
    purpose: ConsentPurpose
    given: bool
    since: datetime | None = strawberry.field(
        description="When the latest entry was recorded; null when none ever was."
    )
    wording_version: str | None = strawberry.field(
        description="The version of the words agreed to or withdrawn (network/consent/wording.py)."
    )
    channel: ConsentChannel | None

    @classmethod
    def from_state(cls, state: consent.ConsentState) -> ConsentState:
        """Build from the service's state."""
        return cls(
            purpose=state.purpose,
            given=state.given,
            since=state.since,
            wording_version=state.wording_version,
            channel=state.channel,
        )


@strawberry.type(description="One entry of the consent ledger (entries are never changed).")
class ConsentEvent:
    purpose: ConsentPurpose
    given: bool = strawberry.field(description="true: consent given; false: withdrawn.")
    wording_version: str
    channel: ConsentChannel
    recorded_at: datetime
    recorded_by: consent.Recorder = strawberry.field(
        description="Who recorded it, as a kind (never which user, except to staff)."
    )
    recorded_by_email: str | None = strawberry.field(
        description=(
            "The address of the user who recorded it: for staff only (null for anyone else, "
            "and for the system or a deleted account)."
        )
    )

    @classmethod
    def from_row(cls, row: Any) -> ConsentEvent:
        """Build from a ledger row (consent.consent_ledger)."""
        return cls(
            purpose=ConsentPurpose(row.purpose),
            given=row.given,
            wording_version=row.wording_version,
            channel=ConsentChannel(row.channel),
            recorded_at=row.recorded_at,
            recorded_by=consent.Recorder(row.recorded_by),
            recorded_by_email=row.recorded_by_email,
        )

    @classmethod
    def recorded_now(cls, event: Any, principal: Principal) -> ConsentEvent:
        """Build from a ConsentEvent entity the principal has just recorded."""
        return cls(
            purpose=ConsentPurpose(event.purpose),
            given=event.given,
            wording_version=event.wording_version,
            channel=ConsentChannel(event.channel),
            recorded_at=event.recorded_at,
            recorded_by=consent.recorder_of(principal),
            recorded_by_email=principal.email if principal.sees_everything else None,
        )


async def contact_consents(info: AnyInfo, contact_id: uuid.UUID) -> list[ConsentState]:
    """A contact's current consent per purpose, batched over the contacts of a list."""
    states = await info.context.loaders.contact_consents.load(contact_id)
    return [ConsentState.from_state(s) for s in states]


async def contact_ledger(
    info: AnyInfo, contact_id: uuid.UUID, first: int | None, after: str | None
) -> Connection[ConsentEvent]:
    """A page of a contact's consent ledger, newest first."""
    principal = info.context.require_principal()
    return await list_connection(
        consent.consent_ledger(
            info.context.session, principal, contact_id, first=first, after=after
        ),
        ConsentEvent.from_row,
    )
