"""Contacts: adding a contact to a member, editing one, archiving and restoring it.

A face only: each form calls the contacts service (or the contact use cases, which also reach
the contact's meeting invitations) with the signed-in partner's Principal, as the API does.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.contacts import service as contacts
from network.kit.errors import DomainError
from network.kit.sentinel import UNSET
from network.members import service as members
from network.portal.deps import ManagerForm, ManagerReading, PortalDep, area_router, path_id
from network.portal.exits import or_404
from network.portal.i18n import CONTACT_LANGUAGES
from network.portal.members import errors_of, member_view
from network.portal.web import Portal, PortalSession, Reading
from network.usecases import contacts as contact_cases

# The service's input names (as the API spells them) -> the forms' field names.
CONTACT_FIELDS = {
    "firstName": "first_name",
    "lastName": "last_name",
    "jobTitle": "job_title",
    "consent.givenAt": "consent_given_on",
    "consent.method": "consent_method",
    "consent.scope": "consent_scope",
    "emailOptOuts": "opt_out",
    "memberId": "form",
    "id": "form",
}
CONTACT_TEXT = (
    "first_name",
    "last_name",
    "email",
    "job_title",
    "language",
    "consent_scope",
    "consent_given_on",
    "consent_method",
)

router = area_router()


def contact_form(
    request: Request,
    portal: Portal,
    data: PortalSession,
    member: Any,
    *,
    contact_id: uuid.UUID | None,
    form: dict[str, str],
    opt_outs: Iterable[str],
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> Response:
    """The add or edit contact form (`contact_id` None: adding one to `member`)."""
    t = portal.labels(request)
    return portal.render(
        request,
        data,
        "people_contact_form.html",
        status_code,
        member=member,
        contact_id=contact_id,
        form=form,
        opt_outs=set(opt_outs),
        email_kinds=contacts.EMAIL_KINDS,
        contact_languages=CONTACT_LANGUAGES,
        errors=errors or {},
        message=t["fix_errors"] if errors else None,
    )


async def posted_contact(
    request: Request, portal: Portal, form: dict[str, str]
) -> tuple[dict[str, Any], list[str], dict[str, str]]:
    """The contact form's values for the service, its opt-outs, and errors of its own."""
    t = portal.labels(request)
    errors: dict[str, str] = {}
    posted = await portal.form_lists(request)
    opt_outs = [v for v in posted.getlist("opt_out") if isinstance(v, str)]
    given: datetime | None = None
    given_text = form.get("consent_given_on", "").strip()
    if given_text:
        try:
            given = datetime.combine(date.fromisoformat(given_text), time(), tzinfo=UTC)
        except ValueError:
            errors["consent_given_on"] = t["bad_date"]
    values: dict[str, Any] = {
        "email": form.get("email", ""),
        "first_name": form.get("first_name", ""),
        "last_name": form.get("last_name", ""),
        "job_title": form.get("job_title", "").strip() or None,
        "language": form.get("language", "en"),
        "consent_scope": form.get("consent_scope", "").strip() or None,
        "consent_given_at": given,
        "consent_method": form.get("consent_method", "").strip() or None,
        "email_opt_outs": opt_outs,
    }
    return values, opt_outs, errors


async def save_contact(
    request: Request,
    portal: Portal,
    seen: Reading,
    member: Any,
    contact_id: uuid.UUID | None,
    write: Callable[[AsyncSession, dict[str, Any]], Awaitable[Any]],
    consent_given_at: datetime | None = None,
) -> Response:
    """Save the posted contact form with `write`; back to the member's page, or the form
    again with its errors (422). A consent date on the day of `consent_given_at` keeps it."""
    form = seen.form
    values, opt_outs, errors = await posted_contact(request, portal, form)
    given, kept = values["consent_given_at"], consent_given_at
    if kept is not None and given is not None and kept.astimezone(UTC).date() == given.date():
        values["consent_given_at"] = UNSET  # the same day: keep the recorded time
    if not errors:
        try:
            async with portal.write() as session:
                await write(session, values)
            return portal.redirect(f"/portal/members/{member.id}?saved=contact")
        except DomainError as exc:
            errors.update(errors_of(seen.t, exc, CONTACT_FIELDS))
    return contact_form(
        request,
        portal,
        seen.data,
        member,
        contact_id=contact_id,
        form=form,
        opt_outs=opt_outs,
        status_code=422,
        errors=errors,
    )


# -- adding a contact -----------------------------------------------------------------------


