"""The audit trail query: staff read who changed an object; others are refused."""

from __future__ import annotations

from network.kit.enums import Role
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid

TRAIL = """
query($id: ID!) { auditTrail(id: $id) { action actorEmail actorRole changes } }"""

UPDATE = """
mutation($input: UpdateMemberInput!) { updateMember(input: $input) { userErrors { code } } }"""


async def test_staff_read_an_objects_changes_newest_first(gql: GraphQL, make: Factory) -> None:
    member = await make.member("Midlothian Council")
    staff = await make.user(Role.STAFF, email="liaison@example.org")
    token = await make.token_for(staff)
    await gql(UPDATE, {"input": {"id": gid("Member", member), "region": "Scotland"}}, token=token)
    result = await gql(TRAIL, {"id": gid("Member", member)}, token=token)
    assert result["data"]["auditTrail"][0] == {
        "action": "member.updated",
        "actorEmail": "liaison@example.org",
        "actorRole": "STAFF",
        "changes": {"region": "Scotland"},
    }
    assert result["data"]["auditTrail"][1]["action"] == "member.created"
    assert result["data"]["auditTrail"][1]["actorRole"] == "SYSTEM"
    assert result["data"]["auditTrail"][1]["actorEmail"] is None


async def test_partners_cannot_read_the_audit_trail(gql: GraphQL, make: Factory) -> None:
    partner = await make.partner()
    member = await make.member(partner=partner)
    token = await make.token(Role.PARTNER, partner=partner)
    result = await gql(TRAIL, {"id": gid("Member", member)}, token=token)
    assert result["data"] is None
    assert result["errors"][0]["extensions"] == {"code": "FORBIDDEN", "field": "id"}
