"""The Query root: thin resolvers that call the services with the caller's principal."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import strawberry

from network.api.context import InvalidArgumentError
from network.api.enums import MembershipStatus, Network
from network.api.relay import (
    Connection,
    Node,
    as_argument_error,
    decode_filter_id,
    decode_id,
    list_connection,
)
from network.api.types import (
    AnyInfo,
    Cohort,
    Contact,
    Member,
    Partner,
    StepProgress,
    Viewer,
    member_connection,
)
from network.auth.models import User
from network.contacts import service as contacts
from network.kit.errors import DomainError
from network.kit.ids import from_global_id
from network.members import service as members
from network.partners import service as partners
from network.programme import service as programme


@strawberry.input(description="Filters for `members`; every field narrows the list.")
class MemberFilter:
    network: Network | None = None
    country: str | None = strawberry.field(default=None, description="ISO 3166-1 alpha-2.")
    membership_status: MembershipStatus | None = None
    partner_slug: str | None = None
    partner_id: strawberry.ID | None = None
    cohort_id: strawberry.ID | None = None
    search: str | None = strawberry.field(default=None, description="Part of the name.")


@strawberry.input(description="Filters for `contacts`.")
class ContactFilter:
    member_id: strawberry.ID | None = None
    search: str | None = strawberry.field(
        default=None, description="Part of the name or email address."
    )
    email: str | None = None
    language: str | None = None
    include_archived: bool = False


@strawberry.input(description="Filters for `cohorts`.")
class CohortFilter:
    network: Network | None = None
    partner_slug: str | None = None
    search: str | None = None


# Other parts of the domain register their node types here: type name -> resolver.
NODE_RESOLVERS: dict[str, Callable[[AnyInfo, uuid.UUID], Awaitable[Node | None]]] = {}


async def _node(info: AnyInfo, global_id: str) -> Node | None:
    parsed = from_global_id(global_id)
    if parsed is None:
        return None
    type_name, raw_id = parsed
    loaders = info.context.loaders
    if type_name == "Member":
        row = await loaders.member.load(raw_id)
        return Member.from_row(row) if row else None
    if type_name == "Contact":
        row = await loaders.contact.load(raw_id)
        return Contact.from_row(row) if row else None
    if type_name == "Cohort":
        row = await loaders.cohort.load(raw_id)
        return Cohort.from_row(row) if row else None
    if type_name == "Partner":
        row = await loaders.partner.load(raw_id)
        return Partner.from_row(row) if row else None
    if type_name == "StepProgress":
        record = await programme.get_progress(info.context.session, info.context.principal, raw_id)
        return StepProgress.from_row(record) if record else None
    resolver = NODE_RESOLVERS.get(type_name)
    return await resolver(info, raw_id) if resolver else None


def _text(value: str | None, field: str) -> str | None:
    """A filter's text; text the database cannot hold (a NUL character) is an argument error."""
    if value is not None and "\x00" in value:
        raise InvalidArgumentError(
            field, "INVALID_CHARACTER", "Text must not contain NUL (U+0000) characters."
        )
    return value


async def _partner_id(info: AnyInfo, slug: str | None) -> uuid.UUID | None:
    if slug is None:
        return None
    # A partner the caller may not see reads as one that does not exist.
    found = await partners.find_visible_partner_id(
        info.context.session, info.context.principal, slug.strip().lower()
    )
    if found is None:
        raise InvalidArgumentError("filter.partnerSlug", "NOT_FOUND", "No partner with this slug.")
    return found


@strawberry.type
class CrmQuery:
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

    @strawberry.field(description="Any object you may see, by global id; null for the rest.")
    async def node(self, info: AnyInfo, id: strawberry.ID) -> Node | None:
        info.context.require_principal()
        return await _node(info, str(id))

    @strawberry.field(description="Regional partners (a partner user sees its own).")
    async def partners(
        self, info: AnyInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Partner]:
        principal = info.context.require_principal()
        return await list_connection(
            partners.list_partners(info.context.session, principal, first=first, after=after),
            Partner.from_row,
        )

    @strawberry.field(description="Member organisations you may see, by name.")
    async def members(
        self,
        info: AnyInfo,
        first: int | None = 20,
        after: str | None = None,
        filter: MemberFilter | None = None,
    ) -> Connection[Member]:
        principal = info.context.require_principal()
        f = filter or MemberFilter()
        query = members.MemberQuery(
            network=f.network,
            country=_text(f.country, "filter.country"),
            membership_status=f.membership_status,
            search=_text(f.search, "filter.search"),
            cohort_id=decode_filter_id(f.cohort_id, "Cohort", "filter.cohortId"),
            partner_id=decode_filter_id(f.partner_id, "Partner", "filter.partnerId")
            or await _partner_id(info, _text(f.partner_slug, "filter.partnerSlug")),
        )
        try:
            page = await members.list_members(
                info.context.session, principal, query, first=first, after=after
            )
        except DomainError as error:
            raise as_argument_error(error) from error
        return await member_connection(info, page)

    @strawberry.field(description="One member organisation, or null if you may not see it.")
    async def member(self, info: AnyInfo, id: strawberry.ID) -> Member | None:
        info.context.require_principal()
        raw = decode_id(id, "Member")
        row = await info.context.loaders.member.load(raw) if raw else None
        return Member.from_row(row) if row else None

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
            member_id=decode_filter_id(f.member_id, "Member", "filter.memberId"),
            search=_text(f.search, "filter.search"),
            email=_text(f.email, "filter.email"),
            language=_text(f.language, "filter.language"),
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
        raw = decode_id(id, "Contact")
        row = await info.context.loaders.contact.load(raw) if raw else None
        return Contact.from_row(row) if row else None

    @strawberry.field(description="Cohorts you may see, by name.")
    async def cohorts(
        self,
        info: AnyInfo,
        first: int | None = 20,
        after: str | None = None,
        filter: CohortFilter | None = None,
    ) -> Connection[Cohort]:
        principal = info.context.require_principal()
        f = filter or CohortFilter()
        query = programme.CohortQuery(
            network=f.network,
            search=_text(f.search, "filter.search"),
            partner_id=await _partner_id(info, _text(f.partner_slug, "filter.partnerSlug")),
        )
        return await list_connection(
            programme.list_cohorts(
                info.context.session, principal, query, first=first, after=after
            ),
            Cohort.from_row,
        )

    @strawberry.field(description="One cohort, or null if you may not see it.")
    async def cohort(self, info: AnyInfo, id: strawberry.ID) -> Cohort | None:
        info.context.require_principal()
        raw = decode_id(id, "Cohort")
        row = await info.context.loaders.cohort.load(raw) if raw else None
        return Cohort.from_row(row) if row else None
