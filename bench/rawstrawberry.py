"""Strawberry's own floor for the members query: the smallest Strawberry schema that answers it.

Types with only the selected fields, sync resolvers over the same pre-fetched dicts as the
raw graphql-core schema (`bench.rawgraphql`), no interfaces, no DataLoaders, no database.
Whatever this costs over raw graphql-core is Strawberry itself, not the application.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import ParserCache, ValidationCache

from bench.rawgraphql import Prefetched
from network.kit.enums import MembershipStatus, Network
from network.kit.ids import to_global_id
from network.kit.pagination import encode_cursor

Info = strawberry.Info[Prefetched, None]


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Partner:
    slug: str


@strawberry.type
class Contact:
    id: strawberry.ID
    email: str
    first_name: str
    last_name: str
    language: str


@strawberry.type
class ContactEdge:
    node: Contact


@strawberry.type
class ContactConnection:
    total_count: int
    edges: list[ContactEdge]


@strawberry.type
class Cohort:
    id: strawberry.ID
    name: str


@strawberry.type
class Member:
    id: strawberry.ID
    name: str
    country: str
    network: Network
    membership_status: MembershipStatus
    row: strawberry.Private[dict[str, Any]]

    @strawberry.field
    def partner(self, info: Info) -> Partner | None:
        partner_id = self.row["partner_id"]
        if partner_id is None:
            return None
        return Partner(slug=info.context.partners[partner_id]["slug"])

    @strawberry.field
    def contacts(self, info: Info, first: int = 20) -> ContactConnection:
        rows, total = info.context.contacts.get(self.row["id"], ([], 0))
        edges = [
            ContactEdge(
                node=Contact(
                    id=strawberry.ID(to_global_id("Contact", r["id"])),
                    email=r["email"],
                    first_name=r["first_name"],
                    last_name=r["last_name"],
                    language=r["language"],
                )
            )
            for r in rows[:first]
        ]
        return ContactConnection(total_count=total, edges=edges)

    @strawberry.field
    def cohorts(self, info: Info) -> list[Cohort]:
        return [
            Cohort(id=strawberry.ID(to_global_id("Cohort", r["id"])), name=r["name"])
            for r in info.context.cohorts.get(self.row["id"], [])
        ]


@strawberry.type
class MemberEdge:
    node: Member


@strawberry.type
class MemberConnection:
    total_count: int
    edges: list[MemberEdge]
    page_info: PageInfo


@strawberry.type
class Query:
    @strawberry.field
    def members(self, info: Info, first: int = 20) -> MemberConnection:
        data = info.context
        shown = data.members[:first]
        last = shown[-1] if shown else None
        edges = [
            MemberEdge(
                node=Member(
                    id=strawberry.ID(to_global_id("Member", r["id"])),
                    name=r["name"],
                    country=r["country"],
                    network=r["network"],
                    membership_status=r["membership_status"],
                    row=r,
                )
            )
            for r in shown
        ]
        end = encode_cursor([last["name"], last["id"]]) if last else None
        return MemberConnection(
            total_count=data.total,
            edges=edges,
            page_info=PageInfo(has_next_page=len(data.members) > first, end_cursor=end),
        )


schema = strawberry.Schema(
    query=Query, extensions=[lambda: ParserCache(maxsize=64), lambda: ValidationCache(maxsize=64)]
)


async def run(query: str, data: Prefetched, variables: dict[str, Any]) -> dict[str, Any]:
    """Execute over prefetched dicts (`Prefetched.as_dicts`); the `data` of the response."""
    result = await schema.execute(query, variable_values=variables, context_value=data)
    assert not result.errors, result.errors
    assert result.data is not None
    return result.data
