"""Members: the members list, a member's page, and a cohort's members (adding and removing).

A face only: every page calls the members, contacts and programme services with the signed-in
partner's Principal, so it sees exactly what the API would let that partner see. The contact
forms reached from a member's page are in network/portal/contacts.py.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.contacts import service as contacts
from network.kit.errors import DomainError
from network.kit.ids import parse_uuid
from network.members import service as members
from network.portal.deps import ManagerForm, ManagerReading, PortalDep, area_router, path_id
from network.portal.exits import NotFound, or_404
from network.portal.i18n import CONTACT_LANGUAGES
from network.portal.scoping import partner_filter
from network.portal.web import PAGE_SIZE, Portal, Reading
from network.programme import service as programme
from network.usecases import cohorts as cohort_cases

# The languages a contact may prefer, each named in itself.
# The service's input names (as the API spells them) -> the add-a-member form's field names.
MEMBER_FIELDS = {
    "name": "new_name",
    "country": "new_country",
    "memberId": "member",
    "cohortId": "member",
    "network": "new_name",
    "partnerSlug": "new_name",
    "partnerId": "new_name",
}
MAX_CONTACTS = 100  # shown on a member's page; more follow on the next page
MAX_CANDIDATES = 100  # members offered in the "add a member" list

router = area_router()


def errors_of(t: dict[str, str], exc: DomainError, names: dict[str, str]) -> dict[str, str]:
    """The service's field errors in the page's language (by code), keyed by form field."""
    found: dict[str, str] = {}
    for error in exc.errors:
        name = names.get(error.field, error.field)
        found.setdefault(name, t.get(f"people_err_{error.code}", error.message))
    return found


def saved_message(request: Request, t: dict[str, str]) -> str | None:
    """What ?saved= says was saved, in the page's language."""
    saved = request.query_params.get("saved", "")
    return t.get(f"people_saved_{saved}") if re.fullmatch(r"[a-z]+", saved) else None


# -- the members list -----------------------------------------------------------------------


@router.get("/members")
async def members_list(request: Request, portal: PortalDep, seen: ManagerReading) -> Response:
    """The partner's members (staff: every member, by partner), searched by name, country or
    cohort."""
    params = request.query_params
    search = params.get("q", "").strip()
    country = params.get("country", "").strip().upper()
    cohort_id = parse_uuid(params.get("cohort")) if params.get("cohort") else None
    session, principal = seen.session, seen.principal
    chosen = await partner_filter(seen, params.get("partner"))
    query = members.MemberQuery(
        search=search or None,
        country=country if re.fullmatch(r"[A-Z]{2}", country) else None,
        cohort_id=cohort_id,
        partner_id=chosen.partner_id,
    )
    if params.get("cohort") and cohort_id is None:
        query.cohort_id = uuid.UUID(int=0)  # a malformed cohort matches nothing
    try:
        page = await members.list_members(
            session, principal, query, first=PAGE_SIZE, after=params.get("after")
        )
    except DomainError:  # a cursor that is not one: start again
        page = await members.list_members(session, principal, query, first=PAGE_SIZE, after=None)
    rows = list(page.rows)
    in_cohorts = await programme.cohorts_of_members(session, principal, [row.id for row in rows])
    _, counts = await contacts.contacts_of_members(
        session, principal, [row.id for row in rows], first=0
    )
    cohorts = await programme.list_cohorts(
        session,
        principal,
        programme.CohortQuery(partner_id=chosen.partner_id),
        first=100,
        after=None,
    )
    return portal.render(
        request,
        seen.data,
        "people_members.html",
        partner_filter=chosen,
        rows=rows,
        in_cohorts=in_cohorts,
        counts=counts,
        cohorts=list(cohorts.rows),
        form={"q": search, "country": country, "cohort": params.get("cohort", "")},
        cursor=page.end_cursor if page.has_next_page else None,
    )


# -- a member's page ------------------------------------------------------------------------