async def visible_member(session: AsyncSession, principal: Principal, member_id: str) -> Any:
    """The path's member; NotFound unless the partner may see it."""
    key = path_id(member_id)
    return or_404((await members.get_members(session, principal, [key])).get(key))


@router.get("/members/{member_id}/contacts/new")
async def new_contact_page(
    request: Request, member_id: str, portal: PortalDep, seen: ManagerReading
) -> Response:
    """The form adding a contact to a member."""
    member = await visible_member(seen.session, seen.principal, member_id)
    return contact_form(
        request, portal, seen.data, member, contact_id=None, form={"language": "en"}, opt_outs=()
    )


@router.post("/members/{member_id}/contacts/new")
async def create_contact(
    request: Request, member_id: str, portal: PortalDep, seen: ManagerForm
) -> Response:
    """Add a contact to the member (the same use case as the API's createContact)."""
    async with portal.db() as session:
        member = await visible_member(session, seen.principal, member_id)
    return await save_contact(
        request,
        portal,
        seen,
        member,
        None,
        lambda session, values: contact_cases.create_contact(
            session, seen.principal, member_id=member.id, **values
        ),
    )


# -- editing, archiving and restoring a contact ---------------------------------------------


async def visible_contact(
    session: AsyncSession, principal: Principal, contact_id: str
) -> tuple[Any, Any]:
    """The path's contact and its member; NotFound unless the partner may see them."""
    key = path_id(contact_id)
    contact = or_404((await contacts.get_contacts(session, principal, [key])).get(key))
    member = (await members.get_members(session, principal, [contact.member_id])).get(
        contact.member_id
    )
    return contact, or_404(member)


@router.get("/contacts/{contact_id}/edit")
async def edit_contact_page(
    request: Request, contact_id: str, portal: PortalDep, seen: ManagerReading
) -> Response:
    """The form editing a contact, filled in with what is recorded."""
    contact, member = await visible_contact(seen.session, seen.principal, contact_id)
    form = {name: getattr(contact, name, None) or "" for name in CONTACT_TEXT}
    if contact.consent_given_at is not None:
        form["consent_given_on"] = contact.consent_given_at.astimezone(UTC).date().isoformat()
    return contact_form(
        request,
        portal,
        seen.data,
        member,
        contact_id=contact.id,
        form={k: str(v) for k, v in form.items()},
        opt_outs=contact.email_opt_outs or (),
    )


@router.post("/contacts/{contact_id}/edit")
async def update_contact(
    request: Request, contact_id: str, portal: PortalDep, seen: ManagerForm
) -> Response:
    """Save the edited contact (the same service call as the API's updateContact)."""
    async with portal.db() as session:
        contact, member = await visible_contact(session, seen.principal, contact_id)
    return await save_contact(
        request,
        portal,
        seen,
        member,
        contact.id,
        lambda session, values: contact_cases.update_contact(
            session, seen.principal, contact.id, **values
        ),
        contact.consent_given_at,
    )


async def set_archived(
    request: Request, portal: Portal, seen: Reading, contact_id: str, archived: bool
) -> Response:
    """Archive or restore the path's contact; the member's page again when refused (422)."""
    async with portal.db() as session:
        contact, member = await visible_contact(session, seen.principal, contact_id)
    try:
        async with portal.write() as session:
            await contact_cases.archive_contact(
                session, seen.principal, contact.id, archived=archived
            )
    except DomainError as exc:
        problems = errors_of(seen.t, exc, {"id": "contact"})
        async with portal.again(seen) as fresh:
            return await member_view(
                request,
                portal,
                fresh,
                member.id,
                status_code=422,
                message=seen.t["fix_errors"],
                errors={f"contact-{contact.id}": problems.get("contact", "")},
            )
    saved = "archived" if archived else "restored"
    return portal.redirect(f"/portal/members/{member.id}?saved={saved}")


@router.post("/contacts/{contact_id}/archive")
async def archive_contact(
    request: Request, contact_id: str, portal: PortalDep, seen: ManagerForm
) -> Response:
    """Archive a contact (the same use case as the API's archiveContact)."""
    return await set_archived(request, portal, seen, contact_id, True)


@router.post("/contacts/{contact_id}/restore")
async def restore_contact(
    request: Request, contact_id: str, portal: PortalDep, seen: ManagerForm
) -> Response:
    """Restore an archived contact (the API's archiveContact with archived false)."""
    return await set_archived(request, portal, seen, contact_id, False)
