"""Members and contacts: the members list, a member's page, contact forms, a cohort's members,
and the cohort's contacts and bookings as CSV files.

A face only: every page calls the members, contacts and programme services with the signed-in
partner's Principal, so it sees exactly what the API would let that partner see.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from network.contacts import service as contacts
from network.kit.errors import DomainError
from network.kit.sentinel import UNSET
from network.kit.validation import LANGUAGES
from network.members import service as members
from network.portal.web import PAGE_SIZE, Portal, PortalSession, Reading, parse_uuid
from network.programme import exports
from network.programme import service as programme
from network.training.times import local
from network.usecases import cohorts as cohort_cases
from network.usecases import contacts as contact_cases

# The languages a contact may prefer, each named in itself.
CONTACT_LANGUAGES = {
    "en": "English",
    "cy": "Cymraeg",
    "fr": "Français",
    "es": "Español",
    "de": "Deutsch",
}
assert tuple(CONTACT_LANGUAGES) == LANGUAGES
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
MEMBER_FIELDS = {
    "name": "new_name",
    "country": "new_country",
    "memberId": "member",
    "cohortId": "member",
    "network": "new_name",
    "partnerSlug": "new_name",
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
# Spreadsheet formulas start with these; a leading ' makes such a cell plain text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_CONTACTS = 100  # shown on a member's page; more follow on the next page
MAX_CANDIDATES = 100  # members offered in the "add a member" list


def add_routes(router: APIRouter, portal: Portal) -> None:
    """The members list and pages, contact forms, a cohort's members and its CSV exports."""

    # -- helpers sharing `portal` -------------------------------------------------------------

    def errors_of(request: Request, exc: DomainError, names: dict[str, str]) -> dict[str, str]:
        """The service's field errors in the page's language (by code), keyed by form field."""
        t = portal.labels(request)
        found: dict[str, str] = {}
        for error in exc.errors:
            name = names.get(error.field, error.field)
            found.setdefault(name, t.get(f"people_err_{error.code}", error.message))
        return found

    def saved_message(request: Request) -> str | None:
        saved = request.query_params.get("saved", "")
        t = portal.labels(request)
        return t.get(f"people_saved_{saved}") if re.fullmatch(r"[a-z]+", saved) else None

    # -- the members list ---------------------------------------------------------------------

    @router.get("/members")
    async def members_list(request: Request) -> Response:
        params = request.query_params
        search = params.get("q", "").strip()
        country = params.get("country", "").strip().upper()
        cohort_id = parse_uuid(params.get("cohort")) if params.get("cohort") else None
        async with portal.reading(request) as seen:
            if isinstance(seen, Response):
                return seen
            session, principal = seen.session, seen.principal
            query = members.MemberQuery(
                search=search or None,
                country=country if re.fullmatch(r"[A-Z]{2}", country) else None,
                cohort_id=cohort_id,
            )
            if params.get("cohort") and cohort_id is None:
                query.cohort_id = uuid.UUID(int=0)  # a malformed cohort matches nothing
            try:
                page = await members.list_members(
                    session, principal, query, first=PAGE_SIZE, after=params.get("after")
                )
            except DomainError:  # a cursor that is not one: start again
                page = await members.list_members(
                    session, principal, query, first=PAGE_SIZE, after=None
                )
            rows = list(page.rows)
            in_cohorts = await programme.cohorts_of_members(
                session, principal, [row.id for row in rows]
            )
            _, counts = await contacts.contacts_of_members(
                session, principal, [row.id for row in rows], first=0
            )
            cohorts = await programme.list_cohorts(
                session, principal, programme.CohortQuery(), first=100, after=None
            )
            return portal.render(
                request,
                seen.data,
                "people_members.html",
                rows=rows,
                in_cohorts=in_cohorts,
                counts=counts,
                cohorts=list(cohorts.rows),
                form={"q": search, "country": country, "cohort": params.get("cohort", "")},
                cursor=page.end_cursor if page.has_next_page else None,
            )

    # -- a member's page ----------------------------------------------------------------------

    async def member_view(
        request: Request,
        seen: Reading,
        member_id: uuid.UUID,
        *,
        status_code: int = 200,
        message: str | None = None,
        errors: dict[str, str] | None = None,
    ) -> Response:
        session, principal = seen.session, seen.principal
        found = await members.get_members(session, principal, [member_id])
        member = found.get(member_id)
        if member is None:
            return portal.not_found(request, seen.data)
        cohorts = (await programme.cohorts_of_members(session, principal, [member_id])).get(
            member_id, []
        )
        query = contacts.ContactQuery(member_id=member_id, include_archived=True)
        try:
            page = await contacts.list_contacts(
                session,
                principal,
                query,
                first=MAX_CONTACTS,
                after=request.query_params.get("after"),
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
    async def member_page(request: Request, member_id: str) -> Response:
        async with portal.reading(request, member_id) as seen:
            if isinstance(seen, Response):
                return seen
            return await member_view(request, seen, seen.ids[0], message=saved_message(request))

    # -- contact forms ------------------------------------------------------------------------

    def contact_form(
        request: Request,
        data: PortalSession,
        member: Any,
        *,
        contact_id: uuid.UUID | None,
        form: dict[str, str],
        opt_outs: Iterable[str],
        status_code: int = 200,
        errors: dict[str, str] | None = None,
    ) -> Response:
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
        request: Request, form: dict[str, str]
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

    async def visible_member(seen: Reading) -> Any | None:
        """The path's member, if the partner may see it."""
        return (await members.get_members(seen.session, seen.principal, seen.ids)).get(seen.ids[0])

    @router.get("/members/{member_id}/contacts/new")
    async def new_contact_page(request: Request, member_id: str) -> Response:
        async with portal.reading(request, member_id) as seen:
            if isinstance(seen, Response):
                return seen
            member = await visible_member(seen)
            if member is None:
                return portal.not_found(request, seen.data)
        return contact_form(
            request, seen.data, member, contact_id=None, form={"language": "en"}, opt_outs=()
        )

    async def save_contact(
        request: Request,
        seen: Reading,
        member: Any,
        contact_id: uuid.UUID | None,
        form: dict[str, str],
        write: Callable[[AsyncSession, dict[str, Any]], Awaitable[Any]],
        consent_given_at: datetime | None = None,
    ) -> Response:
        """Save the posted contact form with `write`; back to the member's page, or the form
        again with its errors (422). A consent date on the day of `consent_given_at` keeps it."""
        values, opt_outs, errors = await posted_contact(request, form)
        given, kept = values["consent_given_at"], consent_given_at
        if kept is not None and given is not None and kept.astimezone(UTC).date() == given.date():
            values["consent_given_at"] = UNSET  # the same day: keep the recorded time
        if not errors:
            try:
                async with portal.write() as session:
                    await write(session, values)
                return portal.redirect(f"/portal/members/{member.id}?saved=contact")
            except DomainError as exc:
                errors.update(errors_of(request, exc, CONTACT_FIELDS))
        return contact_form(
            request,
            seen.data,
            member,
            contact_id=contact_id,
            form=form,
            opt_outs=opt_outs,
            status_code=422,
            errors=errors,
        )

    @router.post("/members/{member_id}/contacts/new")
    async def create_contact(request: Request, member_id: str) -> Response:
        checked = await portal.posted_to(request, member_id, find=visible_member)
        if isinstance(checked, Response):
            return checked
        form, seen, member = checked
        return await save_contact(
            request,
            seen,
            member,
            None,
            form,
            lambda session, values: contact_cases.create_contact(
                session, seen.principal, member_id=member.id, **values
            ),
        )

    async def visible_contact(seen: Reading) -> tuple[Any, Any] | None:
        """The path's contact and its member, if the partner may see them."""
        session, principal, (contact_id,) = seen.session, seen.principal, seen.ids
        contact = (await contacts.get_contacts(session, principal, [contact_id])).get(contact_id)
        if contact is None:
            return None
        member = (await members.get_members(session, principal, [contact.member_id])).get(
            contact.member_id
        )
        return None if member is None else (contact, member)

    @router.get("/contacts/{contact_id}/edit")
    async def edit_contact_page(request: Request, contact_id: str) -> Response:
        async with portal.reading(request, contact_id) as seen:
            if isinstance(seen, Response):
                return seen
            found = await visible_contact(seen)
            if found is None:
                return portal.not_found(request, seen.data)
        contact, member = found
        form = {name: getattr(contact, name, None) or "" for name in CONTACT_TEXT}
        if contact.consent_given_at is not None:
            form["consent_given_on"] = contact.consent_given_at.astimezone(UTC).date().isoformat()
        return contact_form(
            request,
            seen.data,
            member,
            contact_id=contact.id,
            form={k: str(v) for k, v in form.items()},
            opt_outs=contact.email_opt_outs or (),
        )

    @router.post("/contacts/{contact_id}/edit")
    async def update_contact(request: Request, contact_id: str) -> Response:
        checked = await portal.posted_to(request, contact_id, find=visible_contact)
        if isinstance(checked, Response):
            return checked
        form, seen, (contact, member) = checked
        return await save_contact(
            request,
            seen,
            member,
            contact.id,
            form,
            lambda session, values: contacts.update_contact(
                session, seen.principal, contact.id, **values
            ),
            contact.consent_given_at,
        )

    async def set_archived(request: Request, contact_id: str, archived: bool) -> Response:
        checked = await portal.posted_to(request, contact_id, find=visible_contact)
        if isinstance(checked, Response):
            return checked
        _, seen, (contact, member) = checked
        try:
            async with portal.write() as session:
                await contact_cases.archive_contact(
                    session, seen.principal, contact.id, archived=archived
                )
        except DomainError as exc:
            problems = errors_of(request, exc, {"id": "contact"})
            async with portal.again(seen) as fresh:
                return await member_view(
                    request,
                    fresh,
                    member.id,
                    status_code=422,
                    message=seen.t["fix_errors"],
                    errors={f"contact-{contact.id}": problems.get("contact", "")},
                )
        saved = "archived" if archived else "restored"
        return portal.redirect(f"/portal/members/{member.id}?saved={saved}")

    @router.post("/contacts/{contact_id}/archive")
    async def archive_contact(request: Request, contact_id: str) -> Response:
        return await set_archived(request, contact_id, True)

    @router.post("/contacts/{contact_id}/restore")
    async def restore_contact(request: Request, contact_id: str) -> Response:
        return await set_archived(request, contact_id, False)

    # -- a cohort's members -------------------------------------------------------------------

    async def visible_cohort(seen: Reading) -> Any | None:
        """The path's cohort, if it is the partner's."""
        return (await programme.get_cohorts(seen.session, seen.principal, seen.ids)).get(
            seen.ids[0]
        )

    async def cohort_members_view(
        request: Request,
        seen: Reading,
        *,
        status_code: int = 200,
        form: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        message: str | None = None,
    ) -> Response:
        """The members of the path's cohort and the form adding one (404 unless the partner's)."""
        session, principal = seen.session, seen.principal
        cohort = await visible_cohort(seen)
        if cohort is None:
            return portal.not_found(request, seen.data)
        cohort_id = cohort.id
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
    async def cohort_members_page(request: Request, cohort_id: str) -> Response:
        async with portal.reading(request, cohort_id) as seen:
            if isinstance(seen, Response):
                return seen
            return await cohort_members_view(request, seen, message=saved_message(request))

    @router.post("/cohorts/{cohort_id}/members")
    async def add_cohort_member(request: Request, cohort_id: str) -> Response:
        checked = await portal.posted_to(request, cohort_id, find=visible_cohort)
        if isinstance(checked, Response):
            return checked
        form, seen, cohort = checked
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
                        )
                        member_id = made.id
                    await cohort_cases.add_cohort_member(
                        session, seen.principal, cohort_id=cohort.id, member_id=member_id
                    )
                return portal.redirect(f"/portal/cohorts/{cohort.id}/members?saved=added")
            except DomainError as exc:
                errors.update(errors_of(request, exc, MEMBER_FIELDS))
        async with portal.again(seen) as fresh:
            return await cohort_members_view(
                request,
                fresh,
                status_code=422,
                form=form,
                errors=errors,
                message=seen.t["fix_errors"],
            )

    async def cohort_and_member(seen: Reading) -> tuple[Any, Any] | None:
        """The path's cohort and its member, if the partner may see them."""
        session, principal, (cohort_id, member_id) = seen.session, seen.principal, seen.ids
        cohort = (await programme.get_cohorts(session, principal, [cohort_id])).get(cohort_id)
        ids = (await programme.member_ids_of_cohorts(session, principal, [cohort_id])).get(
            cohort_id, []
        )
        member = (await members.get_members(session, principal, [member_id])).get(member_id)
        if cohort is None or member is None or member_id not in ids:
            return None
        return cohort, member

    @router.get("/cohorts/{cohort_id}/members/{member_id}/remove")
    async def remove_page(request: Request, cohort_id: str, member_id: str) -> Response:
        async with portal.reading(request, cohort_id, member_id) as seen:
            if isinstance(seen, Response):
                return seen
            found = await cohort_and_member(seen)
        if found is None:
            return portal.not_found(request, seen.data)
        cohort, member = found
        return portal.render(
            request, seen.data, "people_remove_member.html", cohort=cohort, member=member
        )

    @router.post("/cohorts/{cohort_id}/members/{member_id}/remove")
    async def remove_member(request: Request, cohort_id: str, member_id: str) -> Response:
        checked = await portal.posted_to(request, cohort_id, member_id, find=cohort_and_member)
        if isinstance(checked, Response):
            return checked
        _, seen, (cohort, member) = checked
        try:
            async with portal.write() as session:
                await cohort_cases.remove_cohort_member(
                    session, seen.principal, cohort_id=cohort.id, member_id=member.id
                )
        except DomainError:  # taken out meanwhile: the list shows how things stand
            pass
        return portal.redirect(f"/portal/cohorts/{cohort.id}/members?saved=removed")

    async def exported(
        request: Request, cohort_id: str, rows_of: Callable[..., Awaitable[Any]]
    ) -> tuple[dict[str, str], Any, Any] | Response:
        """The labels, the rows `rows_of` exports of the path's cohort, and the cohort; else
        the answer (sign in, or 404 unless the cohort is the partner's)."""
        async with portal.reading(request, cohort_id) as seen:
            if isinstance(seen, Response):
                return seen
            rows = await rows_of(seen.session, seen.principal, seen.ids[0])
            cohort = await visible_cohort(seen)
        if rows is None or cohort is None:
            return portal.not_found(request, seen.data)
        return seen.t, rows, cohort

    # -- CSV exports --------------------------------------------------------------------------

    @router.get("/cohorts/{cohort_id}/contacts.csv")
    async def contacts_csv(request: Request, cohort_id: str) -> Response:
        found = await exported(request, cohort_id, exports.cohort_contacts)
        if isinstance(found, Response):
            return found
        t, rows, cohort = found
        header = [
            t["member"],
            t["people_first_name"],
            t["people_last_name"],
            t["email"],
            t["people_job_title"],
            t["people_contact_language"],
            t["people_consent_scope"],
            t["people_consent_given_on"],
            t["people_consent_method"],
            t["people_opt_outs"],
            t["people_archived"],
        ]
        lines = [
            [
                row.member_name,
                row.first_name,
                row.last_name,
                row.email,
                row.job_title or "",
                row.language,
                row.consent_scope or "",
                row.consent_given_at.astimezone(UTC).isoformat() if row.consent_given_at else "",
                row.consent_method or "",
                " ".join(row.email_opt_outs or ()),
                t["people_yes"] if row.archived_at else t["people_no"],
            ]
            for row in rows
        ]
        return csv_response(header, lines, f"{slug(cohort.name)}-contacts.csv")

    @router.get("/cohorts/{cohort_id}/bookings.csv")
    async def bookings_csv(request: Request, cohort_id: str) -> Response:
        found = await exported(request, cohort_id, exports.cohort_bookings)
        if isinstance(found, Response):
            return found
        t, rows, cohort = found
        header = [
            t["member"],
            t["people_contact"],
            t["email"],
            t["people_course"],
            t["people_session_start"],
            t["people_time_zone"],
            t["status"],
            t["people_waitlist_position"],
            t["people_attended"],
            t["people_certificate_number"],
        ]
        lines = []
        for row in rows:
            start = local(row.session_starts_at, row.session_time_zone)
            lines.append(
                [
                    row.member_name,
                    f"{row.contact__first_name} {row.contact__last_name}",
                    row.contact__email,
                    row.course_title,
                    f"{start:%Y-%m-%d %H:%M}",
                    row.session_time_zone,
                    str(row.status),  # the glossary's word, as the API spells it
                    "" if row.waitlist_position is None else str(row.waitlist_position),
                    t["people_yes"] if str(row.status) == "ATTENDED" else t["people_no"],
                    row.certificate_number or "",
                ]
            )
        return csv_response(header, lines, f"{slug(cohort.name)}-bookings.csv")


def safe_cell(value: Any) -> str:
    """A cell's text, with a leading ' where a spreadsheet would read a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def slug(name: str) -> str:
    """An ASCII file-name stem made from a cohort's name."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    return stem[:60] or "cohort"


def csv_response(header: Sequence[str], lines: Iterable[Sequence[Any]], filename: str) -> Response:
    """A UTF-8 CSV file with a byte-order mark, so Excel reads accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(v) for v in header])
    for line in lines:
        writer.writerow([safe_cell(v) for v in line])
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
