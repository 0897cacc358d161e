"""Contacts through GraphQL: create, update, archive, restore, search; bad input writes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.contacts.models import Contact
from network.kit.enums import Role
from network.kit.ids import to_global_id
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import error_codes, snapshot

CONTACT_FIELDS = """
  email firstName lastName fullName jobTitle language emailOptOuts archived
  consent { scope givenAt method }
  member { name }
"""

CREATE = f"""
mutation($input: CreateContactInput!) {{
  createContact(input: $input) {{
    contact {{ {CONTACT_FIELDS} }}
    userErrors {{ field code message }}
  }}
}}"""

UPDATE = f"""
mutation($input: UpdateContactInput!) {{
  updateContact(input: $input) {{
    contact {{ {CONTACT_FIELDS} }}
    userErrors {{ field code message }}
  }}
}}"""

ARCHIVE = """
mutation($input: ArchiveContactInput!) {
  archiveContact(input: $input) {
    contact { email archived }
    userErrors { field code message }
  }
}"""

LIST = """
query($first: Int, $after: String, $filter: ContactFilter) {
  contacts(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage }
    edges { node { email archived } }
  }
}"""


def emails(result: dict[str, Any]) -> list[str]:
    return [edge["node"]["email"] for edge in result["data"]["contacts"]["edges"]]


async def test_staff_creates_a_contact_with_every_field(gql: GraphQL, make: Factory) -> None:
    member = await make.member("Powys County Council")
    token = await make.token(Role.STAFF)
    result = await gql(
        CREATE,
        {
            "input": {
                "memberId": gid("Member", member),
                "email": "  Sian.Pryce@Powys.Example ",
                "firstName": " Siân ",
                "lastName": "Pryce",
                "jobTitle": "Pennaeth   Partneriaethau",
                "language": "CY",
                "consent": {
                    "scope": "programme emails",
                    "givenAt": "2026-10-01T09:30:00+00:00",
                    "method": "web form",
                },
                "emailOptOuts": ["Newsletter"],
            }
        },
        token=token,
    )
    assert result == {
        "data": {
            "createContact": {
                "contact": {
                    "email": "sian.pryce@powys.example",
                    "firstName": "Siân",
                    "lastName": "Pryce",
                    "fullName": "Siân Pryce",
                    "jobTitle": "Pennaeth Partneriaethau",
                    "language": "cy",
                    "emailOptOuts": ["newsletter"],
                    "archived": False,
                    "consent": {
                        "scope": "programme emails",
                        "givenAt": "2026-10-01T09:30:00+00:00",
                        "method": "web form",
                    },
                    "member": {"name": "Powys County Council"},
                },
                "userErrors": [],
            }
        }
    }


async def test_language_defaults_to_english(gql: GraphQL, make: Factory) -> None:
    member = await make.member()
    token = await make.token(Role.STAFF)
    result = await gql(
        CREATE,
        {
            "input": {
                "memberId": gid("Member", member),
                "email": "huw.owen@ynysmon.example",
                "firstName": "Huw",
                "lastName": "Owen",
            }
        },
        token=token,
    )
    contact = result["data"]["createContact"]["contact"]
    assert (contact["language"], contact["jobTitle"], contact["emailOptOuts"]) == ("en", None, [])
    assert contact["consent"] == {"scope": None, "givenAt": None, "method": None}


async def test_partner_creates_a_contact_at_its_own_member(gql: GraphQL, make: Factory) -> None:
    wales = await make.partner("wales")
    member = await make.member("ADSS Cymru", partner=wales)
    token = await make.token(Role.PARTNER, partner=wales)
    result = await gql(
        CREATE,
        {
            "input": {
                "memberId": gid("Member", member),
                "email": "rhian.dafydd@adsscymru.example",
                "firstName": "Rhian",
                "lastName": "Dafydd",
            }
        },
        token=token,
    )
    payload = result["data"]["createContact"]
    assert payload["userErrors"] == []
    assert payload["contact"]["member"] == {"name": "ADSS Cymru"}


async def test_update_changes_only_the_given_fields(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    member = await make.member("Kent County Council")
    contact = await make.contact(
        member, "emma.hughes@kent.example", first_name="Emma", last_name="Hughes"
    )
    token = await make.token(Role.STAFF)
    result = await gql(
        UPDATE,
        {
            "input": {
                "id": gid("Contact", contact),
                "jobTitle": "Adult Social Care Lead",
                "language": "fr",
                "email": "EMMA.HUGHES@kent.example",
            }
        },
        token=token,
    )
    assert result == {
        "data": {
            "updateContact": {
                "contact": {
                    "email": "emma.hughes@kent.example",
                    "firstName": "Emma",
                    "lastName": "Hughes",
                    "fullName": "Emma Hughes",
                    "jobTitle": "Adult Social Care Lead",
                    "language": "fr",
                    "emailOptOuts": [],
                    "archived": False,
                    "consent": {"scope": None, "givenAt": None, "method": None},
                    "member": {"name": "Kent County Council"},
                },
                "userErrors": [],
            }
        }
    }
    cleared = await gql(
        UPDATE, {"input": {"id": gid("Contact", contact), "jobTitle": None}}, token=token
    )
    assert cleared["data"]["updateContact"]["contact"]["jobTitle"] is None
    stored = (await session.execute(select(Contact.job_title, Contact.language))).one()
    assert tuple(stored) == (None, "fr")


async def test_archive_hides_a_contact_and_restore_brings_it_back(
    gql: GraphQL, make: Factory
) -> None:
    member = await make.member()
    await make.contact(member, "kept@example.org", last_name="Aaa")
    gone = await make.contact(member, "gone@example.org", last_name="Bbb")
    token = await make.token(Role.STAFF)

    archived = await gql(ARCHIVE, {"input": {"id": gid("Contact", gone)}}, token=token)
    assert archived == {
        "data": {
            "archiveContact": {
                "contact": {"email": "gone@example.org", "archived": True},
                "userErrors": [],
            }
        }
    }
    assert emails(await gql(LIST, token=token)) == ["kept@example.org"]
    with_archived = await gql(LIST, {"filter": {"includeArchived": True}}, token=token)
    assert with_archived["data"]["contacts"] == {
        "totalCount": 2,
        "pageInfo": {"hasNextPage": False},
        "edges": [
            {"node": {"email": "kept@example.org", "archived": False}},
            {"node": {"email": "gone@example.org", "archived": True}},
        ],
    }
    # The archived contact is still readable by id.
    by_id = await gql(
        "query($id: ID!) { contact(id: $id) { email archived } }",
        {"id": gid("Contact", gone)},
        token=token,
    )
    assert by_id == {"data": {"contact": {"email": "gone@example.org", "archived": True}}}

    restored = await gql(
        ARCHIVE, {"input": {"id": gid("Contact", gone), "archived": False}}, token=token
    )
    assert restored["data"]["archiveContact"] == {
        "contact": {"email": "gone@example.org", "archived": False},
        "userErrors": [],
    }
    assert emails(await gql(LIST, token=token)) == ["kept@example.org", "gone@example.org"]


async def test_archiving_frees_the_email_and_restoring_a_duplicate_is_refused(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    member = await make.member()
    old = await make.contact(member, "same@example.org")
    token = await make.token(Role.STAFF)
    await gql(ARCHIVE, {"input": {"id": gid("Contact", old)}}, token=token)
    again = await gql(
        CREATE,
        {
            "input": {
                "memberId": gid("Member", member),
                "email": "same@example.org",
                "firstName": "New",
                "lastName": "Person",
            }
        },
        token=token,
    )
    assert again["data"]["createContact"]["userErrors"] == []
    before = await snapshot(session)
    restore = await gql(
        ARCHIVE, {"input": {"id": gid("Contact", old), "archived": False}}, token=token
    )
    assert restore["data"]["archiveContact"] == {
        "contact": None,
        "userErrors": [
            {
                "field": "id",
                "code": "DUPLICATE",
                "message": "A live contact of this member already has this email.",
            }
        ],
    }
    assert await snapshot(session) == before


async def test_search_by_name_or_email(gql: GraphQL, make: Factory) -> None:
    powys = await make.member("Powys County Council")
    kent = await make.member("Kent County Council")
    await make.contact(powys, "sian.pryce@powys.example", first_name="Siân", last_name="Pryce")
    await make.contact(
        powys, "gareth.morgan@powys.example", first_name="Gareth", last_name="Morgan"
    )
    await make.contact(kent, "emma.hughes@kent.example", first_name="Emma", last_name="Hughes")
    await make.contact(kent, "under_score@kent.example", first_name="Ulla", last_name="Score")
    token = await make.token(Role.STAFF)

    async def search(text: str, **extra: Any) -> list[str]:
        return emails(await gql(LIST, {"filter": {"search": text, **extra}}, token=token))

    assert await search("PRYCE") == ["sian.pryce@powys.example"]
    assert await search("siân pryce") == ["sian.pryce@powys.example"]
    assert await search("@powys.example") == [
        "gareth.morgan@powys.example",
        "sian.pryce@powys.example",
    ]
    assert await search("hughes@kent") == ["emma.hughes@kent.example"]
    assert await search("nobody") == []
    # LIKE wildcards are taken literally.
    assert await search("_") == ["under_score@kent.example"]
    assert await search("%") == []
    assert await search("powys", memberId=gid("Member", kent)) == []
    assert emails(
        await gql(LIST, {"filter": {"email": "EMMA.HUGHES@kent.example"}}, token=token)
    ) == ["emma.hughes@kent.example"]


async def test_contacts_page_in_name_order(gql: GraphQL, make: Factory) -> None:
    member = await make.member()
    for last in ("Cole", "Abbott", "Baker"):
        await make.contact(member, f"{last.lower()}@example.org", last_name=last)
    token = await make.token(Role.STAFF)
    first = await gql(LIST, {"first": 2}, token=token)
    assert emails(first) == ["abbott@example.org", "baker@example.org"]
    assert first["data"]["contacts"]["totalCount"] == 3
    page = await gql("""query { contacts(first: 2) { pageInfo { endCursor } } }""", token=token)
    cursor = page["data"]["contacts"]["pageInfo"]["endCursor"]
    rest = await gql(LIST, {"first": 2, "after": cursor}, token=token)
    assert emails(rest) == ["cole@example.org"]
    assert rest["data"]["contacts"]["pageInfo"] == {"hasNextPage": False}


def _input(member_id: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "memberId": member_id,
        "email": "new.person@example.org",
        "firstName": "New",
        "lastName": "Person",
    }
    values.update(overrides)
    return values


BAD_CREATE_INPUTS = [
    pytest.param(
        {"email": "not-an-email"},
        [
            (
                "email",
                "INVALID_EMAIL",
                "Not a valid email address: An email address must have an @-sign.",
            )
        ],
        id="invalid-email",
    ),
    pytest.param(
        {"email": "   "},
        [("email", "REQUIRED", "An email address is required.")],
        id="blank-email",
    ),
    pytest.param(
        {"language": "it"},
        [("language", "UNKNOWN_LANGUAGE", "Language must be one of: en, cy, fr, es, de.")],
        id="unknown-language",
    ),
    pytest.param(
        {"firstName": "", "lastName": "  "},
        [
            ("firstName", "BLANK", "This field must not be empty."),
            ("lastName", "BLANK", "This field must not be empty."),
        ],
        id="empty-names",
    ),
    pytest.param(
        {"firstName": "x" * 201},
        [("firstName", "TOO_LONG", "At most 200 characters.")],
        id="long-name",
    ),
    pytest.param(
        {"email": "Taken@Example.org"},
        [("email", "DUPLICATE", "This member already has a contact with this email.")],
        id="duplicate-email-same-member",
    ),
    pytest.param(
        {"emailOptOuts": ["spam"]},
        [
            (
                "emailOptOuts",
                "UNKNOWN_EMAIL_KIND",
                "Unknown kinds ['spam']; use any of: programme, training, newsletter.",
            )
        ],
        id="unknown-opt-out",
    ),
    pytest.param(
        {"email": "bad", "firstName": "", "language": "xx"},
        [
            (
                "email",
                "INVALID_EMAIL",
                "Not a valid email address: An email address must have an @-sign.",
            ),
            ("firstName", "BLANK", "This field must not be empty."),
            ("language", "UNKNOWN_LANGUAGE", "Language must be one of: en, cy, fr, es, de."),
        ],
        id="several-at-once",
    ),
]


@pytest.mark.parametrize(("overrides", "expected"), BAD_CREATE_INPUTS)
async def test_bad_contact_input_names_each_field_and_writes_nothing(
    gql: GraphQL,
    make: Factory,
    session: AsyncSession,
    overrides: dict[str, Any],
    expected: list[tuple[str, str, str]],
) -> None:
    member = await make.member()
    await make.contact(member, "taken@example.org")
    token = await make.token(Role.STAFF)
    before = await snapshot(session)
    result = await gql(CREATE, {"input": _input(gid("Member", member), **overrides)}, token=token)
    assert result == {
        "data": {
            "createContact": {
                "contact": None,
                "userErrors": [
                    {"field": field, "code": code, "message": message}
                    for field, code, message in expected
                ],
            }
        }
    }
    assert await snapshot(session) == before


async def test_the_same_email_is_allowed_at_another_member(gql: GraphQL, make: Factory) -> None:
    first = await make.member()
    second = await make.member()
    await make.contact(first, "shared@example.org")
    token = await make.token(Role.STAFF)
    result = await gql(
        CREATE, {"input": _input(gid("Member", second), email="shared@example.org")}, token=token
    )
    assert result["data"]["createContact"]["userErrors"] == []
    assert result["data"]["createContact"]["contact"]["email"] == "shared@example.org"


@pytest.mark.parametrize(
    "member_id",
    [
        pytest.param(to_global_id("Member", uuid.uuid4()), id="unknown"),
        pytest.param("not-a-global-id", id="malformed"),
        pytest.param(to_global_id("Contact", uuid.uuid4()), id="wrong-type"),
        pytest.param("foreign", id="other-partners-member"),
    ],
)
async def test_unknown_or_foreign_member_is_not_found_and_writes_nothing(
    gql: GraphQL, make: Factory, session: AsyncSession, member_id: str
) -> None:
    mine = await make.partner("mine")
    theirs = await make.partner("theirs")
    foreign = await make.member(partner=theirs)
    await make.member(partner=mine)
    token = await make.token(Role.PARTNER, partner=mine)
    if member_id == "foreign":
        member_id = gid("Member", foreign)
    before = await snapshot(session)
    result = await gql(CREATE, {"input": _input(member_id)}, token=token)
    assert result == {
        "data": {
            "createContact": {
                "contact": None,
                "userErrors": [
                    {"field": "memberId", "code": "NOT_FOUND", "message": "No member with this id."}
                ],
            }
        }
    }
    assert await snapshot(session) == before


BAD_UPDATE_INPUTS = [
    pytest.param(
        {"email": "other@example.org"},
        [("email", "DUPLICATE")],
        id="duplicate-email",
    ),
    pytest.param({"email": "a@b@c"}, [("email", "INVALID_EMAIL")], id="invalid-email"),
    pytest.param({"email": None}, [("email", "REQUIRED")], id="null-email"),
    pytest.param({"firstName": " "}, [("firstName", "BLANK")], id="blank-first-name"),
    pytest.param({"lastName": None}, [("lastName", "REQUIRED")], id="null-last-name"),
    pytest.param({"language": None}, [("language", "REQUIRED")], id="null-language"),
    pytest.param({"language": "english"}, [("language", "UNKNOWN_LANGUAGE")], id="bad-language"),
    pytest.param(
        {"email": "other@example.org", "lastName": ""},
        [("email", "DUPLICATE"), ("lastName", "BLANK")],
        id="several",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), BAD_UPDATE_INPUTS)
async def test_bad_update_names_each_field_and_writes_nothing(
    gql: GraphQL,
    make: Factory,
    session: AsyncSession,
    changes: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    member = await make.member()
    contact = await make.contact(member, "me@example.org")
    await make.contact(member, "other@example.org")
    token = await make.token(Role.STAFF)
    before = await snapshot(session)
    result = await gql(UPDATE, {"input": {"id": gid("Contact", contact), **changes}}, token=token)
    payload = result["data"]["updateContact"]
    assert payload["contact"] is None
    assert error_codes(payload) == expected
    assert await snapshot(session) == before


async def test_update_and_archive_of_an_unknown_contact_are_not_found(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    token = await make.token(Role.STAFF)
    before = await snapshot(session)
    missing = to_global_id("Contact", uuid.uuid4())
    not_found = [{"field": "id", "code": "NOT_FOUND", "message": "No contact with this id."}]
    updated = await gql(UPDATE, {"input": {"id": missing, "firstName": "X"}}, token=token)
    assert updated == {"data": {"updateContact": {"contact": None, "userErrors": not_found}}}
    archived = await gql(ARCHIVE, {"input": {"id": "%%%"}}, token=token)
    assert archived == {"data": {"archiveContact": {"contact": None, "userErrors": not_found}}}
    assert await snapshot(session) == before
