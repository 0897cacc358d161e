"""Factory helpers with sensible defaults; everything goes through the services."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.models import User
from network.auth.principal import SYSTEM
from network.contacts.models import Contact
from network.kit.enums import Network, Role
from network.kit.ids import to_global_id
from network.members import service as members
from network.members.models import Member
from network.partners import service as partners
from network.partners.models import Partner
from network.programme import service as programme
from network.programme.models import Cohort
from network.usecases import cohorts as cohort_cases
from network.usecases import contacts as contact_cases

_seq = itertools.count(1)


def gid(type_name: str, obj: Any) -> str:
    """The global id of an entity."""
    return to_global_id(type_name, obj.id)


class Factory:
    """Creates rows inside the test's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def partner(self, slug: str | None = None, **kw: Any) -> Partner:
        n = next(_seq)
        return await partners.create_partner(
            self.session,
            SYSTEM,
            slug=slug or f"partner-{n}",
            name=kw.get("name", f"Partner {n}"),
            countries=kw.get("countries", ["GB"]),
        )

    async def member(
        self,
        name: str | None = None,
        *,
        partner: Partner | None = None,
        network: Network = Network.CITIZEN_POWERED_COUNCIL,
        country: str = "GB",
    ) -> Member:
        n = next(_seq)
        return await members.create_member(
            self.session,
            SYSTEM,
            name=name or f"Member Council {n:05d}",
            network=network,
            country=country,
            partner_slug=partner.slug if partner else None,
        )

    async def contact(self, member: Member, email: str | None = None, **kw: Any) -> Contact:
        n = next(_seq)
        return await contact_cases.create_contact(
            self.session,
            SYSTEM,
            member_id=member.id,
            email=email or f"person{n}@example.org",
            first_name=kw.get("first_name", "Alex"),
            last_name=kw.get("last_name", f"Person{n:05d}"),
            job_title=kw.get("job_title"),
            language=kw.get("language", "en"),
        )

    async def cohort(
        self,
        name: str | None = None,
        *,
        partner: Partner | None = None,
        network: Network = Network.CITIZEN_POWERED_COUNCIL,
        members: list[Member] = (),
    ) -> Cohort:  # type: ignore[assignment]
        n = next(_seq)
        cohort = await programme.create_cohort(
            self.session,
            SYSTEM,
            name=name or f"Cohort {n}",
            network=network,
            partner_slug=partner.slug if partner else None,
        )
        for member in members:
            await cohort_cases.add_cohort_member(
                self.session, SYSTEM, cohort_id=cohort.id, member_id=member.id
            )
        return cohort

    async def user(
        self,
        role: Role,
        *,
        partner: Partner | None = None,
        contact: Contact | None = None,
        email: str | None = None,
    ) -> User:
        n = next(_seq)
        return await auth.create_user(
            self.session,
            SYSTEM,
            email=email or (contact.email if contact else f"user{n}@example.org"),
            name=f"User {n}",
            role=role,
            partner_slug=partner.slug if partner else None,
            contact_email=contact.email if contact else None,
        )

    async def token(
        self,
        role: Role = Role.STAFF,
        *,
        partner: Partner | None = None,
        contact: Contact | None = None,
    ) -> str:
        """A bearer token for a new user of that role."""
        user = await self.user(role, partner=partner, contact=contact)
        token = await auth.create_token(self.session, SYSTEM, user.email)
        await self.session.commit()
        return token

    async def token_for(self, user: User) -> str:
        """A bearer token for an existing user."""
        token = await auth.create_token(self.session, SYSTEM, user.email)
        await self.session.commit()
        return token
