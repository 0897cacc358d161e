"""The `viewer` query (who the bearer token belongs to) and `users` (staff only)."""

from __future__ import annotations

import strawberry

from network.api.auth.types import User, Viewer, users_of_rows
from network.api.core.context import AnyInfo
from network.api.core.enums import Role
from network.api.core.errors import as_argument_error
from network.api.core.relay import Connection, connection_from_page
from network.api.partners.queries import partner_id_of_slug
from network.auth import users as user_admin
from network.auth.models import User as UserModel
from network.kit.errors import DomainError


@strawberry.input(description="Filters for `users`; every field narrows the list.")
class UserFilter:
    partner_slug: str | None = None
    role: Role | None = None
    active: bool | None = strawberry.field(
        default=None, description="true: those who may sign in; false: deactivated ones."
    )
    search: str | None = strawberry.field(default=None, description="Part of a name or email.")


@strawberry.type
class AuthQuery:
    @strawberry.field(description="The signed-in user.")
    async def viewer(self, info: AnyInfo) -> Viewer:
        principal = info.context.require_principal()
        user = await info.context.session.get(UserModel, principal.user_id)
        assert user is not None
        return Viewer(
            email=user.email,
            name=user.name,
            role=user.role,
            partner_id=user.partner_id,
            contact_id=user.contact_id,
        )

    @strawberry.field(description="Every user, by email (staff only).")
    async def users(
        self,
        info: AnyInfo,
        first: int | None = 20,
        after: str | None = None,
        filter: UserFilter | None = None,
    ) -> Connection[User]:
        principal = info.context.require_principal()
        f = filter or UserFilter()
        query = user_admin.UserQuery(
            partner_id=await partner_id_of_slug(info, f.partner_slug),
            role=f.role,
            active=f.active,
            search=f.search,
        )
        try:
            page = await user_admin.list_users(
                info.context.session, principal, query, first=first, after=after
            )
        except DomainError as error:
            raise as_argument_error(error) from error
        nodes = {u.db_id: u for u in await users_of_rows(info, page.rows, "edges", "node")}
        return connection_from_page(page, lambda row: nodes[row.id])
