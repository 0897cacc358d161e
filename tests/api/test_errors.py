"""Errors: no stack trace reaches a response; malformed ids and hostile text are user errors."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from network import app as app_module
from network.contacts import service as contacts
from network.kit.enums import Role
from network.kit.ids import to_global_id
from network.members import service as members
from network.programme import service as programme
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import snapshot

SECRET = "connection to db-primary.internal failed: password=hunter2"
LEAKS = ("Traceback", "RuntimeError", "hunter2", 'File "', "network/", "site-packages")


def assert_no_leak(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, leak


def internal(path: list[Any], line: int, column: int, error_id: str) -> dict[str, Any]:
    return {
        "message": f"Internal error; it has been logged as {error_id}.",
        "locations": [{"line": line, "column": column}],
        "path": path,
        "extensions": {"code": "INTERNAL", "errorId": error_id, "requestId": "req-0001"},
    }


def body_of(response: httpx.Response) -> dict[str, Any]:
    """The response's body without its `extensions.cost` (which every response carries)."""
    body: dict[str, Any] = response.json()
    assert set(body.pop("extensions")) == {"cost"}
    return body


def logged_error_id(caplog: pytest.LogCaptureFixture, body: dict[str, Any]) -> str:
    """The masked error's id, after checking that the error's log line names it too."""
    error_id: str = body["errors"][0]["extensions"]["errorId"]
    lines = [r for r in caplog.records if r.name == "network.api" and error_id in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].exc_info is not None  # the traceback goes to the log, never to the client
    return error_id


async def _post(
    client: httpx.AsyncClient, session: AsyncSession, query: str, token: str, **variables: Any
) -> httpx.Response:
    await session.commit()
    return await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}", "X-Request-Id": "req-0001"},
    )


async def test_an_unexpected_error_in_a_query_is_masked(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(members, "list_members", broken)
    token = await make.token(Role.STAFF)
    response = await _post(client, session, "{ members { totalCount } }", token)
    assert response.status_code == 200
    body = body_of(response)
    error_id = logged_error_id(caplog, body)
    assert body == {"data": None, "errors": [internal(["members"], 1, 3, error_id)]}
    assert_no_leak(response.text)


async def test_an_unexpected_error_in_a_nested_field_is_masked(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(programme, "cohorts_of_members", broken)
    await make.member("Kent County Council")
    token = await make.token(Role.STAFF)
    response = await _post(
        client,
        session,
        "{ viewer { role } members { edges { node { name cohorts { name } } } } }",
        token,
    )
    body = body_of(response)
    error_id = logged_error_id(caplog, body)
    assert body == {
        "data": None,
        "errors": [internal(["members", "edges", 0, "node", "cohorts"], 1, 49, error_id)],
    }
    assert_no_leak(response.text)


async def test_an_unexpected_error_in_a_mutation_is_masked_and_rolled_back(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    original = contacts.create_contact

    async def write_then_fail(*args: Any, **kwargs: Any) -> Any:
        await original(*args, **kwargs)
        raise RuntimeError(SECRET)

    monkeypatch.setattr(contacts, "create_contact", write_then_fail)
    member = await make.member()
    token = await make.token(Role.STAFF)
    before = await snapshot(session)
    response = await _post(
        client,
        session,
        """mutation($input: CreateContactInput!) {
          createContact(input: $input) { contact { email } userErrors { field } }
        }""",
        token,
        input={
            "memberId": gid("Member", member),
            "email": "x@example.org",
            "firstName": "X",
            "lastName": "Y",
        },
    )
    body = body_of(response)
    error_id = logged_error_id(caplog, body)
    assert body == {"data": None, "errors": [internal(["createContact"], 2, 11, error_id)]}
    assert_no_leak(response.text)
    assert await snapshot(session) == before


async def test_an_error_outside_graphql_is_a_generic_500(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(app_module, "check_token", broken)
    response = await client.post(
        "/graphql",
        json={"query": "{ viewer { email } }"},
        headers={"Authorization": "Bearer ncrm_anything", "X-Request-Id": "req-0001"},
    )
    error_id = response.json().get("errorId", "")
    assert (response.status_code, response.json()) == (
        500,
        {
            "error": f"Internal error; it has been logged as {error_id}.",
            "errorId": error_id,
            "requestId": "req-0001",
        },
    )
    assert_no_leak(response.text)
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].exc_info is not None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            {"query": "{ members { totalCount "},
            {
                "data": None,
                "errors": [
                    {
                        "message": "Syntax Error: Expected Name, found <EOF>.",
                        "locations": [{"line": 1, "column": 24}],
                        "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
                    }
                ],
            },
            id="syntax-error",
        ),
        pytest.param(
            {"query": "{ members { secret } }"},
            {
                "data": None,
                "errors": [
                    {
                        "message": "Cannot query field 'secret' on type 'MemberConnection'.",
                        "locations": [{"line": 1, "column": 13}],
                        "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
                    }
                ],
            },
            id="unknown-field",
        ),
        pytest.param(
            {
                "query": "query($n: Network) { members(filter: {network: $n}) { totalCount } }",
                "variables": {"n": "ATLANTIS"},
            },
            {
                "data": None,
                "errors": [
                    {
                        "message": "Variable '$n' has invalid value: "
                        "Value 'ATLANTIS' does not exist in 'Network' enum.",
                        "locations": [{"line": 1, "column": 7}],
                        "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
                    }
                ],
            },
            id="bad-enum",
        ),
    ],
)
async def test_malformed_documents_get_plain_messages(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, body: Any, expected: Any
) -> None:
    token = await make.token(Role.STAFF)
    await session.commit()
    response = await client.post(
        "/graphql", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert body_of(response) == expected
    assert_no_leak(response.text)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        pytest.param("{ viewer { email ", "GRAPHQL_PARSE_FAILED", id="syntax"),
        pytest.param("{ " + "x: __typename " * 2000 + "}", "GRAPHQL_PARSE_FAILED", id="tokens"),
        pytest.param("{ nothingHere }", "GRAPHQL_VALIDATION_FAILED", id="unknown-field"),
        pytest.param(
            "{ " + " ".join(f"a{i}: __typename" for i in range(20)) + " }",
            "GRAPHQL_VALIDATION_FAILED",
            id="aliases",
        ),
        pytest.param(
            "query Q($n: Int!) { members(first: $n) { totalCount } }",
            "GRAPHQL_VALIDATION_FAILED",
            id="missing-variable",
        ),
    ],
)
async def test_errors_about_the_document_carry_a_code(
    client: httpx.AsyncClient, query: str, code: str
) -> None:
    response = await client.post("/graphql", json={"query": query})
    errors = response.json()["errors"]
    assert errors
    assert {error["extensions"]["code"] for error in errors} == {code}


