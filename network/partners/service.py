"""Operations on regional partners."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.policy import require_staff
from network.auth.principal import Principal, PrincipalKind
from network.kit.errors import Errors, NotFound
from network.kit.loading import rows_by_id
from network.kit.pagination import Page, keyset_page
from network.kit.sentinel import UNSET
from network.kit.validation import clean_country, clean_text
from network.partners.models import Partner

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
partners = Partner.__table__.c


def readable(principal: Principal) -> Select[Any]:
    """The partners the principal may see: staff all, a partner user its own, others none."""
    statement = select(*partners)
    if principal.sees_everything:
        return statement
    if principal.kind is PrincipalKind.PARTNER and principal.partner_id is not None:
        return statement.where(partners.id == principal.partner_id)
    return statement.where(false())


async def list_partners(
    session: AsyncSession, principal: Principal, *, first: int | None, after: str | None
) -> Page:
    """A page of visible partners ordered by slug."""
    return await keyset_page(
        session, readable(principal), [partners.slug, partners.id], first=first, after=after
    )


async def get_partners(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Row[Any]]:
    """Visible partners by id (missing or hidden ones are absent)."""
    return await rows_by_id(session, readable(principal), ids)


async def find_partner_id(session: AsyncSession, slug: str) -> uuid.UUID | None:
    """The id of the partner with this slug, whoever asks (for resolving input references)."""
    return (await session.execute(select(partners.id).where(partners.slug == slug))).scalar()


async def find_visible_partner_id(
    session: AsyncSession, principal: Principal, slug: str
) -> uuid.UUID | None:
    """The id of a partner the principal may see, by slug (for filters: hidden reads as missing)."""
    statement = readable(principal).with_only_columns(partners.id).where(partners.slug == slug)
    return (await session.execute(statement)).scalar()


def visible_partner_ids(principal: Principal) -> Select[Any]:
    """Ids of the partners the principal may see."""
    return readable(principal).with_only_columns(partners.id)


async def create_partner(
    session: AsyncSession,
    principal: Principal,
    *,
    slug: str | None,
    name: str | None,
    countries: Sequence[str],
) -> Partner:
    """Create a regional partner (staff only)."""
    require_staff(principal, "slug")
    errors = Errors()
    clean_slug = clean_text(errors, "slug", slug, max_length=64)
    if clean_slug is not None:
        clean_slug = clean_slug.lower()
        if not SLUG.match(clean_slug):
            errors.add(
                "slug",
                "INVALID_SLUG",
                "Use lower-case letters, digits and single hyphens, e.g. 'wales-partner'.",
            )
        elif await find_partner_id(session, clean_slug) is not None:
            errors.add("slug", "DUPLICATE", f"A partner with slug '{clean_slug}' exists already.")
    clean_name = clean_text(errors, "name", name)
    codes = _clean_countries(errors, countries)
    errors.raise_if_any()
    assert clean_slug is not None and clean_name is not None
    partner = Partner(slug=clean_slug, name=clean_name, countries=codes)
    session.add(partner)
    await session.flush()
    audit.record(
        session,
        principal,
        "partner.created",
        "Partner",
        partner.id,
        {"slug": clean_slug, "name": clean_name, "countries": codes},
    )
    return partner


async def update_partner(
    session: AsyncSession,
    principal: Principal,
    *,
    partner_id: uuid.UUID | None,
    name: Any = UNSET,
    countries: Any = UNSET,
) -> Partner:
    """Change a regional partner's name or countries (staff only); the slug never changes,
    since tokens, filters and links name the partner by it."""
    require_staff(principal, "partnerId")
    partner = None if partner_id is None else await session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("partnerId", "partner")
    errors = Errors()
    changes: dict[str, Any] = {}
    if name is not UNSET:
        changes["name"] = clean_text(errors, "name", name)
    if countries is not UNSET:
        changes["countries"] = _clean_countries(errors, countries or [])
    errors.raise_if_any()
    await audit.apply_and_record(
        session, principal, partner, changes, action="partner.updated", entity_type="Partner"
    )
    return partner


def _clean_countries(errors: Errors, countries: Sequence[str]) -> list[str]:
    """The countries as upper-case ISO codes, each once, in the order given."""
    codes: list[str] = []
    for index, code in enumerate(countries):
        cleaned = clean_country(errors, f"countries[{index}]", code)
        if cleaned and cleaned not in codes:
            codes.append(cleaned)
    return codes
