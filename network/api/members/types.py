"""The GraphQL type of a member organisation, and the lookahead that batches its relations."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types.nodes import SelectedField

from network.api.contacts.types import Contact, contact_cursor
from network.api.core.context import AnyInfo
from network.api.core.enums import MembershipStatus, Network
from network.api.core.errors import as_argument_error, page_size
from network.api.core.loaders import NOT_LOADED, loaded
from network.api.core.relay import (
    Connection,
    Node,
    connection_from_page,
    connection_from_rows,
    selected_below,
)
from network.api.partners.types import Partner, load_partner
from network.contacts import service as contacts_service
from network.kit.errors import DomainError
from network.kit.ids import to_global_id
from network.kit.pagination import MAX_PAGE_SIZE, Page

if TYPE_CHECKING:
    from network.api.programme.types import Cohort


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
        size = page_size(first, 20)
        if after is None:
            found = loaded(info.context.loaders.member_contacts(size, include_archived), self.db_id)
            if found is not NOT_LOADED:
                rows, total = found
                return connection_from_rows(rows, total, size, Contact.from_row, contact_cursor)
        return _load_contacts(info, self.db_id, size, after, include_archived)

    @strawberry.field(
        description="The cohorts (visible to you) the member belongs to.",
        graphql_type=list[Annotated["Cohort", strawberry.lazy("network.api.programme.types")]],
    )
    def cohorts(self, info: AnyInfo) -> list[Cohort] | Awaitable[list[Cohort]]:
        from network.api.programme.types import Cohort

        rows = loaded(info.context.loaders.member_cohorts, self.db_id)
        if rows is NOT_LOADED:
            return _load_cohorts(info, self.db_id)
        return [Cohort.from_row(row) for row in rows]


# The three fallbacks are module globals looked up at call time: bench/members_api.py counts
# their calls to check that the lookahead left none to make.
async def _load_partner(info: AnyInfo, partner_id: uuid.UUID) -> Partner | None:
    return await load_partner(info, partner_id)


async def _load_contacts(
    info: AnyInfo, member_id: uuid.UUID, size: int, after: str | None, include_archived: bool
) -> Connection[Contact]:
    if after is None:
        rows, total = await info.context.loaders.member_contacts(size, include_archived).load(
            member_id
        )
        return connection_from_rows(rows, total, size, Contact.from_row, contact_cursor)
    query = contacts_service.ContactQuery(member_id=member_id, include_archived=include_archived)
    try:
        page = await contacts_service.list_contacts(
            info.context.session, info.context.principal, query, first=size, after=after
        )
    except DomainError as error:
        raise as_argument_error(error) from error
    return connection_from_page(page, Contact.from_row)


async def _load_cohorts(info: AnyInfo, member_id: uuid.UUID) -> list[Cohort]:
    from network.api.programme.types import Cohort

    rows = await info.context.loaders.member_cohorts.load(member_id)
    return [Cohort.from_row(row) for row in rows]


async def load_member(info: AnyInfo, member_id: uuid.UUID | None) -> Member | None:
    """The member with this id, through the request's loader; None when hidden or missing."""
    if member_id is None:
        return None
    row = await info.context.loaders.member.load(member_id)
    return Member.from_row(row) if row else None


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
