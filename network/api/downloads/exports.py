"""`GET /exports/{id}/download/{token}`: a personal-data export's ZIP, for the user who asked
for it (a bearer token, or a member's sign-in cookie) with the signed link the API or the
portal gave them, while the export is READY and unexpired. Anything else, whoever asks, is the
same 404: the answer never tells that an export exists. The token is a path parameter named
`token`, so the access log redacts it (network.logs.SECRET_PARAMS)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from network.api.downloads.deps import Caller, Db, parse_id
from network.db import unit_of_work
from network.privacy import exports

router = APIRouter()


def _not_found() -> Response:
    return Response(
        "Not found", status_code=404, media_type="text/plain", headers={"Cache-Control": "no-store"}
    )


@router.get("/exports/{export_id}/download/{token}", name="personal_data_export")
async def personal_data_export(
    export_id: str, token: str, session: Db, principal: Caller
) -> Response:
    """The export's ZIP, as an attachment; the download is audited."""
    raw = parse_id(export_id)
    if raw is None or not principal.is_authenticated or len(token) > 200:
        return _not_found()
    async with unit_of_work(session):
        content = await exports.download(session, principal, raw, token)
    if content is None:
        return _not_found()
    return Response(
        content,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="personal-data-{raw}.zip"',
            "Cache-Control": "no-store",
        },
    )
