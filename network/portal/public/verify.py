"""`GET /verify/{code}`: the public page a certificate's QR code opens, with what
`verifyCertificate` answers, from an autoescaped template in English, Welsh, French, Spanish
or German (?lang=, else the browser's Accept-Language, else English). Lookups are
rate-limited per client address with a Redis counter, so guessing codes is slow."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from network.certificates import service as certificates
from network.kit.ratelimit import VERIFY_WINDOW_SECONDS, over_verify_limit
from network.portal.deps import PortalDep
from network.portal.public.pages import (
    VERIFY_LABELS,
    format_day,
    language_links,
    public_language,
    render_public,
)
from network.portal.web import templates

router = APIRouter()


def verify_path(code: str) -> str:
    """The verification page's path for a code (quoted: the code is whatever was typed)."""
    return f"/verify/{quote(code, safe='')}"


def render_page(
    found: certificates.Verification | None, language: str = "en", code: str = ""
) -> str:
    """The verification page in a language; the template escapes every value."""
    t = VERIFY_LABELS[language]
    values: dict[str, object] = {"status": "UNKNOWN"}
    if found is not None:
        # Who provided and who certified the training, as printed (older certificates: none).
        issuer = [
            (t[key], value)
            for key, value in (
                ("provider", found.provider),
                ("accreditation", found.accreditation),
                ("accreditation_reference", found.accreditation_reference),
            )
            if value
        ]
        values = {
            "status": found.status.value,
            "revoked_on": format_day(found.revoked_at, language) if found.revoked_at else None,
            "revoked_reason": found.revoked_reason,
            "superseded_by": found.superseded_by_number,
            "facts": [
                (t["number"], found.number),
                # An erased holder's name is gone: the page says it is withheld.
                (t["holder"], found.holder_name or t["holder_withheld"]),
                (t["course"], found.course_title),
                *issuer,
                (t["date"], found.session_date_text),  # stored in the holder's language
                (t["cpd_hours"], str(found.cpd_hours)),
                (t["issued"], format_day(found.issued_at, language)),
            ],
        }
    return templates.get_template("public_verify.html").render(
        lang=language,
        t=t,
        title=t["title"],
        state="page",
        languages=language_links(verify_path(code)),
        **values,
    )


@router.get("/verify/{code}", name="verify_certificate", response_class=HTMLResponse)
async def verify_page(code: str, request: Request, portal: PortalDep) -> HTMLResponse:
    """What the certificate with this code is (valid, revoked, superseded), or that none is."""
    language = public_language(
        request.query_params.get("lang"), request.headers.get("accept-language")
    )
    client = request.client.host if request.client else "unknown"
    if await over_verify_limit(portal.redis(), client):
        t = VERIFY_LABELS[language]
        limited = render_public(
            "public_verify.html",
            language,
            429,
            t=t,
            title=t["too_many_title"],
            state="limited",
            languages=language_links(verify_path(code)),
        )
        limited.headers["Retry-After"] = str(VERIFY_WINDOW_SECONDS)
        limited.headers["Vary"] = "Accept-Language"
        return limited
    async with portal.db() as session:
        found = await certificates.verify(session, code)
    return HTMLResponse(
        render_page(found, language, code),
        status_code=200 if found is not None else 404,
        headers={
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "Vary": "Accept-Language",
        },
    )
