"""The GraphQL types of a contact and its consent."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from network.api.consent.types import ConsentEvent, ConsentState, contact_consents, contact_ledger
from network.api.core.context import AnyInfo
from network.api.core.relay import Connection, Node
from network.kit.ids import to_global_id
from network.kit.pagination import encode_cursor

if TYPE_CHECKING:
    from network.api.members.types import Member


@strawberry.type(description="What a contact agreed to be contacted about, when and how.")
class Consent:
    scope: str | None
    given_at: datetime | None
    method: str | None


@strawberry.type(description="A person, usually at a member organisation.")
class Contact(Node):
    email: str
    first_name: str
    last_name: str
    job_title: str | None
    language: str = strawberry.field(description="Preferred language: en, cy, fr, es or de.")
    email_opt_outs: list[str]
    archived_at: datetime | None
    erased_at: datetime | None = strawberry.field(
        description="When the person was erased (anonymised for good); null if never."
    )
    created_at: datetime
    updated_at: datetime
    consent: Consent
    db_id: strawberry.Private[uuid.UUID]
    member_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any) -> Contact:
        """Build from a contacts row or entity."""
        return cls(
            id=strawberry.ID(to_global_id("Contact", row.id)),
            db_id=row.id,
            member_id=row.member_id,
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            job_title=row.job_title,
            language=row.language,
            email_opt_outs=list(row.email_opt_outs),
            archived_at=row.archived_at,
            erased_at=row.erased_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            consent=Consent(
                scope=row.consent_scope, given_at=row.consent_given_at, method=row.consent_method
            ),
        )

    @strawberry.field(description="First and last name.")
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @strawberry.field(description="Whether the contact is archived (kept, but out of lists).")
    def archived(self) -> bool:
        return self.archived_at is not None

    @strawberry.field(
        description=(
            "The contact's current consent per purpose, derived from the consent ledger "
            "(a purpose never recorded is given: legitimate interest, with an opt-out)."
        )
    )
    async def consents(self, info: AnyInfo) -> list[ConsentState]:
        return await contact_consents(info, self.db_id)

    @strawberry.field(
        description="The consent ledger: every consent given or withdrawn, newest first."
    )
    async def consent_ledger(
        self, info: AnyInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[ConsentEvent]:
        return await contact_ledger(info, self.db_id, first, after)

    @strawberry.field(description="The member organisation the contact belongs to.")
    async def member(
        self, info: AnyInfo
    ) -> Annotated[Member, strawberry.lazy("network.api.members.types")] | None:
        from network.api.members.types import load_member

        return await load_member(info, self.member_id)


def contact_cursor(row: Any) -> str:
    """The cursor of a contact in a list by name."""
    return encode_cursor([row.last_name, row.first_name, row.id])


async def load_contact(info: AnyInfo, contact_id: uuid.UUID | None) -> Contact | None:
    """The contact with this id, through the request's loader; None when hidden or missing."""
    if contact_id is None:
        return None
    row = await info.context.loaders.contact.load(contact_id)
    return Contact.from_row(row) if row else None
