"""Operations on member organisations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.policy import require_manager
from network.auth.principal import Principal, PrincipalKind
from network.auth.scope import cohort_condition, member_condition
from network.kit.enums import MembershipStatus, Network
from network.kit.errors import Errors, PermissionDenied
from network.kit.loading import load_visible, rows_by_id
from network.kit.pagination import Page, keyset_page
from network.kit.search import contains_text
from network.kit.validation import clean_country, clean_text
from network.members.models import Member
from network.partners.models import Partner
from network.partners.service import find_partner_id, visible_partner_ids
from network.programme.models import Cohort, CohortMember

members = Member.__table__.c
from network.kit.sentinel import UNSET  # noqa: E402


@dataclass(slots=True)
class MemberQuery:
    """Filters for listing members; None means "any"."""

    network: Network | None = None
    country: str | None = None
    membership_status: MembershipStatus | None = None
    partner_id: uuid.UUID | None = None
    cohort_id: uuid.UUID | None = None
    search: str | None = None


def readable(principal: Principal) -> Select[Any]:
    """The members the principal may see, as Core rows (the only way to read members)."""
    return select(*members).where(member_condition(principal, members.id))


async def list_members(
    session: AsyncSession,
    principal: Principal,
    query: MemberQuery,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """A page of visible members matching the query, ordered by name."""
    statement = readable(principal)
    if query.network is not None:
        statement = statement.where(members.network == query.network)
    if query.country is not None:
        statement = statement.where(members.country == query.country.strip().upper())
    if query.membership_status is not None:
        statement = statement.where(members.membership_status == query.membership_status)
    # Filters name partners and cohorts only as far as the principal may see them, so that
    # filtering by a hidden one reads exactly like filtering by one that does not exist.
    if query.partner_id is not None:
        statement = statement.where(
            members.partner_id == query.partner_id,
            members.partner_id.in_(visible_partner_ids(principal)),
        )
    if query.cohort_id is not None:
        statement = statement.where(
            members.id.in_(
                select(CohortMember.member_id).where(
                    CohortMember.cohort_id == query.cohort_id,
                    cohort_condition(principal, CohortMember.cohort_id),
                )
            )
        )
    if query.search and query.search.strip():
        statement = statement.where(contains_text(members.name, query.search))
    return await keyset_page(
        session, statement, [members.name, members.id], first=first, after=after
    )


async def get_members(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Row[Any]]:
    """Visible members by id (missing or hidden ones are absent)."""
    return await rows_by_id(session, readable(principal), ids)


async def load_member(
    session: AsyncSession,
    principal: Principal,
    member_id: uuid.UUID | None,
    field: str,
    *,
    for_update: bool = False,
) -> Member:
    """The member as an entity for changing it; hidden and missing look the same."""
    visible = member_condition(principal, Member.id)
    return await load_visible(
        session, Member, member_id, visible, field=field, what="member", for_update=for_update
    )


async def _partner_countries(session: AsyncSession, principal: Principal) -> list[str] | None:
    """The countries a partner user's partnership covers; None for staff (every country)."""
    if principal.kind is not PrincipalKind.PARTNER:
        return None
    statement = select(Partner.countries).where(Partner.id == principal.partner_id)
    return list(await session.scalar(statement) or [])


def _within(errors: Errors, countries: list[str] | None, country: str | None, *, new: bool) -> None:
    """Is the member's country one of the partner's (staff: always)? `new`: a country being set."""
    if countries is None or country is None or country in countries:
        return
    covered = ", ".join(countries) or "none"
    errors.add(
        "country",
        "OUTSIDE_PARTNER_COUNTRIES",
        f"{country} is not one of your partnership's countries ({covered}); "
        + (
            "only network staff can put a member there."
            if new
            else "only network staff can change this member."
        ),
    )


async def _partner_for(
    session: AsyncSession, principal: Principal, errors: Errors, partner_slug: str | None
) -> uuid.UUID | None:
    """Resolve `partnerSlug`: staff may name any partner, a partner user only itself."""
    if principal.kind is PrincipalKind.PARTNER:
        if partner_slug is not None:
            own = await find_partner_id(session, partner_slug.strip().lower())
            if own != principal.partner_id:
                errors.add("partnerSlug", "NOT_FOUND", "No partner with this slug.")
        return principal.partner_id
    if partner_slug is None or not partner_slug.strip():
        return None
    partner_id = await find_partner_id(session, partner_slug.strip().lower())
    if partner_id is None:
        errors.add("partnerSlug", "NOT_FOUND", f"No partner with slug '{partner_slug}'.")
    return partner_id