async def test_a_body_that_is_not_json_is_a_plain_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert_no_leak(response.text)


def _b64(text: bytes) -> str:
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


MALFORMED_IDS = [
    "",
    "garbage",
    "!!!***",
    _b64(b"Member:not-a-uuid"),
    _b64(b"\xff\xfe:\x00"),
    _b64(b"Nothing"),
    "x" * 5000,
    to_global_id("Partner", uuid.uuid4()),
]


def _pair(member: str, cohort: str) -> dict[str, Any]:
    return {"cohortId": cohort, "memberId": member}


# (mutation, input type, payload field, the id field, what it names, a valid input to spoil)
ID_INPUTS: list[tuple[str, str, str, str, str, Any]] = [
    ("updateMember", "UpdateMemberInput", "member", "id", "member", lambda m, c: {"name": "X"}),
    (
        "createContact",
        "CreateContactInput",
        "contact",
        "memberId",
        "member",
        lambda m, c: {"memberId": m, "email": "n@example.org", "firstName": "N", "lastName": "P"},
    ),
    ("updateContact", "UpdateContactInput", "contact", "id", "contact", lambda m, c: {}),
    ("archiveContact", "ArchiveContactInput", "contact", "id", "contact", lambda m, c: {}),
    ("addCohortMember", "CohortMemberInput", "cohort", "cohortId", "cohort", _pair),
    ("addCohortMember", "CohortMemberInput", "cohort", "memberId", "member", _pair),
    ("removeCohortMember", "CohortMemberInput", "cohort", "cohortId", "cohort", _pair),
    ("removeCohortMember", "CohortMemberInput", "cohort", "memberId", "member", _pair),
    (
        "recordStepProgress",
        "RecordStepProgressInput",
        "progress",
        "cohortId",
        "cohort",
        lambda m, c: {**_pair(m, c), "step": "MAP_IT", "status": "IN_PROGRESS"},
    ),
    (
        "recordStepProgress",
        "RecordStepProgressInput",
        "progress",
        "memberId",
        "member",
        lambda m, c: {**_pair(m, c), "step": "MAP_IT", "status": "IN_PROGRESS"},
    ),
]