async def member_view(
    request: Request,
    portal: Portal,
    seen: Reading,
    member_id: uuid.UUID,
    *,
    status_code: int = 200,
    message: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    """A member's page: its cohorts and its contacts (NotFound unless the partner's)."""
    session, principal = seen.session, seen.principal
    found = await members.get_members(session, principal, [member_id])
    member = or_404(found.get(member_id))
    cohorts = (await programme.cohorts_of_members(session, principal, [member_id])).get(
        member_id, []
    )
    query = contacts.ContactQuery(member_id=member_id, include_archived=True)
    try:
        page = await contacts.list_contacts(
            session, principal, query, first=MAX_CONTACTS, after=request.query_params.get("after")
        )
    except DomainError:
        page = await contacts.list_contacts(
            session, principal, query, first=MAX_CONTACTS, after=None
        )
    rows = list(page.rows)
    return portal.render(
        request,
        seen.data,
        "people_member.html",
        status_code,
        member=member,
        cohorts=cohorts,
        active=[row for row in rows if row.archived_at is None],
        archived=[row for row in rows if row.archived_at is not None],
        contact_languages=CONTACT_LANGUAGES,
        cursor=page.end_cursor if page.has_next_page else None,
        message=message,
        errors=errors or {},
    )


@router.get("/members/{member_id}")
async def member_page(
    request: Request, member_id: str, portal: PortalDep, seen: ManagerReading
) -> Response:
    """A member's page, with what was just saved (?saved=)."""
    message = saved_message(request, seen.t)
    return await member_view(request, portal, seen, path_id(member_id), message=message)


# -- a cohort's members ---------------------------------------------------------------------


async def visible_cohort(
    session: AsyncSession, principal: Principal, cohort_id: uuid.UUID
) -> Any | None:
    """The cohort, if it is the partner's."""
    return (await programme.get_cohorts(session, principal, [cohort_id])).get(cohort_id)


async def cohort_members_view(
    request: Request,
    portal: Portal,
    seen: Reading,
    cohort_id: uuid.UUID,
    *,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
) -> Response:
    """The cohort's members and the form adding one (NotFound unless the partner's)."""
    session, principal = seen.session, seen.principal
    cohort = or_404(await visible_cohort(session, principal, cohort_id))
    ids = (await programme.member_ids_of_cohorts(session, principal, [cohort_id])).get(
        cohort_id, []
    )
    found = await members.get_members(session, principal, ids)
    rows = [found[i] for i in ids if i in found]
    search = request.query_params.get("q", "").strip()
    page = await members.list_members(
        session,
        principal,
        members.MemberQuery(network=cohort.network, search=search or None),
        first=MAX_CANDIDATES,
        after=None,
    )
    inside = set(ids)
    candidates = [row for row in page.rows if row.id not in inside]
    return portal.render(
        request,
        seen.data,
        "people_cohort_members.html",
        status_code,
        cohort=cohort,
        rows=rows,
        candidates=candidates,
        search=search,
        form=form or {},
        errors=errors or {},
        message=message,
    )


@router.get("/cohorts/{cohort_id}/members")
async def cohort_members_page(
    request: Request, cohort_id: str, portal: PortalDep, seen: ManagerReading
) -> Response:
    """A cohort's members, with what was just added or removed (?saved=)."""
    message = saved_message(request, seen.t)
    return await cohort_members_view(request, portal, seen, path_id(cohort_id), message=message)


@router.post("/cohorts/{cohort_id}/members")
async def add_cohort_member(
    request: Request, cohort_id: str, portal: PortalDep, seen: ManagerForm
) -> Response:
    """Add a member to the cohort: one already known, or a new one made on the way."""
    async with portal.db() as session:
        cohort = or_404(await visible_cohort(session, seen.principal, path_id(cohort_id)))
    form = seen.form
    errors: dict[str, str] = {}
    creating = form.get("mode") == "new"
    member_id = None if creating else parse_uuid(form.get("member"))
    if not creating and member_id is None:
        errors["member"] = seen.t["choose"]
    if not errors:
        try:
            async with portal.write() as session:
                if creating:
                    made = await members.create_member(
                        session,
                        seen.principal,
                        name=form.get("new_name", ""),
                        network=cohort.network,
                        country=form.get("new_country", ""),
                        for_partner_id=cohort.partner_id,
                    )
                    member_id = made.id
                await cohort_cases.add_cohort_member(
                    session, seen.principal, cohort_id=cohort.id, member_id=member_id
                )
            return portal.redirect(f"/portal/cohorts/{cohort.id}/members?saved=added")
        except DomainError as exc:
            errors.update(errors_of(seen.t, exc, MEMBER_FIELDS))
    async with portal.again(seen) as fresh:
        return await cohort_members_view(
            request,
            portal,
            fresh,
            cohort.id,
            status_code=422,
            form=form,
            errors=errors,
            message=seen.t["fix_errors"],
        )


async def cohort_and_member(
    session: AsyncSession, principal: Principal, cohort_id: str, member_id: str
) -> tuple[Any, Any]:
    """The path's cohort and one of its members; NotFound unless the partner may see both."""
    cohort_key, member_key = path_id(cohort_id), path_id(member_id)
    cohort = await visible_cohort(session, principal, cohort_key)
    ids = (await programme.member_ids_of_cohorts(session, principal, [cohort_key])).get(
        cohort_key, []
    )
    member = (await members.get_members(session, principal, [member_key])).get(member_key)
    if cohort is None or member is None or member_key not in ids:
        raise NotFound()
    return cohort, member


@router.get("/cohorts/{cohort_id}/members/{member_id}/remove")
async def remove_page(
    request: Request, cohort_id: str, member_id: str, portal: PortalDep, seen: ManagerReading
) -> Response:
    """The page asking to confirm taking a member out of the cohort."""
    cohort, member = await cohort_and_member(seen.session, seen.principal, cohort_id, member_id)
    return portal.render(
        request, seen.data, "people_remove_member.html", cohort=cohort, member=member
    )


@router.post("/cohorts/{cohort_id}/members/{member_id}/remove")
async def remove_member(
    cohort_id: str, member_id: str, portal: PortalDep, seen: ManagerForm
) -> Response:
    """Take a member out of the cohort (the same use case as the API)."""
    async with portal.db() as session:
        cohort, member = await cohort_and_member(session, seen.principal, cohort_id, member_id)
    try:
        async with portal.write() as session:
            await cohort_cases.remove_cohort_member(
                session, seen.principal, cohort_id=cohort.id, member_id=member.id
            )
    except DomainError:  # taken out meanwhile: the list shows how things stand
        pass
    return portal.redirect(f"/portal/cohorts/{cohort.id}/members?saved=removed")
