"""Queries on contacts."""

from __future__ import annotations

import strawberry

from network.api.contacts.types import Contact, load_contact
from network.api.core.context import AnyInfo
from network.api.core.errors import filter_text
from network.api.core.ids import decode_id, filter_id
from network.api.core.relay import Connection, list_connection
from network.contacts import service as contacts


@strawberry.input(description="Filters for `contacts`.")
class ContactFilter:
    member_id: strawberry.ID | None = None
    search: str | None = strawberry.field(
        default=None, description="Part of the name or email address."
    )
    email: str | None = None
    language: str | None = None
    include_archived: bool = False


@strawberry.type
class ContactsQuery:
    @strawberry.field(description="Contacts you may see, by last name.")
    async def contacts(
        self,
        info: AnyInfo,
        first: int | None = 20,
        after: str | None = None,
        filter: ContactFilter | None = None,
    ) -> Connection[Contact]:
        principal = info.context.require_principal()
        f = filter or ContactFilter()
        query = contacts.ContactQuery(
            member_id=filter_id(f.member_id, "Member", "filter.memberId"),
            search=filter_text(f.search, "filter.search"),
            email=filter_text(f.email, "filter.email"),
            language=filter_text(f.language, "filter.language"),
            include_archived=f.include_archived,
        )
        return await list_connection(
            contacts.list_contacts(
                info.context.session, principal, query, first=first, after=after
            ),
            Contact.from_row,
        )

    @strawberry.field(description="One contact, or null if you may not see it.")
    async def contact(self, info: AnyInfo, id: strawberry.ID) -> Contact | None:
        info.context.require_principal()
        return await load_contact(info, decode_id(id, "Contact"))
