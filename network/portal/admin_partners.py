"""Partners (staff only): the list, creating one, a partner's page (its countries, users and
cohorts) and editing its name and countries. The slug never changes: tokens, filters and
links name a partner by it (network.partners.service.update_partner).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import users as user_admin
from network.kit.errors import DomainError
from network.partners import service as partners
from network.partners.models import Partner
from network.portal.deps import PortalDep, StaffForm, StaffReading, area_router, path_id
from network.portal.exits import NotFound, or_404
from network.portal.web import PAGE_SIZE, Portal, Reading
from network.programme import service as programme

router = area_router()
SHOWN = 100  # users and cohorts on a partner's page


def countries_of(text: str) -> list[str]:
    """The country codes typed in one field, separated by commas or spaces."""
    return [code for code in re.split(r"[\s,;]+", text.strip()) if code]


def partner_errors(exc: DomainError, t: dict[str, str]) -> dict[str, str]:
    """The service's errors keyed by the form's fields (every country error on `countries`)."""
    found: dict[str, str] = {}
    for error in exc.errors:
        name = "countries" if error.field.startswith("countries") else error.field
        found.setdefault(name, error.message)
    return found


@router.get("/partners")
async def partners_list(request: Request, portal: PortalDep, seen: StaffReading) -> Response:
    """Every partner, by slug."""
    try:
        page = await partners.list_partners(
            seen.session, seen.principal, first=PAGE_SIZE, after=request.query_params.get("after")
        )
    except DomainError:  # a cursor that is not one of ours
        raise NotFound() from None
    return portal.render(
        request,
        seen.data,
        "admin_partners.html",
        rows=list(page.rows),
        cursor=page.end_cursor if page.has_next_page else None,
    )


def _form_page(
    request: Request,
    portal: Portal,
    seen: Reading,
    *,
    partner: Any | None,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
) -> Response:
    return portal.render(
        request,
        seen.data,
        "admin_partner_form.html",
        422 if errors else 200,
        partner=partner,
        form=form,
        errors=errors or {},
        message=seen.t["adm_fix_errors"] if errors else None,
    )


@router.get("/partners/new")
async def new_partner_page(request: Request, portal: PortalDep, seen: StaffReading) -> Response:
    """The form creating a partner."""
    return _form_page(request, portal, seen, partner=None, form={})


async def _saved(
    portal: Portal, work: Callable[[AsyncSession], Awaitable[Partner]], t: dict[str, str]
) -> tuple[Partner | None, dict[str, str]]:
    """Run `work` in a unit of work: the partner, or the errors by field (nothing changed)."""
    try:
        async with portal.write() as session:
            return await work(session), {}
    except DomainError as exc:
        return None, partner_errors(exc, t)


@router.post("/partners/new")
async def create_partner(request: Request, portal: PortalDep, seen: StaffForm) -> Response:
    """Create a partner (the same service call as the API's createPartner)."""
    form = seen.form
    made, errors = await _saved(
        portal,
        lambda session: partners.create_partner(
            session,
            seen.principal,
            slug=form.get("slug", ""),
            name=form.get("name", ""),
            countries=countries_of(form.get("countries", "")),
        ),
        seen.t,
    )
    if made is not None:
        return portal.redirect(f"/portal/partners/{made.id}?saved=1")
    async with portal.again(seen) as fresh:
        return _form_page(request, portal, fresh, partner=None, form=form, errors=errors)


async def _partner(seen: Reading, raw: str) -> Any:
    key = path_id(raw)
    return or_404((await partners.get_partners(seen.session, seen.principal, [key])).get(key))


@router.get("/partners/{partner_id}")
async def partner_page(
    request: Request, partner_id: str, portal: PortalDep, seen: StaffReading
) -> Response:
    """A partner's page: its countries, users and cohorts."""
    partner = await _partner(seen, partner_id)
    session, principal = seen.session, seen.principal
    people = await user_admin.list_users(
        session, principal, user_admin.UserQuery(partner_id=partner.id), first=SHOWN, after=None
    )
    cohorts = await programme.list_cohorts(
        session, principal, programme.CohortQuery(partner_id=partner.id), first=SHOWN, after=None
    )
    saved = request.query_params.get("saved") == "1"
    return portal.render(
        request,
        seen.data,
        "admin_partner.html",
        partner=partner,
        users=list(people.rows),
        more_users=people.has_next_page,
        cohorts=list(cohorts.rows),
        more_cohorts=cohorts.has_next_page,
        message=seen.t["adm_partner_saved"] if saved else None,
    )


@router.get("/partners/{partner_id}/edit")
async def edit_partner_page(
    request: Request, partner_id: str, portal: PortalDep, seen: StaffReading
) -> Response:
    """The form changing a partner's name and countries."""
    partner = await _partner(seen, partner_id)
    form = {"name": partner.name, "countries": ", ".join(partner.countries)}
    return _form_page(request, portal, seen, partner=partner, form=form)


@router.post("/partners/{partner_id}/edit")
async def edit_partner(
    request: Request, partner_id: str, portal: PortalDep, seen: StaffForm
) -> Response:
    """Change a partner's name and countries (the same service call as updatePartner)."""
    key: uuid.UUID = path_id(partner_id)
    async with portal.again(seen) as fresh:
        partner = await _partner(fresh, partner_id)
    form = seen.form
    changed, errors = await _saved(
        portal,
        lambda session: partners.update_partner(
            session,
            seen.principal,
            partner_id=key,
            name=form.get("name", ""),
            countries=countries_of(form.get("countries", "")),
        ),
        seen.t,
    )
    if changed is not None:
        return portal.redirect(f"/portal/partners/{key}?saved=1")
    async with portal.again(seen) as fresh:
        return _form_page(request, portal, fresh, partner=partner, form=form, errors=errors)
