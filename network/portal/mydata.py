"""My data: what a member contact signed in to the portal sees of what we hold about them.

Their details, their current consent per purpose, how many bookings, certificates and meeting
invitations we keep, a "Download my data" button (the same `request_export` as the API), and
their exports with a download link once ready (the same `download` as /exports/...).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import Response

from network.db import unit_of_work, utcnow
from network.kit.errors import DomainError
from network.meetings.formatting import format_date, language_or_default
from network.portal.deps import MemberForm, MemberReading, PortalDep, area_router, path_id
from network.portal.exits import NotFound
from network.portal.i18n import CONTACT_LANGUAGES
from network.portal.web import Portal, Reading
from network.privacy import exports
from network.privacy.holding import what_we_hold

EXPORTS_SHOWN = 10

router = area_router()


def _when(moment: datetime | None, language: str) -> str:
    """A moment as the page shows it: its date in the page's language and its time, in UTC."""
    if moment is None:
        return ""
    utc = moment.astimezone(UTC)
    return f"{format_date(utc, language_or_default(language))} {utc:%H:%M} UTC"


async def data_view(
    request: Request,
    portal: Portal,
    seen: Reading,
    *,
    status_code: int = 200,
    message: str | None = None,
    problem: str | None = None,
) -> Response:
    """My data: the contact's details, consents, counts and exports."""
    session, principal = seen.session, seen.principal
    contact_id = principal.contact_id
    if contact_id is None:
        raise NotFound()
    holding = await what_we_hold(session, principal, contact_id)
    if holding is None:
        raise NotFound()
    language = portal.language_of(request)
    now = utcnow()
    listed = []
    for row in await exports.exports_of_contact(
        session, principal, contact_id, limit=EXPORTS_SHOWN
    ):
        token = exports.link_token(row, principal, now=now)
        listed.append(
            {
                "requested": _when(row.requested_at, language),
                "status": row.status.value,
                "expires": _when(row.expires_at, language) if token else "",
                "href": f"/portal/my-data/exports/{row.id}/download/{token}" if token else None,
            }
        )
    contact = holding.contact
    return portal.render(
        request,
        seen.data,
        "mydata.html",
        status_code,
        contact=contact,
        language_name=CONTACT_LANGUAGES.get(contact.language, contact.language),
        holding=holding,
        exports=listed,
        message=message,
        problem=problem,
    )


@router.get("/my-data")
async def my_data(request: Request, portal: PortalDep, seen: MemberReading) -> Response:
    """My data: the signed-in member contact's own page."""
    asked = request.query_params.get("asked") == "1"
    return await data_view(request, portal, seen, message=seen.t["mydata_asked"] if asked else None)


@router.post("/my-data/export")
async def ask_for_export(request: Request, portal: PortalDep, seen: MemberForm) -> Response:
    """Ask for a copy of everything we hold (the same `request_export` as the API)."""
    try:
        async with portal.write() as session:
            await exports.request_export(session, seen.principal, seen.principal.contact_id)
    except DomainError as exc:
        if {e.code for e in exc.errors} & {"NOT_FOUND"}:
            raise NotFound() from None
        async with portal.again(seen) as fresh:
            return await data_view(
                request, portal, fresh, status_code=422, problem=seen.t["mydata_refused"]
            )
    return portal.redirect("/portal/my-data?asked=1")


@router.get("/my-data/exports/{export_id}/download/{token}")
async def download_export(export_id: str, token: str, seen: MemberReading) -> Response:
    """The export's ZIP for the member who asked, with the page's signed link; else 404."""
    raw = path_id(export_id)
    async with unit_of_work(seen.session):
        content = await exports.download(seen.session, seen.principal, raw, token)
    if content is None:
        raise NotFound()
    return Response(
        content,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="personal-data-{raw}.zip"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
