"""The public verification page the QR code opens, and the sign-in link's error page, in the
five languages: statuses, escaping, language choice, the rate limit."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.app import create_app
from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.certificates.models import Certificate
from network.config import Settings
from network.kit.ratelimit import VERIFY_LIMIT, rate_key
from network.portal.public.pages import accepted_language, format_day, public_language
from tests.support.factories import Factory
from tests.support.hanging import hanging_redis
from tests.support.training import Attended

ISSUED = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)
REVOKED = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)


@pytest.fixture
async def address(settings: Settings) -> AsyncIterator[str]:
    """A client address of its own, so no other test's lookups count against its limit."""
    value = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    redis = Redis.from_url(settings.redis_url)
    await redis.delete(rate_key(value))
    yield value
    await redis.delete(rate_key(value))
    await redis.aclose()


@pytest.fixture
async def browser(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], address: str
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, session_factory=session_factory)
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        yield client


async def _issued(
    session: AsyncSession, make: Factory, attended: Attended, **contact: object
) -> Certificate:
    member = await make.member()
    holder = await make.contact(member, **{"first_name": "Siân", "last_name": "Ŵyn", **contact})
    training_session = await attended.session_with([holder], title="Map It", cpd_hours=6)
    (certificate,) = await certificates.issue_certificates(
        session, SYSTEM, session_id=training_session.id
    )
    certificate.issued_at = ISSUED
    await session.commit()
    return certificate


def _status(page: httpx.Response) -> str:
    """The coloured status block of a verification page."""
    found = re.search(r'<div class="verify-status[^"]*">\n(.*?)</div>', page.text, re.DOTALL)
    assert found is not None, page.text
    return found.group(0)


def _facts(page: httpx.Response) -> list[tuple[str, str]]:
    return re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page.text)


def _language_links(page: httpx.Response) -> list[str]:
    nav = re.search(r'<nav class="langs"[^>]*>(.*?)</nav>', page.text, re.DOTALL)
    assert nav is not None, page.text
    return re.findall(r'href="([^"]*)"', nav.group(1))


