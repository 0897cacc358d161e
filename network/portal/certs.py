"""Certificates in the portal: a partner's list with filters and CPD hours, and downloads.

The downloads call the same service functions as /certificates/{id}.pdf and
/training/sessions/{id}/certificates.zip, authenticated by the portal's session instead of a
bearer token: a partner gets its members' contacts' certificates, a member contact its own,
anything else the portal's 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.certificates import service as certificates
from network.contacts import service as contacts
from network.kit.errors import DomainError
from network.members import service as members
from network.portal.deps import ManagerReading, PortalDep, UserReading, area_router, path_id
from network.portal.exits import NotFound, or_404
from network.portal.scoping import partner_filter
from network.portal.web import PAGE_SIZE

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


router = area_router()


@router.get("/certificates")
async def list_page(request: Request, portal: PortalDep, seen: ManagerReading) -> Response:
    """A partner's certificates (staff: every certificate, by partner), filtered by session,
    member, text and year, with CPD hours."""
    params = request.query_params
    form = {k: params.get(k, "") for k in ("session", "member", "q", "year")}
    errors: dict[str, str] = {}
    session, principal, t = seen.session, seen.principal, seen.t
    session_id = path_id(form["session"]) if form["session"] else None
    member_id = path_id(form["member"]) if form["member"] else None
    year = _year(form["year"]) if form["year"].strip() else None
    if form["year"].strip() and year is None:
        errors["year"] = t["certs_bad_year"]
    chosen = await partner_filter(seen, params.get("partner"))
    query = certificates.CertificateQuery(
        session_id=session_id,
        member_id=member_id,
        year=year,
        search=form["q"] or None,
        partner_id=chosen.partner_id,
    )
    try:
        page = await certificates.list_certificates(
            session, principal, query, first=PAGE_SIZE, after=params.get("after")
        )
    except DomainError:  # a cursor that is not one of ours
        raise NotFound() from None
    total = await certificates.total_cpd_hours(session, principal, query)
    rows = list(page.rows)
    people = await contacts.get_contacts(session, principal, list({r.contact_id for r in rows}))
    names = await _member_names(session, principal, people.values(), chosen.partner_id)
    listed: list[dict[str, Any]] = []
    for row in rows:
        person = people.get(row.contact_id)
        member = person.member_id if person is not None else None
        listed.append(
            {
                "id": row.id,
                "number": row.number,
                "holder": row.holder_name or t["certs_holder_withheld"],  # erased
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
        seen.data,
        "certs_list.html",
        422 if errors else 200,
        rows=listed,
        total=total,
        members=sorted(names.items(), key=lambda item: item[1]),
        form=form,
        errors=errors,
        partner_filter=chosen,
        session_id=session_id,
        cursor=page.end_cursor if page.has_next_page else None,
    )


async def _member_names(
    session: AsyncSession,
    principal: Principal,
    people: Iterable[Any],
    partner_id: uuid.UUID | None = None,
) -> dict[uuid.UUID, str]:
    """The member filter's choices (of the chosen partner, for staff), plus the members of the
    listed holders beyond them."""
    choices = await members.list_members(
        session,
        principal,
        members.MemberQuery(partner_id=partner_id),
        first=MEMBER_CHOICES,
        after=None,
    )
    names = {m.id: m.name for m in choices.rows}
    missing = [p.member_id for p in people if p.member_id is not None and p.member_id not in names]
    if missing:
        found = await members.get_members(session, principal, missing)
        names.update({k: v.name for k, v in found.items()})
    return names


@router.get("/certificates/{certificate_id}.pdf")
async def download_pdf(certificate_id: str, seen: UserReading) -> Response:
    """A certificate's PDF, to a partner or a member contact who may see it."""
    found = await certificates.certificate_pdf(
        seen.session, seen.principal, path_id(certificate_id)
    )
    return pdf_response(*or_404(found))


@router.get("/sessions/{session_id}/certificates.zip")
async def download_zip(session_id: str, seen: ManagerReading) -> Response:
    """A session's certificates (of the partner's contacts; staff: all of them) as one ZIP."""
    parsed = path_id(session_id)
    content = await certificates.session_zip(seen.session, seen.principal, parsed)
    return zip_response(parsed, or_404(content))


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
