"""The portal over HTTP as a browser without JavaScript: forms, CSRF tokens, signing in, and
the partner users the portal tests sign in as (every one has PASSWORD)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.kit.enums import Role
from tests.support.config import PASSWORD
from tests.support.factories import Factory

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: str) -> str:
    """The CSRF token in the first form of a page."""
    found = CSRF.search(page)
    assert found, "no CSRF token on the page"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    """Open the sign-in page and post its form; the client keeps the session cookie."""
    page = await client.get("/portal/login")
    return await client.post(
        "/portal/login",
        data={"csrf": csrf_of(page.text), "email": email, "password": password},
    )


async def page_token(client: httpx.AsyncClient, url: str) -> str:
    """The CSRF token of the page at `url`."""
    return csrf_of((await client.get(url)).text)


async def partner_user(
    make: Factory, session: AsyncSession, email: str | None = None
) -> dict[str, Any]:
    """A partner with a user who has a password, and a cohort of two members."""
    partner = await make.partner()
    user = await make.user(Role.PARTNER, partner=partner, email=email)
    await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    first = await make.member("Aberdare Council", partner=partner)
    second = await make.member("Bangor Council", partner=partner)
    cohort = await make.cohort(
        f"Cohort of {partner.slug}", partner=partner, members=[first, second]
    )
    await session.commit()
    return {"email": user.email, "cohort": cohort, "members": [first, second]}


async def partner_with_contacts(
    make: Factory, session: AsyncSession, names: list[str]
) -> dict[str, Any]:
    """A partner user (with a password), one member and a contact per name."""
    partner = await make.partner()
    user = await make.user(Role.PARTNER, partner=partner)
    await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    member = await make.member(f"Council of {partner.slug}", partner=partner)
    people = []
    for name in names:
        first, last = name.split(" ")
        people.append(await make.contact(member, first_name=first, last_name=last))
    return {"partner": partner, "user": user, "member": member, "contacts": people}
