"""Who gets what from every GraphQL operation: anonymous, member contact, partner A and B, staff.

MATRIX has a row for every Query and Mutation field of the checked-in schema
(graphql/schema.graphql; a test checks it, so a new operation without a row fails the suite).
Each row gives the operation's variables, templates filled with the ids of the world's objects
(tests/api/matrix_world.py), all of them partner A's or its member contact's, and per caller the
outcome seen today:

- ALLOWED: an answer (a payload without userErrors, a non-empty list, an object);
- EMPTY: a list with nothing in it for this caller;
- NULL: a lookup that answers null (out of scope reads as not found);
- an error code: the top-level GraphQL error's extensions.code (e.g. UNAUTHENTICATED), or the
  payload's userErrors codes (e.g. NOT_FOUND, FORBIDDEN), joined by "/" when several.

Every answer is checked never to show a caller another partner's objects, and every call that
is not ALLOWED is checked to have changed nothing (a snapshot of every table before and after).
The world is built once per module; each test runs in a savepoint that is rolled back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    get_named_type,
    is_leaf_type,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from network.auth.principal import SYSTEM
from network.db import PRINCIPAL
from tests.support.app import GraphQL
from tests.support.helpers import snapshot
from tests.support.matrix_world import CALLERS, MatrixWorld, build_matrix_world

SDL = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"
ANON = "UNAUTHENTICATED"
SOON = "2031-05-06T10:00:00Z"
LATER = "2031-05-06T12:00:00Z"


def everyone(outcome: str) -> dict[str, str]:
    """A public operation: the same outcome whoever asks."""
    return dict.fromkeys(CALLERS, outcome)


def signed_in(member: str, a: str, b: str, staff: str, anonymous: str = ANON) -> dict[str, str]:
    """An operation for signed-in users; anonymous callers are refused unless told."""
    return {
        "anonymous": anonymous,
        "member": member,
        "partner A": a,
        "partner B": b,
        "staff": staff,
    }


@dataclass(frozen=True)
class Row:
    """One call of an operation: its variables (string values are templates filled with the
    world's ids) and the outcome each caller gets."""

    variables: Mapping[str, Any]
    expect: Mapping[str, str]
    holes: Mapping[str, str] = field(default_factory=dict)  # caller -> why it is a hole


def row(expect: Mapping[str, str], **variables: Any) -> Row:
    return Row(variables, expect)


def mutation(expect: Mapping[str, str], **fields: Any) -> Row:
    return Row({"input": fields}, expect)


STAFF_ONLY = signed_in("FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "ALLOWED")
OWNERS = signed_in("FORBIDDEN", "ALLOWED", "NOT_FOUND", "ALLOWED")
BOOKERS = signed_in("ALLOWED", "ALLOWED", "NOT_FOUND", "ALLOWED")  # the member contact's too
LIST = signed_in("ALLOWED", "ALLOWED", "ALLOWED", "ALLOWED")
LOOKUP = signed_in("NULL", "ALLOWED", "NULL", "ALLOWED")
OWN_LOOKUP = signed_in("ALLOWED", "ALLOWED", "NULL", "ALLOWED")  # the member contact's too

QUERIES: dict[str, Row] = {
    "viewer": row(LIST),
    "node": row(OWN_LOOKUP, id="{cohort}"),
    "partners": row(signed_in("EMPTY", "ALLOWED", "ALLOWED", "ALLOWED")),
    "members": row(LIST),
    "member": row(OWN_LOOKUP, id="{aberdare}"),
    "contacts": row(LIST),
    "contact": row(LOOKUP, id="{gareth}"),
    "cohorts": row(LIST),
    "cohort": row(OWN_LOOKUP, id="{cohort}"),
    "auditTrail": row(STAFF_ONLY, id="{aberdare}"),
    "networkMeetings": row(LIST),
    "networkMeeting": row(OWN_LOOKUP, id="{meeting}"),
    "initiatives": row(signed_in("ALLOWED", "ALLOWED", "EMPTY", "ALLOWED")),
    "courses": row(LIST),
    "trainingSessions": row(LIST),
    "trainingSession": row(OWN_LOOKUP, id="{upcoming}"),
    "bookings": row(LIST),
    "outboxMessages": row(STAFF_ONLY),
    "users": row(STAFF_ONLY),
    "certificates": row(LIST),
    "cpdHoursByYear": row(signed_in("ALLOWED", "ALLOWED", "EMPTY", "ALLOWED"), contactId="{sian}"),
    "verifyCertificate": row(everyone("ALLOWED"), code="{code}"),
    "rateLimit": row(everyone("ALLOWED")),  # each caller's own budget
    # Staff see every partner's rules; a partner its own (partner B's are its own too).
    "retentionRules": row(signed_in("FORBIDDEN", "ALLOWED", "ALLOWED", "ALLOWED")),
    # The caller's own calendar feed: nobody has one in the world; staff never have one.
    "calendarFeed": row(signed_in("NULL", "NULL", "NULL", "NULL")),
}

MUTATIONS: dict[str, Row] = {
    "createPartner": mutation(STAFF_ONLY, slug="gwynedd", name="Gwynedd", countries=["GB"]),
    "updatePartner": mutation(STAFF_ONLY, partnerId="{partner_a}", name="Wales partner"),
    "inviteUser": mutation(
        STAFF_ONLY,
        role="PARTNER",
        partnerId="{partner_a}",
        name="Nia Jones",
        email="nia.jones@partner-a.example",
    ),
    "sendPasswordReset": mutation(STAFF_ONLY, userId="{user_a}"),
    "endUserSessions": mutation(STAFF_ONLY, userId="{user_a}"),
    "revokeApiToken": mutation(STAFF_ONLY, tokenId="{token_a}"),
    "createMember": mutation(
        OWNERS,
        name="Llanelli Town Council",
        network="CITIZEN_POWERED_COUNCIL",
        country="GB",
        partnerSlug="{slug_a}",
    ),
    "updateMember": mutation(OWNERS, id="{aberdare}", region="Powys"),
    "createContact": mutation(
        OWNERS,
        memberId="{aberdare}",
        email="ann.lee@aberdare.example",
        firstName="Ann",
        lastName="Lee",
    ),
    "updateContact": mutation(OWNERS, id="{gareth}", jobTitle="Clerk"),
    "archiveContact": mutation(OWNERS, id="{rhys}", archived=True),
    # Staff, the partner that sees Siân, and Siân herself (with FORM, her own channel).
    "recordConsent": mutation(
        signed_in("ALLOWED", "ALLOWED", "NOT_FOUND", "ALLOWED"),
        contactId="{sian}",
        purpose="NETWORK_NEWS",
        given=False,
        channel="FORM",
    ),
    "createCohort": mutation(
        OWNERS,
        name="Second Welsh cohort",
        network="CITIZEN_POWERED_COUNCIL",
        partnerSlug="{slug_a}",
    ),
    "addCohortMember": mutation(OWNERS, cohortId="{cohort}", memberId="{builth}"),
    "removeCohortMember": mutation(OWNERS, cohortId="{cohort}", memberId="{bangor}"),
    "recordStepProgress": mutation(
        OWNERS, cohortId="{cohort}", memberId="{aberdare}", step="MAP_IT", status="IN_PROGRESS"
    ),
    "scheduleNetworkMeeting": mutation(
        OWNERS,
        cohortId="{cohort}",
        afterStep="FOCUS_IT",
        title="Focus It meeting",
        startsAt=SOON,
        endsAt=LATER,
        timeZone="Europe/London",
    ),
    "rescheduleNetworkMeeting": mutation(OWNERS, meetingId="{meeting}", title="Moved"),
    "cancelNetworkMeeting": mutation(OWNERS, meetingId="{other_meeting}", reason="Snow"),
    "rsvp": mutation(
        signed_in("ALLOWED", "ALLOWED", "NOT_FOUND", "ALLOWED"),
        meetingId="{meeting}",
        contactId="{sian}",
        response="NO",
    ),
    "createInitiative": mutation(
        OWNERS, memberId="{aberdare}", title="Participatory budget", fourCos=["CO_DESIGN"]
    ),
    "updateInitiative": mutation(OWNERS, id="{initiative}", title="Citizens' assembly"),
    "createCourse": mutation(
        STAFF_ONLY, title="Co-design basics", format="ONE_DAY", cpdHours=2.0, cpdCertified=True
    ),
    "updateCourse": mutation(STAFF_ONLY, id="{course}", description="Renamed"),
    "createTrainingSession": mutation(
        STAFF_ONLY,
        courseId="{course}",
        startsAt=SOON,
        endsAt=LATER,
        timeZone="Europe/London",
        language="en",
        capacity=10,
        venue="Neuadd y Sir",
    ),
    "updateTrainingSession": mutation(STAFF_ONLY, id="{upcoming}", capacity=6),
    # A member contact books itself or a colleague (Gareth works at Aberdare, as Siân does) and
    # cancels its own bookings and those it made (network.training.scope).
    "bookTraining": mutation(BOOKERS, sessionId="{upcoming}", contactId="{gareth}"),
    "cancelBooking": mutation(BOOKERS, bookingId="{booking}"),
    "markAttendance": mutation(STAFF_ONLY, bookingIds=["{attended}"], attended=True),
    "clearAttendance": mutation(STAFF_ONLY, bookingIds=["{attended}"], reason="Mix-up"),
    "recordWalkIn": mutation(STAFF_ONLY, sessionId="{past}", contactId="{gareth}"),
    "confirmBooking": mutation(STAFF_ONLY, bookingId="{waiting}", overCapacity=True),
    "bookContacts": mutation(OWNERS, sessionId="{upcoming}", contactIds=["{gareth}"]),
    "cancelTrainingSession": mutation(STAFF_ONLY, sessionId="{upcoming}", reason="Trainer unwell"),
    "retryOutboxMessage": mutation(STAFF_ONLY, id="{outbox}"),
    "requestLoginLink": mutation(everyone("ALLOWED"), email="{member_email}"),
    "issueCertificates": mutation(STAFF_ONLY, sessionId="{past}"),
    "revokeCertificate": mutation(STAFF_ONLY, certificateId="{mine}", reason="Issued in error"),
    "reissueCertificate": mutation(STAFF_ONLY, certificateId="{mine}", holderName="Siân P."),
    "setRetentionRule": mutation(
        STAFF_ONLY, partnerId="{partner_a}", kind="PROSPECT_CONTACTS", days=1095
    ),
    # Staff, the partner that sees Siân, and Siân herself (the member contact); nobody else.
    "exportPersonalData": mutation(
        signed_in("ALLOWED", "ALLOWED", "NOT_FOUND", "ALLOWED"), contactId="{sian}"
    ),
    "erasePerson": mutation(STAFF_ONLY, contactId="{rhys}", reason="Asked to be forgotten"),
    # Each member contact and partner user makes and revokes its own feed; staff have none.
    "createCalendarFeed": mutation(signed_in("ALLOWED", "ALLOWED", "ALLOWED", "FORBIDDEN")),
    "revokeCalendarFeed": mutation(signed_in("NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "FORBIDDEN")),
}

MATRIX: dict[tuple[str, str], Row] = {
    **{("query", name): r for name, r in QUERIES.items()},
    **{("mutation", name): r for name, r in MUTATIONS.items()},
}


def operations(schema: GraphQLSchema) -> set[tuple[str, str]]:
    """Every (kind, field) of the schema's Query and Mutation types."""
    found: set[tuple[str, str]] = set()
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        found |= {(kind, name) for name in root.fields}
    return found


SCHEMA = build_schema(SDL.read_text())


def test_the_matrix_has_a_row_for_every_operation() -> None:
    assert len(operations(SCHEMA)) > 40  # the SDL was read
    assert set(MATRIX) == operations(SCHEMA)
    for key, r in MATRIX.items():
        assert set(r.expect) == set(CALLERS), key
        assert set(r.holes) <= set(CALLERS), key


def test_a_new_operation_without_a_row_is_noticed() -> None:
    grown = build_schema(SDL.read_text() + "\nextend type Mutation { archiveCohort(id: ID!): Int }")
    assert operations(grown) - set(MATRIX) == {("mutation", "archiveCohort")}


# -- building the documents from the schema -------------------------------------------------------


def selection(type_: Any) -> str:
    """What to ask of a result: ids, a payload's userErrors, a connection's nodes."""
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    fields: dict[str, GraphQLField] = named.fields
    if "edges" in fields:
        return "{ edges { node { id } } }"
    if "userErrors" in fields:
        parts = ["userErrors { field code }"]
        parts += [
            f"{n} {selection(f.type)}".strip() for n, f in fields.items() if n != "userErrors"
        ]
        return "{ " + " ".join(parts) + " }"
    if "id" in fields:
        return "{ id }"
    first = next(n for n, f in fields.items() if is_leaf_type(get_named_type(f.type)))
    return "{ " + first + " }"


def document(kind: str, name: str, variables: Mapping[str, Any]) -> str:
    root = SCHEMA.query_type if kind == "query" else SCHEMA.mutation_type
    assert isinstance(root, GraphQLObjectType)
    op = root.fields[name]
    declared = ", ".join(f"${v}: {op.args[v].type}" for v in variables)
    passed = ", ".join(f"{v}: ${v}" for v in variables)
    head = f"{kind}({declared})" if declared else kind
    call = f"{name}({passed})" if passed else name
    return f"{head} {{ {call} {selection(op.type)} }}"


def fill(value: Any, ids: Mapping[str, str]) -> Any:
    """The variables with the world's ids put in."""
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


def outcome(body: dict[str, Any], name: str) -> str:
    """What the caller got, in the matrix's words."""
    data = (body.get("data") or {}).get(name)
    if body.get("errors"):
        assert data is None, body
        return "/".join(sorted({e.get("extensions", {}).get("code", "?") for e in body["errors"]}))
    if data is None:
        return "NULL"
    if isinstance(data, list):
        return "ALLOWED" if data else "EMPTY"
    if data.get("userErrors"):
        return "/".join(sorted({e["code"] for e in data["userErrors"]}))
    if "edges" in data:
        return "ALLOWED" if data["edges"] else "EMPTY"
    return "ALLOWED"


# -- one world per module, one savepoint per test -------------------------------------------------


@pytest.fixture(scope="module")
async def world_connection(
    engine: AsyncEngine,
) -> AsyncIterator[tuple[AsyncConnection, MatrixWorld]]:
    """A connection holding the world, in a transaction rolled back after the module."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        factory = async_sessionmaker(
            bind=conn,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
            info={PRINCIPAL: SYSTEM},  # the world is built by the system (row-level security)
        )
        async with factory() as session:
            world = await build_matrix_world(session)
        yield conn, world
        await transaction.rollback()


@pytest.fixture
async def connection(
    world_connection: tuple[AsyncConnection, MatrixWorld],
) -> AsyncIterator[AsyncConnection]:
    """The world's connection, in a savepoint rolled back after the test (overrides conftest)."""
    conn = world_connection[0]
    savepoint = await conn.begin_nested()
    yield conn
    if savepoint.is_active:
        await savepoint.rollback()


@pytest.fixture
def world(world_connection: tuple[AsyncConnection, MatrixWorld]) -> MatrixWorld:
    return world_connection[1]


def cases() -> Iterator[Any]:
    for (kind, name), r in MATRIX.items():
        for who in CALLERS:
            marks = []
            if who in r.holes:
                marks.append(pytest.mark.xfail(strict=True, reason=r.holes[who]))
            yield pytest.param(kind, name, who, id=f"{name}-{who}", marks=marks)


@pytest.mark.parametrize(("kind", "name", "who"), list(cases()))
async def test_every_operation_for_every_caller(
    gql: GraphQL, session: AsyncSession, world: MatrixWorld, kind: str, name: str, who: str
) -> None:
    r = MATRIX[kind, name]
    query = document(kind, name, r.variables)
    before = await snapshot(session)
    body = await gql(query, fill(dict(r.variables), world.ids), token=world.tokens.get(who))
    got = outcome(body, name)
    shown = [gid for gid in world.theirs[who] if gid in str(body)]
    assert not shown, f"{who} was shown another partner's objects: {body}"
    if got not in ("ALLOWED", "EMPTY") or kind == "query":
        assert await snapshot(session) == before, f"{name} for {who}: {got} but changed data"
    assert got == r.expect[who], f"got {got}: {body}"
