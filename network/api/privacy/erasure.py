"""`erasePerson`: staff anonymise a contact in place, for good (network/privacy/erasure.py)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.ids import input_id
from network.api.core.mutations import UserError, run_mutation
from network.privacy.erasure import erase_person


@strawberry.input(description="Whom to erase, and why (the reason is kept in the audit trail).")
class ErasePersonInput:
    contact_id: strawberry.ID
    reason: str = strawberry.field(
        description="Why, e.g. the person's request of a given date; 1 to 500 characters, "
        "without the person's name (it is cut out)."
    )


@strawberry.type
class ErasePersonPayload:
    erased_at: datetime | None = strawberry.field(
        description="When the contact was erased (the first time, if it already was)."
    )
    user_errors: list[UserError]


@strawberry.type
class ErasureMutation:
    @strawberry.mutation(
        description=(
            "Anonymise a contact in place, for good (staff): names, addresses and free text "
            "about them are erased, sign-in ends and nothing is sent to them again; counts, "
            "CPD hours and certificate verification (name withheld) stay. Erasing an erased "
            "contact changes nothing."
        )
    )
    async def erase_person(self, info: AnyInfo, input: ErasePersonInput) -> ErasePersonPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: erase_person(s, p, input_id(input.contact_id, "Contact"), input.reason),
            input=input,
        )
        return ErasePersonPayload(
            erased_at=result.erased_at if result is not None else None, user_errors=errors
        )
