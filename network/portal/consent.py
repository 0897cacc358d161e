"""Email preferences: a member contact's consents, to withdraw or give again, and their ledger.

Next to My training (`/portal/email-preferences`). Each purpose shows its current state and
the words it is agreed to with; its button records a withdrawal or consent given again with
channel FORM (the same `record_consent` as the API's recordConsent). Below, the ledger: every
choice recorded, newest first, with its date and how it was made.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import Response

from network.consent import service as consent
from network.consent.wording import languages_of, purpose_name, wording_text
from network.kit.enums import ConsentChannel, ConsentPurpose
from network.kit.errors import DomainError
from network.meetings.formatting import format_date, language_or_default
from network.portal.deps import MemberForm, MemberReading, PortalDep, area_router
from network.portal.exits import NotFound
from network.portal.labels.consent import consent_labels
from network.portal.web import Portal, Reading

PATH = "/email-preferences"
LEDGER_SHOWN = 50  # a person changes their mind a handful of times

router = area_router()


def _day(moment: datetime, language: str) -> str:
    return format_date(moment.astimezone(UTC), language_or_default(language))


async def preferences_view(
    request: Request,
    portal: Portal,
    seen: Reading,
    *,
    status_code: int = 200,
    message: str | None = None,
) -> Response:
    """The contact's purposes with their state and wording, and the ledger."""
    session, principal = seen.session, seen.principal
    contact_id = principal.contact_id
    if contact_id is None:
        raise NotFound()
    language = portal.language_of(request)
    t = consent_labels(language)
    try:
        states = await consent.current_consent(session, principal, contact_id)
    except DomainError:
        raise NotFound() from None
    purposes = [
        {
            "purpose": state.purpose.value,
            "name": purpose_name(state.purpose, language),
            # Welsh bilingually, Welsh first, as the emails are.
            "wording": [
                (code, wording_text(state.purpose, code)) for code in languages_of(language)
            ],
            "given": state.given,
            "since": _day(state.since, language) if state.since else None,
        }
        for state in states
    ]
    ledger = await consent.consent_ledger(session, principal, contact_id, first=LEDGER_SHOWN)
    entries = [
        {
            "date": _day(row.recorded_at, language),
            "purpose": purpose_name(ConsentPurpose(row.purpose), language),
            "choice": t["consent_GIVEN" if row.given else "consent_WITHDRAWN"],
            "channel": t.get(f"consent_{row.channel}", str(row.channel)),
        }
        for row in ledger.rows
    ]
    return portal.render(
        request,
        seen.data,
        "email_preferences.html",
        status_code,
        c=t,
        purposes=purposes,
        entries=entries,
        message=message,
    )


@router.get(PATH)
async def email_preferences(request: Request, portal: PortalDep, seen: MemberReading) -> Response:
    """Email preferences: the signed-in member contact's own consents."""
    t = consent_labels(portal.language_of(request))
    message = t["consent_saved"] if request.query_params.get("saved") == "1" else None
    return await preferences_view(request, portal, seen, message=message)


@router.post(PATH)
async def change_preference(request: Request, portal: PortalDep, seen: MemberForm) -> Response:
    """Withdraw a purpose (given=no) or give it again (given=yes), channel FORM."""
    t = consent_labels(portal.language_of(request))
    purpose_value = seen.form.get("purpose", "")
    given = seen.form.get("given", "")
    if purpose_value not in ConsentPurpose.__members__ or given not in ("yes", "no"):
        async with portal.again(seen) as fresh:
            return await preferences_view(
                request, portal, fresh, status_code=422, message=t["consent_failed"]
            )
    try:
        async with portal.write() as session:
            await consent.record_consent(
                session,
                seen.principal,
                seen.principal.contact_id,
                ConsentPurpose(purpose_value),
                given == "yes",
                ConsentChannel.FORM,
            )
    except DomainError as exc:
        if any(e.code == "NOT_FOUND" for e in exc.errors):
            raise NotFound() from None
        async with portal.again(seen) as fresh:
            return await preferences_view(
                request, portal, fresh, status_code=422, message=t["consent_failed"]
            )
    return portal.redirect(f"/portal{PATH}?saved=1")
