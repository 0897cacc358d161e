"""GraphQL object types, built from Core rows or entities (never holding a session)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Iterable, Sequence
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from network.api.context import Context, InvalidArgumentError
from network.api.enums import MembershipStatus, Network, Role, StarStep, StepStatus
from network.api.loaders import NOT_LOADED, loaded
from network.api.relay import (
    Connection,
    Node,
    connection_from_page,
    connection_from_rows,
    selected_below,
)
from network.contacts import service as contacts_service
from network.kit.errors import DomainError
from network.kit.ids import to_global_id
from network.kit.pagination import MAX_PAGE_SIZE, Page, encode_cursor
from network.programme.service import current_step

AnyInfo = Info[Context, None]


@strawberry.type(description="A regional partner organisation; owns cohorts.")
class Partner(Node):
    slug: str
    name: str
    countries: list[str]
    db_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any) -> Partner:
        """Build from a partners row or entity."""
        return cls(
            id=strawberry.ID(to_global_id("Partner", row.id)),
            db_id=row.id,
            slug=row.slug,
            name=row.name,
            countries=list(row.countries),
        )


@strawberry.type(description="What a contact agreed to be contacted about, when and how.")
class Consent:
    scope: str | None
    given_at: datetime | None
    method: str | None


@strawberry.type(description="A person, usually at a member organisation.")
class Contact(Node):
    email: str
    first_name: str
    last_name: str
    job_title: str | None
    language: str = strawberry.field(description="Preferred language: en, cy, fr, es or de.")
    email_opt_outs: list[str]
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime
    consent: Consent
    db_id: strawberry.Private[uuid.UUID]
    member_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any) -> Contact:
        """Build from a contacts row or entity."""
        return cls(
            id=strawberry.ID(to_global_id("Contact", row.id)),
            db_id=row.id,
            member_id=row.member_id,
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            job_title=row.job_title,
            language=row.language,
            email_opt_outs=list(row.email_opt_outs),
            archived_at=row.archived_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            consent=Consent(
                scope=row.consent_scope, given_at=row.consent_given_at, method=row.consent_method
            ),
        )

    @strawberry.field(description="First and last name.")
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @strawberry.field(description="Whether the contact is archived (kept, but out of lists).")
    def archived(self) -> bool:
        return self.archived_at is not None

    @strawberry.field(description="The member organisation the contact belongs to.")
    async def member(
        self, info: AnyInfo
    ) -> Annotated[Member, strawberry.lazy("network.api.types")] | None:
        row = await info.context.loaders.member.load(self.member_id)
        return Member.from_row(row) if row else None


def _contact_cursor(row: Any) -> str:
    return encode_cursor([row.last_name, row.first_name, row.id])


@strawberry.type(description="A member organisation: a council, city, partnership, ...")
class Member(Node):
    name: str
    network: Network
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code.")
    region: str | None
    membership_status: MembershipStatus
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    partner_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: Any) -> Member:
        """Build from a members row or entity."""
        return cls(
            id=strawberry.ID(to_global_id("Member", row.id)),
            db_id=row.id,
            partner_id=row.partner_id,
            name=row.name,
            network=row.network,
            country=row.country,
            region=row.region,
            membership_status=row.membership_status,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    # The three relations below answer synchronously when their rows are already loaded (see
    # `member_connection`), and fall back to awaiting their DataLoader otherwise; hence the
    # GraphQL type given apart from the Python return type.
    @strawberry.field(
        description="The regional partner the member is assigned to, if any.",
        graphql_type=Partner | None,
    )
    def partner(self, info: AnyInfo) -> Partner | Awaitable[Partner | None] | None:
        if self.partner_id is None:
            return None
        row = loaded(info.context.loaders.partner, self.partner_id)
        if row is NOT_LOADED:
            return _load_partner(info, self.partner_id)
        return Partner.from_row(row) if row else None

    @strawberry.field(
        description="The member's contacts, by last name (first page batched).",
        graphql_type=Connection[Contact],
    )
    def contacts(
        self,
        info: AnyInfo,
        first: int | None = 20,
        after: str | None = None,
        include_archived: bool = False,
    ) -> Connection[Contact] | Awaitable[Connection[Contact]]:
        size = _contacts_page_size(first)
        if after is None:
            found = loaded(info.context.loaders.member_contacts(size, include_archived), self.db_id)
            if found is not NOT_LOADED:
                rows, total = found
                return connection_from_rows(rows, total, size, Contact.from_row, _contact_cursor)
        return _load_contacts(info, self.db_id, size, after, include_archived)

    @strawberry.field(
        description="The cohorts (visible to you) the member belongs to.",
        graphql_type=list[Annotated["Cohort", strawberry.lazy("network.api.types")]],
    )
    def cohorts(self, info: AnyInfo) -> list[Cohort] | Awaitable[list[Cohort]]:
        rows = loaded(info.context.loaders.member_cohorts, self.db_id)
        if rows is NOT_LOADED:
            return _load_cohorts(info, self.db_id)
        return [Cohort.from_row(row) for row in rows]


def _contacts_page_size(first: int | None) -> int:
    size = 20 if first is None else first
    if size < 0 or size > MAX_PAGE_SIZE:
        raise InvalidArgumentError(
            "first", "INVALID_PAGE_SIZE", f"first must be between 0 and {MAX_PAGE_SIZE}."
        )
    return size


async def _load_partner(info: AnyInfo, partner_id: uuid.UUID) -> Partner | None:
    row = await info.context.loaders.partner.load(partner_id)
    return Partner.from_row(row) if row else None


async def _load_contacts(
    info: AnyInfo, member_id: uuid.UUID, size: int, after: str | None, include_archived: bool
) -> Connection[Contact]:
    if after is None:
        rows, total = await info.context.loaders.member_contacts(size, include_archived).load(
            member_id
        )
        return connection_from_rows(rows, total, size, Contact.from_row, _contact_cursor)
    query = contacts_service.ContactQuery(member_id=member_id, include_archived=include_archived)
    try:
        page = await contacts_service.list_contacts(
            info.context.session, info.context.principal, query, first=size, after=after
        )
    except DomainError as error:
        raise InvalidArgumentError(
            error.errors[0].field, error.errors[0].code, error.errors[0].message
        ) from error
    return connection_from_page(page, Contact.from_row)


async def _load_cohorts(info: AnyInfo, member_id: uuid.UUID) -> list[Cohort]:
    rows = await info.context.loaders.member_cohorts.load(member_id)
    return [Cohort.from_row(row) for row in rows]


async def prefetch_members(
    info: AnyInfo, nodes: Sequence[Member], fields: Iterable[SelectedField]
) -> None:
    """Start, one batch per relation, the loads the selected fields of these members need.

    Each batch is the query the field's DataLoader would have sent anyway (same loader, same
    scope), so the statement count does not change; the nodes' fields then resolve without
    awaiting. A failed load is left in its loader, for the field itself to raise.
    """
    loaders = info.context.loaders
    ids = [node.db_id for node in nodes]
    pending: list[Awaitable[Any]] = []
    for field in fields:
        if field.name == "partner":
            partner_ids = {node.partner_id for node in nodes if node.partner_id is not None}
            pending.append(loaders.partner.load_many(partner_ids))
        elif field.name == "cohorts":
            pending.append(loaders.member_cohorts.load_many(ids))
        elif field.name == "contacts" and field.arguments.get("after") is None:
            # Arguments come as the query wrote them: a literal Int as its text (validated
            # already), a variable as its value; the resolver then asks for the same key.
            first = field.arguments.get("first", 20)
            size = 20 if first is None else int(first)
            include_archived = field.arguments.get("includeArchived", False) is True
            if 0 <= size <= MAX_PAGE_SIZE:
                loader = loaders.member_contacts(size, include_archived)
                pending.append(loader.load_many(ids))
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)


async def member_connection(info: AnyInfo, page: Page) -> Connection[Member]:
    """A page of members whose relations, as far as the query selects them, are loaded."""
    connection = connection_from_page(page, Member.from_row)
    nodes = [edge.node for edge in connection.edges]
    await prefetch_members(info, nodes, selected_below(info, "edges", "node"))
    return connection


@strawberry.type(description="How far one member of a cohort has got with one star step.")
class StepProgress(Node):
    step: StarStep
    status: StepStatus
    started_on: date | None
    completed_on: date | None
    notes: str | None
    action_plan: str | None
    updated_at: datetime
    member_id: strawberry.Private[uuid.UUID]
    cohort_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any) -> StepProgress:
        """Build from a step_progress row or entity."""
        return cls(
            id=strawberry.ID(to_global_id("StepProgress", row.id)),
            member_id=row.member_id,
            cohort_id=row.cohort_id,
            step=row.step,
            status=row.status,
            started_on=row.started_on,
            completed_on=row.completed_on,
            notes=row.notes,
            action_plan=row.action_plan,
            updated_at=row.updated_at,
        )

    @strawberry.field
    async def member(self, info: AnyInfo) -> Member | None:
        row = await info.context.loaders.member.load(self.member_id)
        return Member.from_row(row) if row else None

    @strawberry.field
    async def cohort(
        self, info: AnyInfo
    ) -> Annotated[Cohort, strawberry.lazy("network.api.types")] | None:
        row = await info.context.loaders.cohort.load(self.cohort_id)
        return Cohort.from_row(row) if row else None


@strawberry.type(description="One cell of the progress matrix: a member against one step.")
class ProgressCell:
    step: StarStep
    status: StepStatus
    started_on: date | None
    completed_on: date | None
    notes: str | None
    action_plan: str | None
    record: StepProgress | None = strawberry.field(
        description="The stored record; null while nothing was recorded for the step."
    )

    @classmethod
    def of(cls, step: Any, record: Any | None) -> ProgressCell:
        """The cell for a step, from its stored record if there is one."""
        if record is None:
            return cls(
                step=step,
                status=StepStatus.NOT_STARTED,
                started_on=None,
                completed_on=None,
                notes=None,
                action_plan=None,
                record=None,
            )
        return cls(
            step=step,
            status=record.status,
            started_on=record.started_on,
            completed_on=record.completed_on,
            notes=record.notes,
            action_plan=record.action_plan,
            record=StepProgress.from_row(record),
        )


@strawberry.type(description="One member's row of a cohort's progress matrix.")
class ProgressRow:
    member: Member
    steps: list[ProgressCell] = strawberry.field(description="Always five cells, in star order.")


@strawberry.type(description="Members going through the Co-Production Star together.")
class Cohort(Node):
    name: str
    network: Network
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    partner_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: Any) -> Cohort:
        """Build from a cohorts row or entity."""
        return cls(
            id=strawberry.ID(to_global_id("Cohort", row.id)),
            db_id=row.id,
            partner_id=row.partner_id,
            name=row.name,
            network=row.network,
            created_at=row.created_at,
        )

    @strawberry.field(description="The partner running the cohort; null when staff run it.")
    async def partner(self, info: AnyInfo) -> Partner | None:
        if self.partner_id is None:
            return None
        row = await info.context.loaders.partner.load(self.partner_id)
        return Partner.from_row(row) if row else None

    @strawberry.field(description="How many members the cohort has.")
    async def member_count(self, info: AnyInfo) -> int:
        return int(await info.context.loaders.cohort_member_count.load(self.db_id))

    @strawberry.field(description="The cohort's members, by name.")
    async def members(self, info: AnyInfo) -> list[Member]:
        ids = await info.context.loaders.cohort_member_ids.load(self.db_id)
        rows = await info.context.loaders.member.load_many(ids)
        return [Member.from_row(row) for row in rows if row is not None]

    @strawberry.field(description="The earliest step not completed by every member.")
    async def current_step(self, info: AnyInfo) -> StarStep | None:
        ids = await info.context.loaders.cohort_member_ids.load(self.db_id)
        rows = await info.context.loaders.cohort_progress.load(self.db_id)
        return current_step(ids, rows)

    @strawberry.field(description="The progress matrix: each member against the five steps.")
    async def progress(self, info: AnyInfo) -> list[ProgressRow]:
        ids = await info.context.loaders.cohort_member_ids.load(self.db_id)
        members = await info.context.loaders.member.load_many(ids)
        records = await info.context.loaders.cohort_progress.load(self.db_id)
        by_key = {(r.member_id, r.step): r for r in records}
        matrix = []
        for row in members:
            if row is None:
                continue
            steps = [ProgressCell.of(step, by_key.get((row.id, step))) for step in StarStep]
            matrix.append(ProgressRow(member=Member.from_row(row), steps=steps))
        return matrix


@strawberry.type(description="The signed-in user.")
class Viewer:
    email: str
    name: str
    role: Role
    partner_id: strawberry.Private[uuid.UUID | None]
    contact_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The partner a partner user works for.")
    async def partner(self, info: AnyInfo) -> Partner | None:
        if self.partner_id is None:
            return None
        row = await info.context.loaders.partner.load(self.partner_id)
        return Partner.from_row(row) if row else None

    @strawberry.field(description="The contact a member user is.")
    async def contact(self, info: AnyInfo) -> Contact | None:
        if self.contact_id is None:
            return None
        row = await info.context.loaders.contact.load(self.contact_id)
        return Contact.from_row(row) if row else None


@strawberry.type(description="A problem with one input field; nothing was changed.")
class UserError:
    field: str = strawberry.field(description="The input field, in camelCase as sent.")
    code: str
    message: str
