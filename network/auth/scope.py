"""The one place that decides which member organisations a principal may see.

Every other scope (contacts, cohorts, progress, and later bookings and certificates) is
derived from `visible_member_ids` or `visible_cohort_ids`, so a partner's view is defined once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import InstrumentedAttribute

from network.auth.principal import Principal, PrincipalKind
from network.contacts.models import Contact
from network.members.models import Member
from network.programme.models import Cohort, CohortMember

ColumnLike = ColumnElement[Any] | InstrumentedAttribute[Any]


def visible_cohort_ids(principal: Principal) -> Select[Any] | None:
    """Ids of the cohorts the principal may see; None means every cohort."""
    if principal.sees_everything:
        return None
    if principal.kind is PrincipalKind.PARTNER and principal.partner_id is not None:
        return select(Cohort.id).where(Cohort.partner_id == principal.partner_id)
    if principal.kind is PrincipalKind.MEMBER and principal.contact_id is not None:
        own_member = select(Contact.member_id).where(Contact.id == principal.contact_id)
        return select(CohortMember.cohort_id).where(CohortMember.member_id.in_(own_member))
    return select(Cohort.id).where(false())


def visible_member_ids(principal: Principal) -> Select[Any] | None:
    """Ids of the members the principal may see; None means every member.

    A partner sees the members assigned to it and the members of its cohorts; a member
    contact sees its own organisation.
    """
    if principal.sees_everything:
        return None
    if principal.kind is PrincipalKind.PARTNER and principal.partner_id is not None:
        in_own_cohorts = (
            select(CohortMember.member_id)
            .join(Cohort, Cohort.id == CohortMember.cohort_id)
            .where(Cohort.partner_id == principal.partner_id)
        )
        assigned = select(Member.id).where(Member.partner_id == principal.partner_id)
        return assigned.union(in_own_cohorts).subquery().select()
    if principal.kind is PrincipalKind.MEMBER and principal.contact_id is not None:
        return select(Contact.member_id).where(Contact.id == principal.contact_id)
    return select(Member.id).where(false())


def member_condition(principal: Principal, column: ColumnLike) -> ColumnElement[bool]:
    """A WHERE condition limiting `column` (a member id) to the visible members."""
    ids = visible_member_ids(principal)
    return true() if ids is None else column.in_(ids)


def cohort_condition(principal: Principal, column: ColumnLike) -> ColumnElement[bool]:
    """A WHERE condition limiting `column` (a cohort id) to the visible cohorts."""
    ids = visible_cohort_ids(principal)
    return true() if ids is None else column.in_(ids)


def contact_condition(principal: Principal) -> ColumnElement[bool]:
    """A WHERE condition on Contact limiting rows to the contacts the principal may see."""
    if principal.kind is PrincipalKind.MEMBER:
        return Contact.id == principal.contact_id if principal.contact_id else false()
    return member_condition(principal, Contact.member_id)
