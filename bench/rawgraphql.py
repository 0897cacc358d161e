"""The same members query in raw graphql-core: a schema built by hand, plain sync resolvers.

The resolvers read rows fetched beforehand (`Prefetched`), so running it measures GraphQL
execution alone; the Strawberry side is measured over the very same rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLString,
    execute,
    parse,
    validate,
)

from network.kit.enums import MembershipStatus, Network
from network.kit.ids import to_global_id
from network.kit.pagination import encode_cursor

Info = GraphQLResolveInfo[Any]


@dataclass(slots=True)
class Prefetched:
    """Every row the members query needs, as the services return them."""

    members: Sequence[Any]  # the page, possibly with one extra row
    total: int
    contacts: dict[uuid.UUID, tuple[list[Any], int]]  # (first + 1 rows, count) per member
    cohorts: dict[uuid.UUID, list[Any]]
    partners: dict[uuid.UUID, Any]

    def as_dicts(self) -> Prefetched:
        """The same rows as plain dicts (what a hand-built graphql-core server would hold)."""
        return Prefetched(
            members=[row._asdict() for row in self.members],
            total=self.total,
            contacts={
                key: ([row._asdict() for row in rows], count)
                for key, (rows, count) in self.contacts.items()
            },
            cohorts={key: [row._asdict() for row in rows] for key, rows in self.cohorts.items()},
            partners={key: row._asdict() for key, row in self.partners.items()},
        )


def _nn(kind: Any) -> GraphQLNonNull[Any]:
    return GraphQLNonNull(kind)


def _key(name: str) -> Any:
    def resolve(row: dict[str, Any], _info: Info) -> Any:
        return row[name]

    return resolve


def _global_id(type_name: str) -> Any:
    def resolve(row: dict[str, Any], _info: Info) -> str:
        return to_global_id(type_name, row["id"])

    return resolve


def _page_info() -> GraphQLObjectType:
    return GraphQLObjectType(
        "PageInfo",
        {
            "hasNextPage": GraphQLField(_nn(GraphQLBoolean)),
            "endCursor": GraphQLField(GraphQLString),
        },
    )


def build_schema() -> GraphQLSchema:
    """Member, Contact, Cohort, Partner and their connections, as the API names them."""
    page_info = _page_info()
    partner = GraphQLObjectType(
        "Partner",
        {"id": GraphQLField(_nn(GraphQLID), resolve=_global_id("Partner")),
         "slug": GraphQLField(_nn(GraphQLString))},
    )  # fmt: skip
    contact = GraphQLObjectType(
        "Contact",
        {
            "id": GraphQLField(_nn(GraphQLID), resolve=_global_id("Contact")),
            "email": GraphQLField(_nn(GraphQLString)),
            "firstName": GraphQLField(_nn(GraphQLString), resolve=_key("first_name")),
            "lastName": GraphQLField(_nn(GraphQLString), resolve=_key("last_name")),
            "language": GraphQLField(_nn(GraphQLString)),
        },
    )
    contact_edge = GraphQLObjectType(
        "ContactEdge",
        {
            "node": GraphQLField(_nn(contact)),
            "cursor": GraphQLField(
                _nn(GraphQLString),
                resolve=lambda edge, _i: encode_cursor(
                    [edge["node"]["last_name"], edge["node"]["first_name"], edge["node"]["id"]]
                ),
            ),
        },
    )
    contact_connection = GraphQLObjectType(
        "ContactConnection",
        {
            "edges": GraphQLField(_nn(GraphQLList(_nn(contact_edge)))),
            "pageInfo": GraphQLField(_nn(page_info)),
            "totalCount": GraphQLField(_nn(GraphQLInt)),
        },
    )
    cohort = GraphQLObjectType(
        "Cohort",
        {"id": GraphQLField(_nn(GraphQLID), resolve=_global_id("Cohort")),
         "name": GraphQLField(_nn(GraphQLString))},
    )  # fmt: skip

    def member_partner(row: dict[str, Any], info: Info) -> Any:
        if row["partner_id"] is None:
            return None
        return info.context.partners.get(row["partner_id"])

    def member_contacts(row: dict[str, Any], info: Info, first: int = 20) -> dict[str, Any]:
        rows, total = info.context.contacts.get(row["id"], ([], 0))
        shown = rows[:first]
        last = shown[-1] if shown else None
        return {
            "totalCount": total,
            "edges": [{"node": r} for r in shown],
            "pageInfo": {
                "hasNextPage": len(rows) > first,
                "endCursor": encode_cursor([last["last_name"], last["first_name"], last["id"]])
                if last
                else None,
            },
        }

    def member_cohorts(row: dict[str, Any], info: Info) -> list[Any]:
        cohorts: list[Any] = info.context.cohorts.get(row["id"], [])
        return cohorts

    member = GraphQLObjectType(
        "Member",
        {
            "id": GraphQLField(_nn(GraphQLID), resolve=_global_id("Member")),
            "name": GraphQLField(_nn(GraphQLString)),
            "country": GraphQLField(_nn(GraphQLString)),
            "network": GraphQLField(_nn(GraphQLEnumType("Network", Network))),
            "membershipStatus": GraphQLField(
                _nn(GraphQLEnumType("MembershipStatus", MembershipStatus)),
                resolve=_key("membership_status"),
            ),
            "partner": GraphQLField(partner, resolve=member_partner),
            "contacts": GraphQLField(
                _nn(contact_connection),
                args={"first": GraphQLArgument(GraphQLInt, default_value=20)},
                resolve=member_contacts,
            ),
            "cohorts": GraphQLField(_nn(GraphQLList(_nn(cohort))), resolve=member_cohorts),
        },
    )
    member_edge = GraphQLObjectType(
        "MemberEdge",
        {
            "node": GraphQLField(_nn(member)),
            "cursor": GraphQLField(
                _nn(GraphQLString),
                resolve=lambda edge, _i: encode_cursor([edge["node"]["name"], edge["node"]["id"]]),
            ),
        },
    )
    member_connection = GraphQLObjectType(
        "MemberConnection",
        {
            "edges": GraphQLField(_nn(GraphQLList(_nn(member_edge)))),
            "pageInfo": GraphQLField(_nn(page_info)),
            "totalCount": GraphQLField(_nn(GraphQLInt)),
        },
    )

    def members(_root: Any, info: Info, first: int = 20) -> dict[str, Any]:
        data: Prefetched = info.context
        shown = data.members[:first]
        last = shown[-1] if shown else None
        return {
            "totalCount": data.total,
            "edges": [{"node": r} for r in shown],
            "pageInfo": {
                "hasNextPage": len(data.members) > first,
                "endCursor": encode_cursor([last["name"], last["id"]]) if last else None,
            },
        }

    query = GraphQLObjectType(
        "Query",
        {
            "members": GraphQLField(
                _nn(member_connection),
                args={"first": GraphQLArgument(GraphQLInt, default_value=20)},
                resolve=members,
            )
        },
    )
    return GraphQLSchema(query=query)


class RawGraphQL:
    """A parsed and validated document (as the caches would give it) ready to execute."""

    def __init__(self, query: str) -> None:
        self.schema = build_schema()
        self.document: DocumentNode = parse(query)
        errors = validate(self.schema, self.document)
        assert not errors, errors

    def run(self, data: Prefetched, variables: dict[str, Any]) -> dict[str, Any]:
        """Execute over prefetched dicts (`Prefetched.as_dicts`); the `data` of the response."""
        result = execute(self.schema, self.document, variable_values=variables, context_value=data)
        assert not isinstance(result, dict) and not hasattr(result, "__await__")
        assert not result.errors, result.errors
        assert result.data is not None
        return result.data
