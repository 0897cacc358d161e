"""A unique key won by a concurrent request is a DUPLICATE user error, not an internal error."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.contacts import service as contacts
from network.contacts.models import Contact
from network.kit.enums import Role
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid

CREATE = """
mutation($input: CreateContactInput!) {
  createContact(input: $input) { contact { email } userErrors { field code message } }
}"""


async def test_losing_the_race_for_a_contact_email_is_a_user_error(
    gql: GraphQL, make: Factory, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await make.member()
    await make.contact(member, email="same@example.org")
    token = await make.token(Role.STAFF)

    async def check_passes_as_if_the_other_request_had_not_committed_yet(*_: object) -> bool:
        return False

    monkeypatch.setattr(
        contacts, "_email_taken", check_passes_as_if_the_other_request_had_not_committed_yet
    )
    result = await gql(
        CREATE,
        {
            "input": {
                "memberId": gid("Member", member),
                "email": "same@example.org",
                "firstName": "Sam",
                "lastName": "Same",
            }
        },
        token=token,
    )
    assert result["data"]["createContact"] == {
        "contact": None,
        "userErrors": [
            {
                "field": "email",
                "code": "DUPLICATE",
                "message": "Someone saved the same thing a moment ago; reload and try again.",
            }
        ],
    }
    live = await session.execute(
        select(func.count()).select_from(Contact).where(Contact.email == "same@example.org")
    )
    assert live.scalar_one() == 1
