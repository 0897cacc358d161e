"""The hand-written baseline: three asyncpg queries and orjson, the same JSON as the API.

This is what the members listing would cost with no framework at all: no GraphQL, no ORM,
no DataLoaders, no authentication (staff sees everything). It exists only to be measured
against; the application never imports it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no type hints shipped
import orjson

from network.kit.ids import to_global_id
from network.kit.pagination import encode_cursor

MEMBERS_SQL = """
SELECT m.id, m.name, m.country, m.network, m.membership_status, p.slug AS partner_slug,
       (SELECT count(*) FROM members) AS total
FROM members m LEFT JOIN partners p ON p.id = m.partner_id
ORDER BY m.name, m.id
LIMIT $1
"""

# The first contacts of each member straight off the (member_id, last_name, first_name, id)
# index, and each member's count, in one statement.
CONTACTS_SQL = """
SELECT m.id AS member_id, n.total, c.id, c.email, c.first_name, c.last_name, c.language
FROM unnest($1::uuid[]) AS m(id)
CROSS JOIN LATERAL (
    SELECT count(*) AS total FROM contacts WHERE member_id = m.id AND archived_at IS NULL
) n
LEFT JOIN LATERAL (
    SELECT id, email, first_name, last_name, language FROM contacts
    WHERE member_id = m.id AND archived_at IS NULL
    ORDER BY last_name, first_name, id
    LIMIT $2
) c ON true
"""

COHORTS_SQL = """
SELECT cm.member_id, c.id, c.name
FROM cohort_members cm JOIN cohorts c ON c.id = cm.cohort_id
WHERE cm.member_id = ANY($1::uuid[])
ORDER BY c.name, c.id
"""


async def members_json(pool: asyncpg.Pool, first: int, contacts_first: int = 5) -> bytes:
    """The members page as GraphQL would answer it, encoded with orjson."""
    async with pool.acquire() as connection:
        members = await connection.fetch(MEMBERS_SQL, first + 1)
        shown = members[:first]
        ids = [row["id"] for row in shown]
        contact_rows = await connection.fetch(CONTACTS_SQL, ids, contacts_first)
        cohort_rows = await connection.fetch(COHORTS_SQL, ids)
    contacts: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    totals: dict[Any, int] = {}
    for row in contact_rows:
        member_id = row["member_id"]
        totals[member_id] = row["total"]
        if row["id"] is None:  # a member without contacts
            continue
        contacts[member_id].append(
            {
                "node": {
                    "id": to_global_id("Contact", row["id"]),
                    "email": row["email"],
                    "firstName": row["first_name"],
                    "lastName": row["last_name"],
                    "language": row["language"],
                }
            }
        )
    cohorts: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in cohort_rows:
        cohorts[row["member_id"]].append(
            {"id": to_global_id("Cohort", row["id"]), "name": row["name"]}
        )
    edges = []
    for row in shown:
        member_id = row["id"]
        slug = row["partner_slug"]
        edges.append(
            {
                "node": {
                    "id": to_global_id("Member", member_id),
                    "name": row["name"],
                    "country": row["country"],
                    "network": row["network"],
                    "membershipStatus": row["membership_status"],
                    "partner": {"slug": slug} if slug is not None else None,
                    "contacts": {
                        "totalCount": totals.get(member_id, 0),
                        "edges": contacts.get(member_id, []),
                    },
                    "cohorts": cohorts.get(member_id, []),
                }
            }
        )
    last = shown[-1] if shown else None
    return orjson.dumps(
        {
            "data": {
                "members": {
                    "totalCount": members[0]["total"] if members else 0,
                    "edges": edges,
                    "pageInfo": {
                        "hasNextPage": len(members) > first,
                        "endCursor": encode_cursor([last["name"], last["id"]]) if last else None,
                    },
                }
            }
        }
    )


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class HandWrittenApp:
    """A bare ASGI app serving `GET /members?first=N` from `members_json`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one HTTP request (lifespan is not needed: the pool is made outside)."""
        assert scope["type"] == "http"
        query = dict(
            part.split("=", 1) for part in scope["query_string"].decode().split("&") if part
        )
        body = await members_json(self.pool, int(query.get("first", "100")))
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