@pytest.mark.parametrize(
    ("name", "input_type", "result", "field", "what", "valid"),
    [pytest.param(*case, id=f"{case[0]}.{case[3]}") for case in ID_INPUTS],
)
async def test_malformed_ids_in_inputs_are_not_found(
    gql: GraphQL,
    make: Factory,
    session: AsyncSession,
    name: str,
    input_type: str,
    result: str,
    field: str,
    what: str,
    valid: Any,
) -> None:
    member = await make.member()
    cohort = await make.cohort(members=[member])
    token = await make.token(Role.STAFF)
    document = f"""mutation($input: {input_type}!) {{
      {name}(input: $input) {{ {result} {{ id }} userErrors {{ field code message }} }}
    }}"""
    expected = {
        "data": {
            name: {
                result: None,
                "userErrors": [
                    {"field": field, "code": "NOT_FOUND", "message": f"No {what} with this id."}
                ],
            }
        }
    }
    before = await snapshot(session)
    for bad_id in MALFORMED_IDS:
        values = {**valid(gid("Member", member), gid("Cohort", cohort)), field: bad_id}
        response = await gql(document, {"input": values}, token=token)
        assert response == expected, bad_id
    assert await snapshot(session) == before


@pytest.mark.parametrize("field", ["node", "member", "contact", "cohort"])
async def test_malformed_ids_in_lookups_read_as_null(
    gql: GraphQL, make: Factory, field: str
) -> None:
    token = await make.token(Role.STAFF)
    for bad_id in MALFORMED_IDS:
        response = await gql(
            f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}", {"id": bad_id}, token=token
        )
        assert response == {"data": {field: None}}, bad_id


@pytest.mark.parametrize(
    ("query", "filter", "field"),
    [
        ("members", {"cohortId": "garbage"}, "filter.cohortId"),
        ("members", {"partnerId": to_global_id("Member", uuid.uuid4())}, "filter.partnerId"),
        ("contacts", {"memberId": ""}, "filter.memberId"),
    ],
)
async def test_malformed_ids_in_filters_are_argument_errors(
    gql: GraphQL, make: Factory, query: str, filter: dict[str, str], field: str
) -> None:
    token = await make.token(Role.STAFF)
    filter_type = "MemberFilter" if query == "members" else "ContactFilter"
    response = await gql(
        f"query($f: {filter_type}) {{ {query}(filter: $f) {{ totalCount }} }}",
        {"f": filter},
        token=token,
    )
    bad = next(iter(filter.values()))
    type_name = {"filter.cohortId": "Cohort", "filter.partnerId": "Partner"}.get(field, "Member")
    assert response == {
        "data": None,
        "errors": [
            {
                "message": f"'{bad}' is not a {type_name} id.",
                "locations": [{"line": 1, "column": 27 if query == "members" else 28}],
                "path": [query],
                "extensions": {"code": "INVALID_ID", "field": field},
            }
        ],
    }


NUL = "a\x00b"
HOSTILE_TEXT = [
    pytest.param(
        "createMember",
        "CreateMemberInput",
        "member",
        lambda w: {"name": NUL, "network": "CITIZEN_POWERED_CITY", "country": "FR", "region": NUL},
        [("name", "INVALID_CHARACTER"), ("region", "INVALID_CHARACTER")],
        id="createMember-nul",
    ),
    pytest.param(
        "createContact",
        "CreateContactInput",
        "contact",
        lambda w: {
            "memberId": w,
            "email": "nul@example.org",
            "firstName": "A",
            "lastName": NUL,
            "jobTitle": NUL,
            "consent": {"scope": NUL},
            "emailOptOuts": ["training", NUL],
        },
        [
            ("lastName", "INVALID_CHARACTER"),
            ("jobTitle", "INVALID_CHARACTER"),
            ("consent.scope", "INVALID_CHARACTER"),
            ("emailOptOuts[1]", "INVALID_CHARACTER"),
        ],
        id="createContact-nul",
    ),
    pytest.param(
        "createContact",
        "CreateContactInput",
        "contact",
        lambda w: {
            "memberId": w,
            "email": "long@example.org",
            "firstName": "A",
            "lastName": "B",
            "consent": {"method": "m" * 101, "givenAt": "2026-10-01T09:30:00"},
        },
        [("consent.method", "TOO_LONG"), ("consent.givenAt", "NO_TIME_ZONE")],
        id="createContact-consent",
    ),
    pytest.param(
        "createContact",
        "CreateContactInput",
        "contact",
        lambda w: {
            "memberId": w,
            "email": "future@example.org",
            "firstName": "A",
            "lastName": "B",
            "consent": {"givenAt": "2099-01-01T00:00:00+00:00"},
        },
        [("consent.givenAt", "IN_FUTURE")],
        id="createContact-consent-in-future",
    ),
    pytest.param(
        "createCohort",
        "CreateCohortInput",
        "cohort",
        lambda w: {"name": NUL, "network": "CITIZEN_POWERED_CITY"},
        [("name", "INVALID_CHARACTER")],
        id="createCohort-nul",
    ),
    pytest.param(
        "createPartner",
        "CreatePartnerInput",
        "partner",
        lambda w: {"slug": "nul", "name": NUL, "countries": ["FR"]},
        [("name", "INVALID_CHARACTER")],
        id="createPartner-nul",
    ),
]


