"""Staff administer users through GraphQL: `users`, `inviteUser`, `sendPasswordReset`,
`endUserSessions`, `User.apiTokens` and `revokeApiToken`."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from network.app import create_app
from network.auth import service as auth
from network.auth import users as user_admin
from network.auth.models import ApiToken, LoginLink, User
from network.auth.principal import Principal, PrincipalKind
from network.config import Settings
from network.kit.enums import Role
from network.kit.errors import duplicate_error
from network.kit.ids import to_global_id
from network.messaging.models import OutboxMessage
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import error_codes, snapshot
from tests.support.messaging import wait_for

INVITE = """
mutation($input: InviteUserInput!) {
  inviteUser(input: $input) {
    user { email name role isActive partner { slug } contact { email } apiTokens { id } }
    userErrors { field code }
  }
}
"""
USERS = """
query($filter: UserFilter, $after: String) {
  users(first: 2, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { email role apiTokens { prefix lastUsedAt revokedAt } } }
  }
}
"""


async def test_staff_invite_a_partner_user_who_gets_a_password_link(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    partner = await make.partner("wales-partner")
    token = await make.token(Role.STAFF)
    body = await gql(
        INVITE,
        {
            "input": {
                "role": "PARTNER",
                "partnerId": gid("Partner", partner),
                "email": "Nia@Wales.example",
                "name": "Nia Jones",
                "language": "fr",
            }
        },
        token=token,
    )
    assert body == {
        "data": {
            "inviteUser": {
                "user": {
                    "email": "nia@wales.example",
                    "name": "Nia Jones",
                    "role": "PARTNER",
                    "isActive": True,
                    "partner": {"slug": "wales-partner"},
                    "contact": None,
                    "apiTokens": [],
                },
                "userErrors": [],
            }
        }
    }
    message = await session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_email == "nia@wales.example")
    )
    assert message is not None
    assert (message.template, message.language) == ("user_invitation", "fr")
    token_text = message.context["password_url"].rsplit("/", 1)[1]
    link = await session.scalar(
        select(LoginLink).where(LoginLink.token_hash == auth.hash_token(token_text))
    )
    assert link is not None and link.purpose == "PASSWORD_RESET"
    assert round((link.expires_at - link.created_at).total_seconds() / 86400) == 7


async def test_staff_invite_a_member_contact_with_its_own_email(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    member = await make.member()
    contact = await make.contact(member, "sian@aberdare.example", first_name="Siân")
    token = await make.token(Role.STAFF)
    body = await gql(
        INVITE, {"input": {"role": "MEMBER", "contactId": gid("Contact", contact)}}, token=token
    )
    user = body["data"]["inviteUser"]["user"]
    assert (user["email"], user["role"], user["contact"]) == (
        "sian@aberdare.example",
        "MEMBER",
        {"email": "sian@aberdare.example"},
    )
    message = await session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_email == "sian@aberdare.example")
    )
    assert message is not None and message.context["password_url"] is None
    again = await gql(
        INVITE, {"input": {"role": "MEMBER", "contactId": gid("Contact", contact)}}, token=token
    )
    assert error_codes(again["data"]["inviteUser"]) == [("contactId", "DUPLICATE")]


async def test_a_bad_invitation_names_its_fields_and_changes_nothing(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    partner = await make.partner()
    token = await make.token(Role.STAFF)
    await session.commit()
    before = await snapshot(session)
    cases = [
        ({"role": "PARTNER", "email": "x@example.org", "name": "X"}, [("partnerId", "REQUIRED")]),
        (
            {"role": "STAFF", "email": "x@example.org", "name": "X"},
            [("role", "NOT_ALLOWED")],
        ),
        (
            {"role": "MEMBER", "partnerId": gid("Partner", partner)},
            [("partnerId", "NOT_ALLOWED"), ("contactId", "REQUIRED")],
        ),
        (
            {"role": "PARTNER", "partnerId": gid("Partner", partner), "email": "nope"},
            [("email", "INVALID_EMAIL"), ("name", "REQUIRED")],
        ),
    ]
    for given, expected in cases:
        body = await gql(INVITE, {"input": given}, token=token)
        got = error_codes(body["data"]["inviteUser"])
        assert [f for f, _ in got] == [f for f, _ in expected], (given, got)
        assert got[0][1] == expected[0][1], (given, got)
    assert await snapshot(session) == before


async def test_users_are_listed_by_filter_with_their_tokens_and_never_their_secrets(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    wales, france = await make.partner("wales-x"), await make.partner("france-x")
    users = [await make.user(Role.PARTNER, partner=wales) for _ in range(3)]
    await make.user(Role.PARTNER, partner=france)
    secret = await make.token_for(users[0])
    token = await make.token(Role.STAFF)
    first = await gql(USERS, {"filter": {"partnerSlug": "wales-x"}}, token=token)
    page = first["data"]["users"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"] is True
    nodes = [e["node"] for e in page["edges"]]
    rest = await gql(
        USERS,
        {"filter": {"partnerSlug": "wales-x"}, "after": page["pageInfo"]["endCursor"]},
        token=token,
    )
    nodes += [e["node"] for e in rest["data"]["users"]["edges"]]
    assert sorted(n["email"] for n in nodes) == sorted(u.email for u in users)
    tokens = {n["email"]: n["apiTokens"] for n in nodes}
    assert tokens[users[0].email] == [
        {"prefix": secret[:13], "lastUsedAt": None, "revokedAt": None}
    ]
    assert secret not in str(first) + str(rest)
    staff = await gql(USERS, {"filter": {"role": "STAFF", "active": True}}, token=token)
    assert {e["node"]["role"] for e in staff["data"]["users"]["edges"]} == {"STAFF"}


async def test_end_sessions_reset_and_revoke_a_token(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    partner = await make.partner()
    user = await make.user(Role.PARTNER, partner=partner)
    await auth.start_portal_session(session, user)
    await auth.start_portal_session(session, user)
    secret = await make.token_for(user)
    token = await make.token(Role.STAFF)
    ended = await gql(
        "mutation($input: EndUserSessionsInput!) { endUserSessions(input: $input) {"
        " user { email } endedSessions userErrors { field code } } }",
        {"input": {"userId": gid("User", user)}},
        token=token,
    )
    assert ended["data"]["endUserSessions"] == {
        "user": {"email": user.email},
        "endedSessions": 2,
        "userErrors": [],
    }
    reset = await gql(
        "mutation($input: SendPasswordResetInput!) { sendPasswordReset(input: $input) {"
        " user { email } userErrors { field code } } }",
        {"input": {"userId": gid("User", user)}},
        token=token,
    )
    assert reset["data"]["sendPasswordReset"]["userErrors"] == []
    assert (
        await session.scalar(
            select(OutboxMessage.template).where(OutboxMessage.to_email == user.email)
        )
        == "password_reset"
    )
    row = await session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row is not None
    revoke = (
        "mutation($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) {"
        " apiToken { prefix revokedAt } userErrors { field code } } }"
    )
    body = await gql(revoke, {"input": {"tokenId": to_global_id("ApiToken", row.id)}}, token=token)
    assert body["data"]["revokeApiToken"]["apiToken"]["revokedAt"] is not None
    assert await auth.authenticate_token(session, secret) is None
    again = await gql(revoke, {"input": {"tokenId": to_global_id("ApiToken", row.id)}}, token=token)
    assert error_codes(again["data"]["revokeApiToken"]) == [("tokenId", "ALREADY_REVOKED")]
    unknown = await gql(revoke, {"input": {"tokenId": "nonsense"}}, token=token)
    assert error_codes(unknown["data"]["revokeApiToken"]) == [("tokenId", "NOT_FOUND")]


async def test_partners_and_members_may_not_administer_users(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    partner = await make.partner()
    own = await make.token(Role.PARTNER, partner=partner)
    body = await gql(USERS, {}, token=own)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_user_is_a_node_for_staff_only(gql: GraphQL, make: Factory) -> None:
    partner = await make.partner("node-partner")
    user = await make.user(Role.PARTNER, partner=partner, email="node.user@wales.example")
    await make.token_for(user)
    query = "query($id: ID!) { node(id: $id) { ... on User { email apiTokens { prefix } } } }"
    variables = {"id": to_global_id("User", user.id)}
    seen = await gql(query, variables, token=await make.token(Role.STAFF))
    node = seen["data"]["node"]
    assert node["email"] == "node.user@wales.example"
    assert len(node["apiTokens"]) == 1
    for other in (Role.PARTNER,):
        hidden = await gql(query, variables, token=await make.token(other, partner=partner))
        assert hidden == {"data": {"node": None}}


async def test_a_contact_whose_address_another_member_shares_is_invited_by_its_id(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    first = await make.contact(await make.member(), "clerk@valleys.example", first_name="Ceri")
    twin = await make.contact(await make.member(), "clerk@valleys.example", first_name="Dai")
    token = await make.token(Role.STAFF)
    body = await gql(
        INVITE, {"input": {"role": "MEMBER", "contactId": gid("Contact", twin)}}, token=token
    )
    payload = body["data"]["inviteUser"]
    assert payload["userErrors"] == []
    assert payload["user"]["email"] == "clerk@valleys.example"
    user = await auth.find_user(session, "clerk@valleys.example")
    assert user is not None and user.contact_id == twin.id != first.id


async def test_a_member_is_invited_at_the_contacts_own_address_only(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    contact = await make.contact(await make.member(), "sian@aberdare.example")
    token = await make.token(Role.STAFF)
    await session.commit()
    before = await snapshot(session)
    given = {"role": "MEMBER", "contactId": gid("Contact", contact), "email": "me@gmail.example"}
    refused = await gql(INVITE, {"input": given}, token=token)
    assert error_codes(refused["data"]["inviteUser"]) == [("email", "NOT_CONTACT_EMAIL")]
    assert await snapshot(session) == before
    # The same address, however it is typed, is the contact's own.
    given["email"] = "  Sian@ABERDARE.example "
    body = await gql(INVITE, {"input": given}, token=token)
    assert body["data"]["inviteUser"]["userErrors"] == []
    assert body["data"]["inviteUser"]["user"]["email"] == "sian@aberdare.example"


async def test_a_contact_with_a_login_is_not_invited_again(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    contact = await make.contact(await make.member(), "owain@caerphilly.example")
    await make.user(Role.MEMBER, contact=contact)  # made with the CLI's way
    token = await make.token(Role.STAFF)
    await session.commit()
    before = await snapshot(session)
    body = await gql(
        INVITE, {"input": {"role": "MEMBER", "contactId": gid("Contact", contact)}}, token=token
    )
    assert error_codes(body["data"]["inviteUser"]) == [("contactId", "DUPLICATE")]
    assert await snapshot(session) == before


async def lock_waiters(engine: AsyncEngine) -> int:
    """How many connections to this database wait for a lock (a row's or a unique key's)."""
    statement = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND datname = current_database()"
    )
    async with engine.connect() as connection:
        return int((await connection.execute(statement)).scalar_one())


async def test_two_invitations_of_one_contact_at_once_make_one_login(
    committed: async_sessionmaker[AsyncSession],
    outbox_engine: AsyncEngine,
    outbox_database_url: str,
    settings: Settings,
) -> None:
    async with committed() as session:
        make = Factory(session)
        contact = await make.contact(await make.member(), "bethan@torfaen.example")
        staff_user = await make.user(Role.STAFF)
        token = await make.token_for(staff_user)
        staff = Principal(PrincipalKind.STAFF, user_id=staff_user.id, email=staff_user.email)
        contact_id = contact.id
    own = settings.model_copy(update={"database_url": outbox_database_url})
    app = create_app(own, session_factory=committed)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    variables = {"input": {"role": "MEMBER", "contactId": to_global_id("Contact", contact_id)}}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
        committed() as first,
    ):
        await user_admin.invite_user(
            first, staff, email=None, name=None, role=Role.MEMBER, contact_id=contact_id
        )
        second = asyncio.create_task(
            client.post(
                "/graphql",
                json={"query": INVITE, "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )
        )
        await wait_for(
            lambda: lock_waiters(outbox_engine), within=10, what="the second invitation to wait"
        )
        await first.commit()
        answer = await second
    assert answer.status_code == 200, answer.text
    assert error_codes(answer.json()["data"]["inviteUser"]) == [("contactId", "DUPLICATE")]
    async with committed() as session:
        logins = select(func.count()).where(User.contact_id == contact_id)
        assert await session.scalar(logins) == 1


def test_the_database_answers_a_second_login_for_a_contact_as_a_user_error() -> None:
    # What a GraphQL mutation or a portal form answers when uq_users_contact_id has the last
    # word (two logins made for one contact at once by ways that do not take turns).
    found = duplicate_error("uq_users_contact_id")
    assert found is not None
    assert [(e.field, e.code) for e in found.errors] == [("contactId", "DUPLICATE")]


async def test_a_staff_password_is_never_reset_by_email(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    colleague = await make.user(Role.STAFF)
    token = await make.token(Role.STAFF)
    await session.commit()
    before = await snapshot(session)
    body = await gql(
        "mutation($input: SendPasswordResetInput!) { sendPasswordReset(input: $input) {"
        " user { email } userErrors { field code message } } }",
        {"input": {"userId": gid("User", colleague)}},
        token=token,
    )
    assert body["data"]["sendPasswordReset"] == {
        "user": None,
        "userErrors": [
            {
                "field": "userId",
                "code": "NOT_ALLOWED",
                "message": "Staff passwords are set with `network users set-password`.",
            }
        ],
    }
    assert await snapshot(session) == before