async def test_each_status_in_english(
    browser: httpx.AsyncClient, session: AsyncSession, make: Factory, attended: Attended
) -> None:
    valid = await _issued(session, make, attended)
    page = await browser.get(f"/verify/{valid.verification_code}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert '<meta name="robots" content="noindex">' in page.text
    assert '<html lang="en">' in page.text
    assert _status(page) == (
        '<div class="verify-status verify-valid">\n'
        '<p id="status"><strong>VALID</strong> &ndash; This certificate is genuine and valid.</p>\n'
        "</div>"
    )
    assert _facts(page) == [
        ("Certificate number", valid.number),
        ("Holder", "Siân Ŵyn"),
        ("Course", "Map It"),
        ("Training provider", "Governance International"),  # from the certificate's particulars
        ("Date", valid.session_date_text),
        ("CPD hours", "6.0"),
        ("Issued", "3 November 2026"),
    ]

    replacement = await certificates.reissue_certificate(session, SYSTEM, certificate_id=valid.id)
    await session.commit()
    superseded = await browser.get(f"/verify/{valid.verification_code}")
    assert superseded.status_code == 200
    assert _status(superseded) == (
        '<div class="verify-status verify-superseded">\n'
        '<p id="status"><strong>SUPERSEDED</strong> &ndash; This certificate has been '
        "replaced by a newer one and is no longer valid.</p>\n"
        f"<p>Replaced by certificate {replacement.number}.</p>\n"
        "</div>"
    )

    await certificates.revoke_certificate(
        session, SYSTEM, certificate_id=replacement.id, reason="Did not attend", now=REVOKED
    )
    await session.commit()
    revoked = await browser.get(f"/verify/{replacement.verification_code}")
    assert revoked.status_code == 200
    assert _status(revoked) == (
        '<div class="verify-status verify-revoked">\n'
        '<p id="status"><strong>REVOKED</strong> &ndash; This certificate has been revoked '
        "and is no longer valid.</p>\n"
        "<p>Revoked on 1 March 2027. Reason: Did not attend</p>\n"
        "</div>"
    )

    unknown = await browser.get("/verify/no-such-code")
    assert unknown.status_code == 404
    assert unknown.headers["cache-control"] == "no-store"
    assert _status(unknown) == (
        '<div class="verify-status verify-unknown">\n'
        '<p id="status"><strong>UNKNOWN</strong> &ndash; No certificate has this code.</p>\n'
        "<p>Check that the address matches the one on the certificate exactly.</p>\n"
        "</div>"
    )
    assert _facts(unknown) == []


async def test_welsh_and_french_by_lang_and_by_accept_language(
    browser: httpx.AsyncClient, session: AsyncSession, make: Factory, attended: Attended
) -> None:
    certificate = await _issued(session, make, attended, language="cy")
    await certificates.revoke_certificate(
        session, SYSTEM, certificate_id=certificate.id, reason="Camgymeriad", now=REVOKED
    )
    await session.commit()
    path = f"/verify/{certificate.verification_code}"
    welsh_block = (
        '<div class="verify-status verify-revoked">\n'
        '<p id="status"><strong>REVOKED</strong> &ndash; Mae&#39;r dystysgrif hon '
        "wedi&#39;i dirymu ac nid yw&#39;n ddilys mwyach.</p>\n"
        "<p>Dirymwyd ar 1 Mawrth 2027. Rheswm: Camgymeriad</p>\n"
        "</div>"
    )
    french_block = (
        '<div class="verify-status verify-revoked">\n'
        '<p id="status"><strong>REVOKED</strong> &ndash; Ce certificat a été révoqué et n&#39;est '
        "plus valide.</p>\n"
        "<p>Révoqué le 1er mars 2027. Motif : Camgymeriad</p>\n"
        "</div>"
    )
    by_query = await browser.get(path, params={"lang": "cy"})
    by_header = await browser.get(path, headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.8"})
    for page in (by_query, by_header):
        assert page.status_code == 200
        assert '<html lang="cy">' in page.text
        assert "<title>Dilysu tystysgrif</title>" in page.text
        assert _status(page) == welsh_block
        assert _facts(page) == [
            ("Rhif y dystysgrif", certificate.number),
            ("Deiliad", "Siân Ŵyn"),
            ("Cwrs", "Map It"),
            ("Darparwr hyfforddiant", "Governance International"),
            # The session's date is stored bilingual for a Welsh holder, and shown as stored.
            ("Dyddiad", certificate.session_date_text),
            ("Oriau DPP", "6.0"),
            ("Dyddiad cyhoeddi", "3 Tachwedd 2026"),
        ]
    assert " / " in certificate.session_date_text

    french = await browser.get(path, params={"lang": "fr"})
    french_header = await browser.get(
        path, headers={"Accept-Language": "de;q=0.5, fr-CH, fr;q=0.9, en;q=0.8"}
    )
    for page in (french, french_header):
        assert '<html lang="fr">' in page.text
        assert _status(page) == french_block
        assert ("Délivré le", "3 novembre 2026") in _facts(page)
    assert french.headers["vary"] == "Accept-Language"

    # ?lang= wins over the browser; an unknown ?lang= falls back to the browser, then English.
    chosen = await browser.get(path, params={"lang": "fr"}, headers={"Accept-Language": "cy"})
    assert _status(chosen) == french_block
    fallback = await browser.get(path, params={"lang": "xx"}, headers={"Accept-Language": "cy"})
    assert _status(fallback) == welsh_block
    english = await browser.get(path, headers={"Accept-Language": "ja, zh;q=0.5"})
    assert '<html lang="en">' in english.text


async def test_values_from_users_are_escaped(
    browser: httpx.AsyncClient, session: AsyncSession, make: Factory, attended: Attended
) -> None:
    certificate = await _issued(
        session, make, attended, first_name="<script>alert(1)</script>", last_name="O'Neil"
    )
    await certificates.revoke_certificate(
        session,
        SYSTEM,
        certificate_id=certificate.id,
        reason='<img src=x onerror="alert(2)"> & <b>more</b>',
        now=REVOKED,
    )
    await session.commit()
    page = await browser.get(f"/verify/{certificate.verification_code}")
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "<img" not in page.text
    assert "<b>" not in page.text
    assert ("Holder", "&lt;script&gt;alert(1)&lt;/script&gt; O&#39;Neil") in _facts(page)
    assert (
        "<p>Revoked on 1 March 2027. Reason: &lt;img src=x onerror=&#34;alert(2)&#34;&gt; "
        "&amp; &lt;b&gt;more&lt;/b&gt;</p>"
    ) in _status(page)

    # The code comes from the address: in the language links it is quoted, never markup.
    typed = await browser.get('/verify/"><script>x')
    assert typed.status_code == 404
    assert "<script>" not in typed.text
    assert _language_links(typed)[0] == "/verify/%22%3E%3Cscript%3Ex?lang=en"


async def test_the_language_links_keep_the_code(
    browser: httpx.AsyncClient, session: AsyncSession, make: Factory, attended: Attended
) -> None:
    certificate = await _issued(session, make, attended)
    path = f"/verify/{certificate.verification_code}"
    page = await browser.get(path, params={"lang": "es"})
    assert _language_links(page) == [
        f"{path}?lang=en",
        f"{path}?lang=cy",
        f"{path}?lang=fr",
        f"{path}?lang=es",
        f"{path}?lang=de",
    ]
    assert (
        f'<a href="{path}?lang=es" lang="es" hreflang="es" aria-current="true">Español</a>'
        in page.text
    )
    for link in _language_links(page):
        followed = await browser.get(link)
        assert followed.status_code == 200
        assert certificate.number in followed.text


async def test_an_unknown_code_is_404_in_the_chosen_language(browser: httpx.AsyncClient) -> None:
    german = await browser.get("/verify/nothing-here", params={"lang": "de"})
    assert german.status_code == 404
    assert '<html lang="de">' in german.text
    assert _status(german) == (
        '<div class="verify-status verify-unknown">\n'
        '<p id="status"><strong>UNKNOWN</strong> &ndash; '
        "Zu diesem Code gibt es kein Zertifikat.</p>\n"
        "<p>Prüfen Sie, ob die Adresse genau der auf dem Zertifikat entspricht.</p>\n"
        "</div>"
    )
    spanish = await browser.get("/verify/nothing-here", headers={"Accept-Language": "es-ES"})
    assert spanish.status_code == 404
    assert (
        '<p id="status"><strong>UNKNOWN</strong> &ndash; Ningún certificado tiene este código.</p>'
    ) in spanish.text
    assert _language_links(spanish)[1] == "/verify/nothing-here?lang=cy"


async def test_over_the_limit_a_translated_page_says_so(
    browser: httpx.AsyncClient, address: str, settings: Settings
) -> None:
    redis = Redis.from_url(settings.redis_url)
    await redis.set(rate_key(address), VERIFY_LIMIT, ex=60)
    await redis.aclose()
    limited = await browser.get("/verify/some-code", headers={"Accept-Language": "cy"})
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "60"
    assert limited.headers["cache-control"] == "no-store"
    assert '<html lang="cy">' in limited.text
    assert "<title>Gormod o geisiadau</title>" in limited.text
    assert (
        '<p class="verify-status verify-limited">'
        "Gormod o geisiadau dilysu; rhowch gynnig arall arni ymhen munud.</p>"
    ) in limited.text
    assert 'id="status"' not in limited.text
    english = await browser.get("/verify/some-code", params={"lang": "en"})
    assert english.status_code == 429
    assert "Too many verification requests; try again in a minute." in english.text


async def test_an_invalid_sign_in_link_answers_in_the_browsers_language(
    browser: httpx.AsyncClient,
) -> None:
    welsh = await browser.get("/login/not-a-real-token", headers={"Accept-Language": "cy"})
    assert welsh.status_code == 404
    assert welsh.headers["cache-control"] == "no-store"
    assert welsh.headers["referrer-policy"] == "no-referrer"
    assert '<html lang="cy">' in welsh.text
    assert "<title>Mewngofnodi</title>" in welsh.text
    assert "<h1>Nid yw&#39;r ddolen fewngofnodi hon yn ddilys</h1>" in welsh.text
    assert "<p>Mae dolen fewngofnodi yn gweithio unwaith, am 15 munud.</p>" in welsh.text
    assert (
        '<p><a href="/portal/login?lang=cy">Gofyn am ddolen fewngofnodi newydd</a></p>'
        in welsh.text
    )
    # The portal speaks English, Welsh and French: a German reader gets its default page.
    german = await browser.get("/login/not-a-real-token", headers={"Accept-Language": "de-DE"})
    assert '<p><a href="/portal/login">Einen neuen Anmeldelink anfordern</a></p>' in german.text
    english = await browser.get("/login/not-a-real-token")
    assert "<h1>This sign-in link is not valid</h1>" in english.text


def test_the_browsers_preferred_language() -> None:
    assert accepted_language("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5") == "fr"
    assert accepted_language("en;q=0.4, cy;q=0.8") == "cy"
    assert accepted_language("ja, es-MX;q=0.3") == "es"
    assert accepted_language("cy;q=0, de") == "de"
    assert accepted_language("cy;q=zero, fr;q=0.1") == "fr"
    assert accepted_language("*") is None
    assert accepted_language("") is None
    assert accepted_language(None) is None
    assert public_language("de", "cy") == "de"
    assert public_language("xx", None) == "en"


def test_dates_are_written_for_the_language() -> None:
    day = datetime(2027, 3, 1, tzinfo=UTC)
    assert [format_day(day, code) for code in ("en", "cy", "fr", "es", "de", "xx")] == [
        "1 March 2027",
        "1 Mawrth 2027",
        "1er mars 2027",
        "1 de marzo de 2027",
        "1. März 2027",
        "1 March 2027",
    ]


async def test_the_page_answers_when_redis_hangs(
    session: AsyncSession,
    make: Factory,
    attended: Attended,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """The rate limit cannot be counted, so it is let through (with a warning): the page still
    answers, after at most the Redis timeout (0.5 s by default)."""
    certificate = await _issued(session, make, attended)

    async with hanging_redis() as url:
        hanging = settings.model_copy(update={"redis_url": url})
        assert hanging.redis_timeout_seconds <= 0.5  # the default the README promises
        app = create_app(hanging, session_factory=session_factory)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver"
            ) as client,
        ):
            page = await client.get(f"/verify/{certificate.verification_code}")
    assert page.status_code == 200
    assert "Map It" in page.text
