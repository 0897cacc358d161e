"""An email's one-click unsubscribe, `/unsubscribe/{token}` (RFC 8058), without a sign-in.

The link's token is signed and names a contact and a purpose (network/consent/links.py). GET
shows, in the contact's language (or `?lang=`), which emails the link stops and a button; it
changes nothing, since mail scanners and link previews open every link in an email. POST
withdraws that purpose's consent in the ledger (channel EMAIL_LINK, by the system) and shows
that it is done. Mail providers POST `List-Unsubscribe=One-Click` to the same URL with no
cookie and no CSRF token: the signed token is the authority, and the only thing it can do is
stop emails, which is idempotent. A link that names nothing is a 404 page. An erased person's
link records nothing and says they receive no more of these emails, which is true.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from network.consent import service as consent
from network.consent.links import read_unsubscribe_token
from network.consent.wording import languages_of, purpose_name
from network.kit.enums import ConsentPurpose
from network.portal.deps import PortalDep
from network.portal.labels.consent import LANGUAGES, consent_labels
from network.portal.public.pages import render_public

router = APIRouter(tags=["consent"])
TEMPLATE = "public_unsubscribe.html"


def _language(chosen: str | None, contact_language: str | None) -> str:
    if chosen in LANGUAGES:
        return chosen
    return contact_language if contact_language in LANGUAGES else "en"


def _name(purpose: ConsentPurpose, language: str) -> str:
    """The purpose's name inside a sentence (German keeps its capital letters)."""
    name = purpose_name(purpose, language)
    return name if language == "de" else name[:1].lower() + name[1:]


@dataclass(frozen=True, slots=True)
class _Section:
    """The page in one of its languages: its code, labels and the purpose's name."""

    lang: str
    t: dict[str, str]
    purpose: str


def _sections(language: str, purpose: ConsentPurpose | None) -> list[_Section]:
    """Each language the page is written in (Welsh: Welsh, then English), with its labels."""
    return [
        _Section(code, consent_labels(code), _name(purpose, code) if purpose else "")
        for code in languages_of(language)
    ]


def _page(
    language: str,
    state: str,
    status: int,
    purpose: ConsentPurpose | None = None,
    token: str | None = None,
) -> HTMLResponse:
    sections = _sections(language, purpose)
    title_key = {"invalid": "unsub_invalid_title", "done": "unsub_done_title"}.get(
        state, "unsub_title"
    )
    title = " / ".join(s.t[title_key] for s in sections)
    return render_public(
        TEMPLATE, language, status, title=title, state=state, sections=sections, token=token
    )


def _invalid(chosen: str | None) -> HTMLResponse:
    return _page(_language(chosen, None), "invalid", 404)


MAX_TOKEN = 200  # a genuine token is a signed id and purpose, far shorter


def _genuine(token: str) -> bool:
    """Checked before any database work: a made-up token costs a signature check only."""
    return len(token) <= MAX_TOKEN and read_unsubscribe_token(token) is not None


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe_page(
    token: str, portal: PortalDep, lang: str | None = Query(default=None)
) -> HTMLResponse:
    """Which emails the link stops, with a button; nothing changes until it is pressed."""
    if not _genuine(token):
        return _invalid(lang)
    async with portal.db() as session:
        target = await consent.unsubscribe_target(session, token)
    if target is None:
        return _invalid(lang)
    language = _language(lang, target.language)
    state = "done" if target.erased or not target.given else "page"
    return _page(language, state, 200, purpose=target.purpose, token=token)


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe(
    token: str, portal: PortalDep, lang: str | None = Query(default=None)
) -> HTMLResponse:
    """Withdraw the consent the link names (the page's button, or a mail provider's
    RFC 8058 one-click POST): no cookie or CSRF token needed, and doing it twice is harmless."""
    if not _genuine(token):
        return _invalid(lang)
    async with portal.write() as session:
        target = await consent.unsubscribe(session, token)
    if target is None:
        return _invalid(lang)
    return _page(_language(lang, target.language), "done", 200, purpose=target.purpose)
