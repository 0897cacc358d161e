"""Certificates in the portal: a partner's list with filters and CPD hours, and downloads.

The downloads call the same service functions as /certificates/{id}.pdf and
/training/sessions/{id}/certificates.zip, authenticated by the portal's session instead of a
bearer token: a partner gets its members' contacts' certificates, a member contact its own,
anything else the portal's 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from network.auth.principal import Principal
from network.certificates import service as certificates
from network.contacts import service as contacts
from network.kit.errors import DomainError
from network.members import service as members
from network.portal.web import PAGE_SIZE, Portal, PortalSession, parse_uuid

MEMBER_CHOICES = 100  # the member filter's options (the most a page may hold): a partner has dozens
DOWNLOAD_HEADERS = {"Cache-Control": "private, no-store"}


def _year(raw: str) -> int | None:
    """A four-digit year, else None."""
    text = raw.strip()
    return int(text) if text.isdigit() and len(text) == 4 else None


def pdf_response(number: str, document: bytes) -> Response:
    """A certificate's PDF as a download named after its number."""
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{number}.pdf"', **DOWNLOAD_HEADERS},
    )


def add_routes(router: APIRouter, portal: Portal) -> None:
    """/portal/certificates, /portal/certificates/{id}.pdf and a session's ZIP."""

    async def signed_in(data: PortalSession) -> Principal | Response:
        """A partner or a member contact (the downloads serve both)."""
        async with portal.db() as session:
            principal = await portal.principal_of(session, data)
        return principal if principal.is_authenticated else portal.to_login()

    @router.get("/certificates")
    async def list_page(request: Request) -> Response:
        params = request.query_params
        form = {k: params.get(k, "") for k in ("session", "member", "q", "year")}
        errors: dict[str, str] = {}
        async with portal.reading(request) as seen:
            if isinstance(seen, Response):
                return seen
            session, principal, data, t = seen.session, seen.principal, seen.data, seen.t
            session_id = parse_uuid(form["session"]) if form["session"] else None
            member_id = parse_uuid(form["member"]) if form["member"] else None
            if (form["session"] and session_id is None) or (form["member"] and member_id is None):
                return portal.not_found(request, data)
            year = _year(form["year"]) if form["year"].strip() else None
            if form["year"].strip() and year is None:
                errors["year"] = t["certs_bad_year"]
            query = certificates.CertificateQuery(
                session_id=session_id, member_id=member_id, year=year, search=form["q"] or None
            )
            try:
                page = await certificates.list_certificates(
                    session, principal, query, first=PAGE_SIZE, after=params.get("after")
                )
            except DomainError:  # a cursor that is not one of ours
                return portal.not_found(request, data)
            total = await certificates.total_cpd_hours(session, principal, query)
            rows = list(page.rows)
            people = await contacts.get_contacts(
                session, principal, list({row.contact_id for row in rows})
            )
            choices = await members.list_members(
                session, principal, members.MemberQuery(), first=MEMBER_CHOICES, after=None
            )
            names = {m.id: m.name for m in choices.rows}
            missing = [
                p.member_id
                for p in people.values()
                if p.member_id is not None and p.member_id not in names
            ]
            if missing:
                found = await members.get_members(session, principal, missing)
                names.update({k: v.name for k, v in found.items()})
        listed: list[dict[str, Any]] = []
        for row in rows:
            person = people.get(row.contact_id)
            member = person.member_id if person is not None else None
            listed.append(
                {
                    "id": row.id,
                    "number": row.number,
                    "holder": row.holder_name,
                    "member_id": member,
                    "member": names.get(member, "") if member else "",
                    "course": row.course_title,
                    "session_id": row.session_id,
                    "date": row.session_date_text,
                    "hours": row.cpd_hours,
                    "status": row.status.value,
                }
            )
        return portal.render(
            request,
            data,
            "certs_list.html",
            422 if errors else 200,
            rows=listed,
            total=total,
            members=sorted(names.items(), key=lambda item: item[1]),
            form=form,
            errors=errors,
            session_id=session_id,
            cursor=page.end_cursor if page.has_next_page else None,
        )

    @router.get("/certificates/{certificate_id}.pdf")
    async def download_pdf(request: Request, certificate_id: str) -> Response:
        data = portal.read_session(request)
        principal = await signed_in(data)
        if isinstance(principal, Response):
            return principal
        parsed = parse_uuid(certificate_id)
        found = None
        if parsed is not None:
            async with portal.db() as session:
                found = await certificates.certificate_pdf(session, principal, parsed)
        if found is None:
            return portal.not_found(request, data)
        return pdf_response(*found)

    @router.get("/sessions/{session_id}/certificates.zip")
    async def download_zip(request: Request, session_id: str) -> Response:
        async with portal.reading(request, session_id) as seen:
            if isinstance(seen, Response):
                return seen
            content = await certificates.session_zip(seen.session, seen.principal, seen.ids[0])
        if content is None:
            return portal.not_found(request, seen.data)
        return zip_response(seen.ids[0], content)


def zip_response(session_id: uuid.UUID, content: bytes) -> Response:
    """A session's certificates as one ZIP download."""
    return Response(
        content,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="certificates-{session_id}.zip"',
            **DOWNLOAD_HEADERS,
        },
    )
