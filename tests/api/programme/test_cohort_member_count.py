"""A cohort's memberCount counts only the members the caller may see, like `members`."""

from __future__ import annotations

from network.kit.enums import Role
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid

QUERY = "query($id: ID!) { cohort(id: $id) { memberCount members { name } } }"


async def test_member_user_counts_only_its_own_organisation(gql: GraphQL, make: Factory) -> None:
    own = await make.member("Powys County Council")
    other = await make.member("Isle of Anglesey County Council")
    cohort = await make.cohort(members=[own, other])
    contact = await make.contact(own)
    member_token = await make.token(Role.MEMBER, contact=contact)
    staff_token = await make.token(Role.STAFF)

    as_member = await gql(QUERY, {"id": gid("Cohort", cohort)}, token=member_token)
    as_staff = await gql(QUERY, {"id": gid("Cohort", cohort)}, token=staff_token)

    assert as_member["data"]["cohort"] == {
        "memberCount": 1,
        "members": [{"name": "Powys County Council"}],
    }
    assert as_staff["data"]["cohort"] == {
        "memberCount": 2,
        "members": [{"name": "Isle of Anglesey County Council"}, {"name": "Powys County Council"}],
    }
