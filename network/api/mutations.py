"""The Mutation root: one `input` argument each, a payload with `userErrors`.

A payload with user errors changed nothing: the mutation's transaction is rolled back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeVar

import strawberry
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.utils.str_converters import to_camel_case

from network.api.enums import MembershipStatus, Network, StarStep, StepStatus
from network.api.relay import decode_id
from network.api.types import AnyInfo, Cohort, Contact, Member, Partner, StepProgress, UserError
from network.auth.principal import Principal
from network.contacts import service as contacts
from network.db import unit_of_work
from network.kit.errors import DomainError, duplicate_error
from network.kit.sentinel import UNSET
from network.members import service as members
from network.partners import service as partners
from network.programme import service as programme
from network.usecases import cohorts as cohort_cases
from network.usecases import contacts as contact_cases

T = TypeVar("T")


def unstorable_text(value: Any, path: str = "") -> list[UserError]:
    """A user error for each string in an input that PostgreSQL cannot store (a NUL character)."""
    if isinstance(value, str):
        if "\x00" not in value:
            return []
        return [
            UserError(
                field=path,
                code="INVALID_CHARACTER",
                message="Text must not contain NUL (U+0000) characters.",
            )
        ]
    if isinstance(value, list | tuple):
        return [e for i, item in enumerate(value) for e in unstorable_text(item, f"{path}[{i}]")]
    definition = getattr(value, "__strawberry_definition__", None)
    if definition is None:
        return []
    errors: list[UserError] = []
    for field in definition.fields:
        name = field.graphql_name or to_camel_case(field.python_name)
        inner = getattr(value, field.python_name, None)
        errors.extend(unstorable_text(inner, f"{path}.{name}" if path else name))
    return errors


async def run_mutation(
    info: AnyInfo,
    action: Callable[[AsyncSession, Principal], Awaitable[T]],
    input: object = None,
) -> tuple[T | None, list[UserError]]:
    """Run one service operation as one transaction; domain errors become userErrors.

    `input`, when given, is first checked for text the database cannot store.
    """
    context = info.context
    principal = context.require_principal()
    session = context.session
    if problems := unstorable_text(input):
        return None, problems
    try:
        async with unit_of_work(session, after_commit=context.flush_jobs):
            try:
                result = await action(session, principal)
            except IntegrityError as error:
                # A unique key another request claimed between our check and our write.
                cause = getattr(error.orig, "__cause__", None)
                duplicate = duplicate_error(getattr(cause, "constraint_name", None))
                if duplicate is None:
                    raise
                raise duplicate from error
            context.reset_loaders()
    except DomainError as error:
        return None, [
            UserError(field=e.field, code=e.code, message=e.message) for e in error.errors
        ]
    # The payload's fields are resolved by DataLoaders running concurrently; after the commit
    # the session holds no connection, and two of them must not provision one at once.
    await session.connection()
    return result, []


def given(value: Any) -> Any:
    """Map strawberry's UNSET (field omitted) to the services' UNSET."""
    return UNSET if value is strawberry.UNSET else value


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
class CreatePartnerInput:
    slug: str
    name: str
    countries: list[str] = strawberry.field(description="ISO 3166-1 alpha-2 codes.")


@strawberry.type
class CreatePartnerPayload:
    partner: Partner | None
    user_errors: list[UserError]


@strawberry.input
class CreateMemberInput:
    name: str
    network: Network
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 code, e.g. GB, FR.")
    partner_slug: str | None = None
    region: str | None = None
    membership_status: MembershipStatus | None = None


@strawberry.input
class UpdateMemberInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    network: Network | None = strawberry.UNSET
    country: str | None = strawberry.UNSET
    partner_slug: str | None = strawberry.UNSET
    region: str | None = strawberry.UNSET
    membership_status: MembershipStatus | None = strawberry.UNSET


@strawberry.type
class MemberPayload:
    member: Member | None
    user_errors: list[UserError]


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


@strawberry.input
class CreateCohortInput:
    name: str
    network: Network
    partner_slug: str | None = None


@strawberry.input
class CohortMemberInput:
    cohort_id: strawberry.ID
    member_id: strawberry.ID


@strawberry.type
class CohortPayload:
    cohort: Cohort | None
    user_errors: list[UserError]


@strawberry.input
class RecordStepProgressInput:
    cohort_id: strawberry.ID
    member_id: strawberry.ID
    step: StarStep
    status: StepStatus
    notes: str | None = None
    action_plan: str | None = None
    started_on: date | None = None
    completed_on: date | None = strawberry.field(
        default=None, description="Defaults to today when the status is COMPLETED."
    )


@strawberry.type
class RecordStepProgressPayload:
    progress: StepProgress | None
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


@strawberry.type
class CrmMutation:
    @strawberry.mutation(description="Create a regional partner (staff only).")
    async def create_partner(
        self, info: AnyInfo, input: CreatePartnerInput
    ) -> CreatePartnerPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: partners.create_partner(
                s, p, slug=input.slug, name=input.name, countries=input.countries
            ),
            input=input,
        )
        return CreatePartnerPayload(
            partner=Partner.from_row(result) if result else None, user_errors=errors
        )

    @strawberry.mutation(description="Create a member organisation.")
    async def create_member(self, info: AnyInfo, input: CreateMemberInput) -> MemberPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: members.create_member(
                s,
                p,
                name=input.name,
                network=input.network,
                country=input.country,
                partner_slug=input.partner_slug,
                region=input.region,
                membership_status=input.membership_status,
            ),
            input=input,
        )
        return MemberPayload(member=Member.from_row(result) if result else None, user_errors=errors)

    @strawberry.mutation(description="Change a member organisation; omitted fields are kept.")
    async def update_member(self, info: AnyInfo, input: UpdateMemberInput) -> MemberPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: members.update_member(
                s,
                p,
                decode_id(input.id, "Member"),
                name=given(input.name),
                network=given(input.network),
                country=given(input.country),
                partner_slug=given(input.partner_slug),
                region=given(input.region),
                membership_status=given(input.membership_status),
            ),
            input=input,
        )
        return MemberPayload(member=Member.from_row(result) if result else None, user_errors=errors)

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
                s, p, member_id=decode_id(input.member_id, "Member"), **changes
            ),
            input=input,
        )
        return ContactPayload(
            contact=Contact.from_row(result) if result else None, user_errors=errors
        )

    @strawberry.mutation(description="Change a contact; omitted fields are kept.")
    async def update_contact(self, info: AnyInfo, input: UpdateContactInput) -> ContactPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: contacts.update_contact(
                s, p, decode_id(input.id, "Contact"), **_contact_changes(input)
            ),
            input=input,
        )
        return ContactPayload(
            contact=Contact.from_row(result) if result else None, user_errors=errors
        )

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
                s, p, decode_id(input.id, "Contact"), archived=input.archived
            ),
            input=input,
        )
        return ContactPayload(
            contact=Contact.from_row(result) if result else None, user_errors=errors
        )

    @strawberry.mutation(description="Create a cohort, run by a partner or by staff.")
    async def create_cohort(self, info: AnyInfo, input: CreateCohortInput) -> CohortPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: programme.create_cohort(
                s, p, name=input.name, network=input.network, partner_slug=input.partner_slug
            ),
            input=input,
        )
        return CohortPayload(cohort=Cohort.from_row(result) if result else None, user_errors=errors)

    @strawberry.mutation(description="Put a member into a cohort.")
    async def add_cohort_member(self, info: AnyInfo, input: CohortMemberInput) -> CohortPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: cohort_cases.add_cohort_member(
                s,
                p,
                cohort_id=decode_id(input.cohort_id, "Cohort"),
                member_id=decode_id(input.member_id, "Member"),
            ),
            input=input,
        )
        return CohortPayload(cohort=Cohort.from_row(result) if result else None, user_errors=errors)

    @strawberry.mutation(
        description=(
            "Take a member out of a cohort (its progress is kept); its contacts' invitations "
            "to the cohort's upcoming meetings are withdrawn with a cancellation."
        )
    )
    async def remove_cohort_member(self, info: AnyInfo, input: CohortMemberInput) -> CohortPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: cohort_cases.remove_cohort_member(
                s,
                p,
                cohort_id=decode_id(input.cohort_id, "Cohort"),
                member_id=decode_id(input.member_id, "Member"),
            ),
            input=input,
        )
        return CohortPayload(cohort=Cohort.from_row(result) if result else None, user_errors=errors)

    @strawberry.mutation(description="Record a cohort member's progress with one star step.")
    async def record_step_progress(
        self, info: AnyInfo, input: RecordStepProgressInput
    ) -> RecordStepProgressPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: programme.record_step_progress(
                s,
                p,
                cohort_id=decode_id(input.cohort_id, "Cohort"),
                member_id=decode_id(input.member_id, "Member"),
                step=input.step,
                status=input.status,
                notes=input.notes,
                action_plan=input.action_plan,
                started_on=input.started_on,
                completed_on=input.completed_on,
            ),
            input=input,
        )
        return RecordStepProgressPayload(
            progress=StepProgress.from_row(result) if result else None, user_errors=errors
        )
