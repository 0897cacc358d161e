"""Certificate files: `GET /certificates/{id}.pdf` to staff, to the partner that sees the
holder's member and to the holder (a member user); `GET /training/sessions/{id}/certificates.zip`
(a session's current certificates) to staff and partners (a partner gets those of the contacts
it sees). Anyone else gets the same 404 as a missing id."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from network.api.downloads.deps import Caller, Db, parse_id
from network.certificates import service as certificates

router = APIRouter()
NOT_FOUND = "No such certificate."


@router.get("/certificates/{certificate_id}.pdf", name="certificate_pdf")
async def certificate_pdf(certificate_id: str, session: Db, principal: Caller) -> Response:
    """The stored PDF, as an attachment named after the certificate's number."""
    raw = parse_id(certificate_id)
    found = await certificates.certificate_pdf(session, principal, raw) if raw else None
    if found is None:
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    number, document = found
    return Response(
        document,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{number}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/training/sessions/{session_id}/certificates.zip", name="certificates_zip")
async def certificates_zip(session_id: str, session: Db, principal: Caller) -> Response:
    """A session's current certificates as one ZIP."""
    raw = parse_id(session_id)
    content = await certificates.session_zip(session, principal, raw) if raw else None
    if content is None:
        raise HTTPException(status_code=404, detail="No certificates for this session.")
    return Response(
        content,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="certificates-{raw}.zip"',
            "Cache-Control": "private, no-store",
        },
    )
