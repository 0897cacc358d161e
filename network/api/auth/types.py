"""The GraphQL type of the signed-in user."""

from __future__ import annotations

import uuid

import strawberry

from network.api.contacts.types import Contact, load_contact
from network.api.core.context import AnyInfo
from network.api.core.enums import Role
from network.api.partners.types import Partner, load_partner


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