@pytest.mark.parametrize(("name", "input_type", "result", "inputs", "expected"), HOSTILE_TEXT)
async def test_text_the_database_cannot_store_is_a_user_error(
    gql: GraphQL,
    make: Factory,
    session: AsyncSession,
    name: str,
    input_type: str,
    result: str,
    inputs: Any,
    expected: list[tuple[str, str]],
) -> None:
    member = await make.member()
    token = await make.token(Role.STAFF)
    before = await snapshot(session)
    response = await gql(
        f"""mutation($input: {input_type}!) {{
          {name}(input: $input) {{ {result} {{ id }} userErrors {{ field code }} }}
        }}""",
        {"input": inputs(gid("Member", member))},
        token=token,
    )
    assert response == {
        "data": {name: {result: None, "userErrors": [{"field": f, "code": c} for f, c in expected]}}
    }
    assert await snapshot(session) == before


@pytest.mark.parametrize(
    ("query", "filter_type", "filter", "field"),
    [
        ("members", "MemberFilter", {"search": NUL}, "filter.search"),
        ("members", "MemberFilter", {"country": NUL}, "filter.country"),
        ("members", "MemberFilter", {"partnerSlug": NUL}, "filter.partnerSlug"),
        ("contacts", "ContactFilter", {"search": NUL}, "filter.search"),
        ("contacts", "ContactFilter", {"email": NUL}, "filter.email"),
        ("contacts", "ContactFilter", {"language": NUL}, "filter.language"),
        ("cohorts", "CohortFilter", {"search": NUL}, "filter.search"),
        ("cohorts", "CohortFilter", {"partnerSlug": NUL}, "filter.partnerSlug"),
    ],
)
async def test_filters_with_text_the_database_cannot_hold_are_argument_errors(
    gql: GraphQL, make: Factory, query: str, filter_type: str, filter: Any, field: str
) -> None:
    token = await make.token(Role.STAFF)
    response = await gql(
        f"query($f: {filter_type}) {{ {query}(filter: $f) {{ totalCount }} }}",
        {"f": filter},
        token=token,
    )
    assert response["data"] is None
    assert [e["extensions"] for e in response["errors"]] == [
        {"code": "INVALID_CHARACTER", "field": field}
    ]


def _cursor(values: list[Any]) -> str:
    return _b64(orjson.dumps(values))


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param(_cursor([1, str(uuid.uuid4())]), id="number-for-a-name"),
        pytest.param(_cursor(["Kent", 5]), id="number-for-an-id"),
        pytest.param(_cursor([{"a": 1}, str(uuid.uuid4())]), id="object-for-a-name"),
        pytest.param(_cursor(["a\x00", str(uuid.uuid4())]), id="nul-in-a-name"),
    ],
)
async def test_a_forged_cursor_is_an_argument_error(
    gql: GraphQL, make: Factory, cursor: str
) -> None:
    token = await make.token(Role.STAFF)
    response = await gql(
        "query($after: String) { members(after: $after) { totalCount } }",
        {"after": cursor},
        token=token,
    )
    assert response["data"] is None
    assert [e["extensions"] for e in response["errors"]] == [
        {"code": "INVALID_CURSOR", "field": "after"}
    ]


async def test_a_real_cursor_still_pages_after_the_type_checks(gql: GraphQL, make: Factory) -> None:
    for name in ("Aberdeen", "Bilbao", "Cardiff"):
        await make.member(f"{name} Council")
    token = await make.token(Role.STAFF)
    query = """query($after: String) { members(first: 1, after: $after) {
      edges { node { name } } pageInfo { endCursor } } }"""
    first = await gql(query, {"after": None}, token=token)
    cursor = first["data"]["members"]["pageInfo"]["endCursor"]
    second = await gql(query, {"after": cursor}, token=token)
    assert [e["node"]["name"] for e in second["data"]["members"]["edges"]] == ["Bilbao Council"]
