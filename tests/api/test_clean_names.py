"""Names and titles lose bidi control and zero-width characters on the way in, through every
create mutation; one that is empty after that is a userError naming the field. Email inputs
follow the system's one rule (network/kit/emails.py), internationalised addresses included."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.contacts.models import Contact
from network.kit.enums import Role
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid

RLO, PDF, ZWSP, LRI, PDI, BOM = "\u202e", "\u202c", "\u200b", "\u2066", "\u2069", "\ufeff"

CREATE = {
    "createPartner": (
        "CreatePartnerInput",
        "partner { name }",
        {"slug": "gwynedd", "countries": ["GB"]},
        "name",
    ),
    "createMember": (
        "CreateMemberInput",
        "member { name }",
        {"network": "CITIZEN_POWERED_COUNCIL", "country": "GB"},
        "name",
    ),
    "createCohort": (
        "CreateCohortInput",
        "cohort { name }",
        {"network": "CITIZEN_POWERED_COUNCIL"},
        "name",
    ),
    "createCourse": (
        "CreateCourseInput",
        "course { title }",
        {"format": "ONE_DAY", "cpdHours": 6, "cpdCertified": True},
        "title",
    ),
}


def document(mutation: str) -> str:
    input_type, selection, _, _ = CREATE[mutation]
    return (
        f"mutation($input: {input_type}!) {{ {mutation}(input: $input) "
        f"{{ {selection} userErrors {{ field code message }} }} }}"
    )


async def test_every_name_and_title_loses_invisible_characters(gql: GraphQL, make: Factory) -> None:
    token = await make.token(Role.STAFF)
    for mutation, (_, _, fields, name_field) in CREATE.items():
        value = f"{BOM}Ynys{ZWSP} {LRI}Môn{PDI} {RLO}Council{PDF}"
        answer = await gql(
            document(mutation), {"input": {**fields, name_field: value}}, token=token
        )
        payload = answer["data"][mutation]
        assert payload["userErrors"] == [], mutation
        (created,) = (v for k, v in payload.items() if k != "userErrors")
        assert created == {name_field: "Ynys Môn Council"}, mutation


async def test_a_name_of_invisible_characters_only_is_a_user_error(
    gql: GraphQL, make: Factory
) -> None:
    token = await make.token(Role.STAFF)
    for mutation, (_, _, fields, name_field) in CREATE.items():
        answer = await gql(
            document(mutation), {"input": {**fields, name_field: f"{RLO}{ZWSP} {PDF}"}}, token=token
        )
        assert answer["data"][mutation]["userErrors"] == [
            {"field": name_field, "code": "BLANK", "message": "This field must not be empty."}
        ], mutation


CREATE_CONTACT = """
mutation($input: CreateContactInput!) {
  createContact(input: $input) {
    contact { firstName lastName email }
    userErrors { field code message }
  }
}"""


async def test_contacts_get_clean_names_and_internationalised_addresses(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    member = await make.member()
    token = await make.token(Role.STAFF)
    fine = await gql(
        CREATE_CONTACT,
        {
            "input": {
                "memberId": gid("Member", member),
                "email": " José.Núñez@Bilbao.example ",
                "firstName": f"{RLO}José{PDF}",
                "lastName": f"Núñez{ZWSP}",
            }
        },
        token=token,
    )
    assert fine["data"]["createContact"] == {
        "contact": {"firstName": "José", "lastName": "Núñez", "email": "josé.núñez@bilbao.example"},
        "userErrors": [],
    }
    refused = await gql(
        CREATE_CONTACT,
        {
            "input": {
                "memberId": gid("Member", member),
                "email": "josé@bilbao",
                "firstName": ZWSP,
                "lastName": "Núñez",
            }
        },
        token=token,
    )
    assert refused["data"]["createContact"] == {
        "contact": None,
        "userErrors": [
            {
                "field": "email",
                "code": "INVALID_EMAIL",
                "message": "Not a valid email address: The part after the @-sign is not valid. "
                "It should have a period.",
            },
            {"field": "firstName", "code": "BLANK", "message": "This field must not be empty."},
        ],
    }
    assert await session.scalar(select(func.count()).select_from(Contact)) == 1