async def create_member(
    session: AsyncSession,
    principal: Principal,
    *,
    name: str | None,
    network: Network | None,
    country: str | None,
    partner_slug: str | None = None,
    region: str | None = None,
    membership_status: MembershipStatus | None = None,
    for_partner_id: uuid.UUID | None = None,
) -> Member:
    """Create a member organisation (staff; a partner user creates members assigned to it,
    in one of its partnership's countries).

    `for_partner_id`: the member is made for this partner (a cohort's, when staff add a new
    member to it): assigned to it and, as when its own users create one, in one of its
    countries. A partner user may name only its own partner."""
    require_manager(principal, "name")
    errors = Errors()
    clean_name = clean_text(errors, "name", name)
    clean_code = clean_country(errors, "country", country)
    if for_partner_id is None:
        _within(errors, await _partner_countries(session, principal), clean_code, new=True)
    clean_region = clean_text(errors, "region", region, required=False)
    if network is None:
        errors.add("network", "REQUIRED", "A network is required.")
    if for_partner_id is None:
        partner_id = await _partner_for(session, principal, errors, partner_slug)
    else:
        partner_id = await _for_partner(session, principal, errors, for_partner_id, clean_code)
    errors.raise_if_any()
    assert clean_name is not None and clean_code is not None and network is not None
    member = Member(
        name=clean_name,
        network=network,
        country=clean_code,
        region=clean_region,
        membership_status=membership_status or MembershipStatus.PROSPECT,
        partner_id=partner_id,
    )
    session.add(member)
    await session.flush()
    audit.record(
        session,
        principal,
        "member.created",
        "Member",
        member.id,
        {
            "name": clean_name,
            "network": network,
            "country": clean_code,
            "partner_id": partner_id,
            "membership_status": member.membership_status,
        },
    )
    return member


async def _for_partner(
    session: AsyncSession,
    principal: Principal,
    errors: Errors,
    partner_id: uuid.UUID,
    country: str | None,
) -> uuid.UUID | None:
    """The partner a member is made for, if the principal may (staff: any; a partner user:
    itself), with the country checked against the partner's countries."""
    if principal.kind is PrincipalKind.PARTNER and partner_id != principal.partner_id:
        errors.add("partnerId", "NOT_FOUND", "No such partner.")
        return None
    countries = await session.scalar(select(Partner.countries).where(Partner.id == partner_id))
    if countries is None:
        errors.add("partnerId", "NOT_FOUND", "No such partner.")
        return None
    if principal.kind is PrincipalKind.PARTNER:
        _within(errors, list(countries), country, new=True)
    elif country is not None and country not in countries:
        covered = ", ".join(countries) or "none"
        errors.add(
            "country",
            "OUTSIDE_PARTNER_COUNTRIES",
            f"{country} is not one of the partner's countries ({covered}).",
        )
    return partner_id


async def _in_cohorts_of_another_network(
    session: AsyncSession, member_id: uuid.UUID, network: Network
) -> bool:
    statement = (
        select(CohortMember.cohort_id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(CohortMember.member_id == member_id, Cohort.network != network)
        .limit(1)
    )
    return (await session.execute(statement)).first() is not None


async def update_member(
    session: AsyncSession,
    principal: Principal,
    member_id: uuid.UUID | None,
    *,
    name: Any = UNSET,
    network: Any = UNSET,
    country: Any = UNSET,
    partner_slug: Any = UNSET,
    region: Any = UNSET,
    membership_status: Any = UNSET,
) -> Member:
    """Change some fields of a visible member; fields left UNSET are kept.

    A partner user changes only members in its partnership's countries, and moves them only
    between those countries; staff change any member.
    """
    require_manager(principal, "id")
    member = await load_member(session, principal, member_id, "id", for_update=True)
    errors = Errors()
    changes: dict[str, Any] = {}
    countries = await _partner_countries(session, principal)
    _within(errors, countries, member.country, new=False)
    if name is not UNSET:
        changes["name"] = clean_text(errors, "name", name)
    if country is not UNSET:
        changes["country"] = clean_country(errors, "country", country)
        if not errors.has("country"):
            _within(errors, countries, changes["country"], new=True)
    if region is not UNSET:
        changes["region"] = clean_text(errors, "region", region, required=False)
    if network is not UNSET:
        if network is None:
            errors.add("network", "REQUIRED", "A network is required.")
        elif network != member.network and await _in_cohorts_of_another_network(
            session, member.id, network
        ):
            errors.add(
                "network",
                "IN_COHORT",
                "The member is in a cohort of its network; take it out of the cohort first.",
            )
        changes["network"] = network
    if membership_status is not UNSET:
        if membership_status is None:
            errors.add("membershipStatus", "REQUIRED", "A membership status is required.")
        changes["membership_status"] = membership_status
    if partner_slug is not UNSET:
        if principal.kind is PrincipalKind.PARTNER and partner_slug is None:
            raise PermissionDenied("partnerSlug", "A partner cannot release a member.")
        if principal.kind is PrincipalKind.PARTNER and member.partner_id not in (
            None,
            principal.partner_id,
        ):
            # Seen through the partner's cohort, but another partner's member to assign.
            raise PermissionDenied("partnerSlug", "This member is assigned to another partner.")
        changes["partner_id"] = await _partner_for(session, principal, errors, partner_slug)
    errors.raise_if_any()
    await audit.apply_and_record(
        session, principal, member, changes, action="member.updated", entity_type="Member"
    )
    return member
