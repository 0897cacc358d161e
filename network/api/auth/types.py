"""The GraphQL types of the signed-in user, of users (staff see them all) and API tokens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry

from network.api.contacts.types import Contact, load_contact
from network.api.core.context import AnyInfo
from network.api.core.enums import Role
from network.api.core.relay import Node, selected_below
from network.api.partners.types import Partner, load_partner
from network.auth import users as user_admin
from network.kit.ids import to_global_id


@strawberry.type(description="The signed-in user.")
class Viewer:
    email: str
    name: str
    role: Role
    partner_id: strawberry.Private[uuid.UUID | None]
    contact_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The partner a partner user works for.")
    async def partner(self, info: AnyInfo) -> Partner | None:
        return await load_partner(info, self.partner_id)

    @strawberry.field(description="The contact a member user is.")
    async def contact(self, info: AnyInfo) -> Contact | None:
        return await load_contact(info, self.contact_id)


@strawberry.type(description="An API token of a user: when it was made and used; never its secret.")
class ApiToken(Node):
    prefix: str | None = strawberry.field(
        description="Its first characters (ncrm_ and 8 more): names it without being usable."
    )
    created_at: datetime
    last_used_at: datetime | None = strawberry.field(
        description="Its last use, recorded at most once a minute."
    )
    expires_at: datetime
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> ApiToken:
        """Build from an api_tokens row or entity."""
        return cls(
            id=strawberry.ID(to_global_id("ApiToken", row.id)),
            prefix=row.prefix,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )


@strawberry.type(
    description="Someone who can sign in: staff, a partner's user or a member contact."
)
class User(Node):
    email: str
    name: str
    role: Role
    is_active: bool = strawberry.field(description="Whether the user may sign in.")
    language: str | None = strawberry.field(description="The portal language they chose.")
    created_at: datetime
    api_tokens: list[ApiToken] = strawberry.field(
        description="The user's API tokens, newest first (revoked and expired ones too)."
    )
    db_id: strawberry.Private[uuid.UUID]
    partner_id: strawberry.Private[uuid.UUID | None]
    contact_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The partner a partner user works for.")
    async def partner(self, info: AnyInfo) -> Partner | None:
        return await load_partner(info, self.partner_id)

    @strawberry.field(description="The contact a member user is.")
    async def contact(self, info: AnyInfo) -> Contact | None:
        return await load_contact(info, self.contact_id)

    @classmethod
    def from_row(cls, row: Any, tokens: Sequence[Any] = ()) -> User:
        """Build from a users row or entity, with its tokens when they were asked for."""
        return cls(
            id=strawberry.ID(to_global_id("User", row.id)),
            db_id=row.id,
            email=row.email,
            name=row.name,
            role=row.role,
            is_active=row.is_active,
            language=row.language,
            created_at=row.created_at,
            api_tokens=[ApiToken.from_row(t) for t in tokens],
            partner_id=row.partner_id,
            contact_id=row.contact_id,
        )


async def users_of_rows(info: AnyInfo, rows: Sequence[Any], *path: str) -> list[User]:
    """GraphQL users of these rows; their tokens read in one query, before the users are
    returned, when `apiTokens` is selected under `path`."""
    wanted = any(f.name == "apiTokens" for f in selected_below(info, *path))
    tokens: dict[uuid.UUID, list[Any]] = {}
    if wanted and rows:
        tokens = await user_admin.user_tokens(
            info.context.session, info.context.require_principal(), [r.id for r in rows]
        )
    return [User.from_row(row, tokens.get(row.id, ())) for row in rows]


async def user_node(info: AnyInfo, raw_id: uuid.UUID) -> User | None:
    """A user by id, with their tokens, for staff (for `node(id:)`); None for everyone else."""
    principal = info.context.principal
    row = (await user_admin.get_users(info.context.session, principal, [raw_id])).get(raw_id)
    if row is None:
        return None
    tokens = await user_admin.user_tokens(info.context.session, principal, [row.id])
    return User.from_row(row, tokens.get(row.id, ()))
