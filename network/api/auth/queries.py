"""The `viewer` query: who the bearer token belongs to."""

from __future__ import annotations

import strawberry

from network.api.auth.types import Viewer
from network.api.core.context import AnyInfo
from network.auth.models import User


@strawberry.type
class AuthQuery:
    @strawberry.field(description="The signed-in user.")
    async def viewer(self, info: AnyInfo) -> Viewer:
        principal = info.context.require_principal()
        user = await info.context.session.get(User, principal.user_id)
        assert user is not None
        return Viewer(
            email=user.email,
            name=user.name,
            role=user.role,
            partner_id=user.partner_id,
            contact_id=user.contact_id,
        )
