"""Recording consent given or withdrawn (staff, a partner for its contacts, a member contact
for themselves)."""

from __future__ import annotations

import strawberry

from network.api.consent.types import ConsentEvent
from network.api.contacts.types import Contact
from network.api.core.context import AnyInfo
from network.api.core.ids import input_id
from network.api.core.mutations import UserError, run_mutation
from network.consent import service as consent
from network.kit.enums import ConsentChannel, ConsentPurpose


@strawberry.input
class RecordConsentInput:
    contact_id: strawberry.ID
    purpose: ConsentPurpose
    given: bool = strawberry.field(description="true: consent given; false: withdrawn.")
    channel: ConsentChannel = strawberry.field(
        description=(
            "How the person told us: FORM, PHONE, EMAIL, IN_PERSON or IMPORT (EMAIL_LINK is "
            "the unsubscribe link's own; a member contact records its own with FORM)."
        )
    )
    wording_version: str | None = strawberry.field(
        default=None, description="The words agreed to; the current version when omitted."
    )


@strawberry.type
class RecordConsentPayload:
    contact: Contact | None
    event: ConsentEvent | None = strawberry.field(
        description="The ledger entry appended; null when the consent was already in that state."
    )
    user_errors: list[UserError]


@strawberry.type
class ConsentMutation:
    @strawberry.mutation(
        description=(
            "Append consent given or withdrawn for one purpose to a contact's ledger; the "
            "contact's emailOptOuts follow. Recording the current state again appends nothing."
        )
    )
    async def record_consent(
        self, info: AnyInfo, input: RecordConsentInput
    ) -> RecordConsentPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: consent.record_consent(
                s,
                p,
                input_id(input.contact_id, "Contact"),
                input.purpose,
                input.given,
                input.channel,
                input.wording_version,
            ),
            input=input,
        )
        if result is None:
            return RecordConsentPayload(contact=None, event=None, user_errors=errors)
        principal = info.context.require_principal()
        event = ConsentEvent.recorded_now(result.event, principal) if result.event else None
        return RecordConsentPayload(
            contact=Contact.from_row(result.contact), event=event, user_errors=errors
        )
