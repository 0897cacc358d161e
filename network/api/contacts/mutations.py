"""Mutations on contacts; creating and archiving one reach its meeting invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from network.api.contacts.types import Contact
from network.api.core.context import AnyInfo
from network.api.core.ids import input_id
from network.api.core.mutations import UserError, given, run_mutation
from network.kit.sentinel import UNSET
from network.usecases import contacts as contact_cases


@strawberry.input
class ConsentInput:
    scope: str | None = strawberry.field(
        default=None, description="What was agreed, e.g. 'programme emails'."
    )
    given_at: datetime | None = None
    method: str | None = strawberry.field(
        default=None, description="How, e.g. 'web form', 'event sign-up'."
    )


@strawberry.input
class CreateContactInput:
    member_id: strawberry.ID
    email: str
    first_name: str
    last_name: str
    job_title: str | None = None
    language: str | None = strawberry.field(default=None, description="en, cy, fr, es or de.")
    consent: ConsentInput | None = None
    email_opt_outs: list[str] | None = strawberry.field(
        default=None, description="Kinds of email not wanted: programme, training, newsletter."
    )


@strawberry.input
class UpdateContactInput:
    id: strawberry.ID
    email: str | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    job_title: str | None = strawberry.UNSET
    language: str | None = strawberry.UNSET
    consent: ConsentInput | None = strawberry.UNSET
    email_opt_outs: list[str] | None = strawberry.UNSET


@strawberry.input
class ArchiveContactInput:
    id: strawberry.ID
    archived: bool = strawberry.field(
        default=True, description="false restores an archived contact."
    )


@strawberry.type
class ContactPayload:
    contact: Contact | None
    user_errors: list[UserError]


def _contact_changes(data: CreateContactInput | UpdateContactInput) -> dict[str, Any]:
    consent = given(data.consent)
    changes: dict[str, Any] = {
        "email": given(data.email),
        "first_name": given(data.first_name),
        "last_name": given(data.last_name),
        "job_title": given(data.job_title),
        "language": given(data.language),
        "email_opt_outs": given(data.email_opt_outs),
    }
    if consent is not UNSET:
        changes.update(
            consent_scope=consent.scope if consent else None,
            consent_given_at=consent.given_at if consent else None,
            consent_method=consent.method if consent else None,
        )
    return changes


def _payload(result: Any, errors: list[UserError]) -> ContactPayload:
    return ContactPayload(contact=Contact.from_row(result) if result else None, user_errors=errors)


@strawberry.type
class ContactsMutation:
    @strawberry.mutation(
        description=(
            "Add a contact to a member organisation; it is invited to the upcoming network "
            "meetings of the member's cohorts and network (unless it opted out)."
        )
    )
    async def create_contact(self, info: AnyInfo, input: CreateContactInput) -> ContactPayload:
        changes = {k: (None if v is UNSET else v) for k, v in _contact_changes(input).items()}
        result, errors = await run_mutation(
            info,
            lambda s, p: contact_cases.create_contact(
                s, p, member_id=input_id(input.member_id, "Member"), **changes
            ),
            input=input,
        )
        return _payload(result, errors)

    @strawberry.mutation(description="Change a contact; omitted fields are kept.")
    async def update_contact(self, info: AnyInfo, input: UpdateContactInput) -> ContactPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: contact_cases.update_contact(
                s, p, input_id(input.id, "Contact"), **_contact_changes(input)
            ),
            input=input,
        )
        return _payload(result, errors)

    @strawberry.mutation(
        description=(
            "Archive a contact (kept, out of lists; its upcoming meeting invitations are "
            "withdrawn), or restore one (invited again)."
        )
    )
    async def archive_contact(self, info: AnyInfo, input: ArchiveContactInput) -> ContactPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: contact_cases.archive_contact(
                s, p, input_id(input.id, "Contact"), archived=input.archived
            ),
            input=input,
        )
        return _payload(result, errors)
