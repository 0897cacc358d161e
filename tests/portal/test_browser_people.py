"""Members and contacts in real headless Chromium: the Wales partner finds a member, adds a
contact (first with an email the server refuses), edits, archives and restores it, and
downloads the cohort's contacts as CSV.

Other browser tests share the served demo database; this one changes only a contact it makes
itself, at ADSS Cymru (others book Anglesey's and Powys's contacts, and record ADSS Cymru's
Grow It step, which this test does not look at).
"""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import (
    FRANCE,
    WALES,
    distinct_colours,
    needs_chromium,
    screenshot,
    sign_in,
)

pytestmark = [needs_chromium, pytest.mark.browser]

MEMBER_NAME = "ADSS Cymru"
COHORT = "Wales Community Leadership Cohort 2026"
# Valid for the browser's own check (type="email" allows a domain without a dot), refused by
# the server's: so the error shown comes from the service, next to the field.
BAD_EMAIL = "elin.browser@adsscymru"
EMAIL = "elin.browser@adsscymru.example"
CSV_HEADER = [
    "Member",
    "First name",
    "Last name",
    "Email",
    "Job title",
    "Preferred language",
    "What the person agreed to",
    "Consent given on",
    "How consent was given",
    "Does not want emails about",
    "Archived",
]


async def read_download(download: Any) -> bytes:
    """The bytes of a finished browser download (read off the event loop)."""
    path = Path(await download.path())
    return await asyncio.to_thread(path.read_bytes)


async def test_partner_adds_edits_archives_restores_and_exports_a_contact(
    server: str, browser: Any
) -> None:
    page = await (await browser.new_context(accept_downloads=True)).new_page()
    await sign_in(page, server, WALES)
    await page.wait_for_url(f"{server}/portal/")

    # Members and contacts: search, then open the member.
    await page.get_by_role("link", name="Members and contacts").click()
    await page.wait_for_url(f"{server}/portal/members")
    await page.get_by_label("Search by name").fill("ADSS")
    await page.get_by_role("button", name="Search", exact=True).click()
    await page.wait_for_url("**/portal/members?q=ADSS*")
    rows = page.locator("table.list tbody tr")
    assert await rows.count() == 1
    assert MEMBER_NAME in await rows.first.inner_text()
    await rows.get_by_role("link", name=MEMBER_NAME).click()
    await page.wait_for_url(f"{server}/portal/members/*")
    member_url = page.url
    assert await page.locator("h1").inner_text() == MEMBER_NAME

    # A new contact with an email the server refuses: the error is next to the field, in the
    # page's language, and everything typed is still there.
    await page.get_by_role("link", name="Add contact").click()
    await page.wait_for_url("**/contacts/new")
    await page.get_by_label("First name").fill("Elin")
    await page.get_by_label("Last name").fill("Browser")
    await page.get_by_label("Email", exact=True).fill(BAD_EMAIL)
    await page.get_by_label("Job title").fill("Swyddog Hyfforddiant")
    await page.get_by_label("Preferred language").select_option("cy")
    await page.get_by_role("button", name="Save", exact=True).click()
    await page.wait_for_load_state()
    assert page.url.endswith("/contacts/new")
    assert await page.locator("p.message").inner_text() == (
        "Please correct the fields marked below."
    )
    email = page.locator("#email")
    assert await email.get_attribute("aria-invalid") == "true"
    assert await email.get_attribute("aria-describedby") == "email-error"
    error = page.locator("#email-error")
    assert await error.inner_text() == "Not a valid email address."
    # "Next to the field": the error directly follows the email input.
    follows = await page.evaluate(
        "() => document.querySelector('#email').nextElementSibling?.id ?? null"
    )
    assert follows == "email-error"
    assert await page.locator(".error").count() == 1  # no other field is blamed
    assert await email.input_value() == BAD_EMAIL
    assert await page.locator("#first_name").input_value() == "Elin"
    assert await page.locator("#last_name").input_value() == "Browser"
    assert await page.locator("#job_title").input_value() == "Swyddog Hyfforddiant"
    assert await page.locator("#language").input_value() == "cy"

    # Corrected, it is saved and listed on the member's page.
    await email.fill(EMAIL)
    await page.get_by_role("button", name="Save", exact=True).click()
    await page.wait_for_url("**saved=contact")
    assert page.url.startswith(member_url)
    assert await page.locator("p.message").inner_text() == "Contact saved."
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Elin Browser"))
    assert await row.count() == 1
    cells = await row.locator("td").all_inner_texts()
    assert cells[:3] == [EMAIL, "Swyddog Hyfforddiant", "Cymraeg"]

    # Edit the job title.
    await page.get_by_role("link", name="Edit: Elin Browser").click()
    await page.wait_for_url("**/portal/contacts/*/edit")
    assert await page.locator("h1").inner_text() == "Edit contact"
    assert await page.locator("#email").input_value() == EMAIL
    await page.get_by_label("Job title").fill("Pennaeth Hyfforddiant")
    await page.get_by_role("button", name="Save", exact=True).click()
    await page.wait_for_url("**saved=contact")
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Elin Browser"))
    assert (await row.locator("td").all_inner_texts())[1] == "Pennaeth Hyfforddiant"

    # Archive: it moves to the archived contacts, with a Restore button and no Edit link.
    await page.get_by_role("button", name="Archive: Elin Browser").click()
    await page.wait_for_url("**saved=archived")
    assert await page.locator("p.message").inner_text() == (
        "Contact archived. You can restore it below."
    )
    assert await page.get_by_role("link", name="Edit: Elin Browser").count() == 0
    archived = page.locator("h2:has-text('Archived contacts') + table")
    assert "Elin Browser" in await archived.inner_text()

    # Restore: active again.
    await page.get_by_role("button", name="Restore: Elin Browser").click()
    await page.wait_for_url("**saved=restored")
    assert await page.locator("p.message").inner_text() == "Contact restored."
    assert await page.get_by_role("link", name="Edit: Elin Browser").count() == 1
    assert await page.get_by_role("button", name="Restore: Elin Browser").count() == 0
    shot = await screenshot(page, "portal-member")
    assert shot.stat().st_size > 10_000
    assert distinct_colours(shot) > 20

    # The cohort's members page, and its contacts as CSV.
    await page.get_by_role("link", name=COHORT).click()
    await page.wait_for_url(f"{server}/portal/cohorts/*/members")
    assert await page.locator("h1").inner_text() == f"Cohort members: {COHORT}"
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Download the contacts (CSV)").click()
    download = await info.value
    assert download.suggested_filename == "wales-community-leadership-cohort-2026-contacts.csv"
    body = await read_download(download)
    assert body.startswith("\ufeff".encode())  # a byte-order mark, for Excel
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table[0] == CSV_HEADER
    ours = [line for line in table[1:] if line[3] == EMAIL]
    assert len(ours) == 1
    assert ours[0][:6] == [MEMBER_NAME, "Elin", "Browser", EMAIL, "Pennaeth Hyfforddiant", "cy"]
    assert ours[0][10] == "no"  # restored: not archived
    # Only the cohort's members' contacts: the France partner's are not in it.
    assert {line[0] for line in table[1:]} <= {
        "Isle of Anglesey County Council",
        "Powys County Council",
        MEMBER_NAME,
    }


@pytest.mark.parametrize(
    ("email", "member", "language", "email_label", "message", "error"),
    [
        (
            WALES,
            MEMBER_NAME,
            "cy",
            "E-bost",
            "Cywirwch y meysydd sydd wedi'u nodi isod.",
            "Nid yw'n gyfeiriad e-bost dilys.",
        ),
        (
            FRANCE,
            "INET Strasbourg",
            "fr",
            "Adresse e-mail",
            "Veuillez corriger les champs signalés ci-dessous.",
            "Adresse e-mail non valide.",
        ),
    ],
)
async def test_contact_form_errors_are_in_the_page_language(
    server: str,
    browser: Any,
    email: str,
    member: str,
    language: str,
    email_label: str,
    message: str,
    error: str,
) -> None:
    """A refused email in Welsh and in French: the error next to the field, in the page's
    language, and the form keeps what was typed. Nothing is saved (a 422 changes nothing);
    the language chosen is saved on the user, so English is set back at the end."""
    page = await (await browser.new_context()).new_page()
    await sign_in(page, server, email)
    await page.wait_for_url(f"{server}/portal/")
    try:
        await page.goto(f"{server}/portal/members?q={member.split()[0]}&lang={language}")
        await page.locator("table.list").get_by_role("link", name=member).click()
        await page.wait_for_url(f"{server}/portal/members/*")
        await page.locator("a[href$='/contacts/new']").click()
        await page.wait_for_url("**/contacts/new")
        assert await page.locator("html").get_attribute("lang") == language
        await page.get_by_label(email_label, exact=True).fill("nadine.test@example")
        await page.locator("#first_name").fill("Nadine")
        await page.locator("#last_name").fill("Essai")
        await page.locator("button.primary").click()
        await page.wait_for_load_state()
        assert page.url.endswith("/contacts/new")
        assert await page.locator("p.message").inner_text() == message
        assert await page.locator("#email-error").inner_text() == error
        assert await page.locator("#email").get_attribute("aria-invalid") == "true"
        assert await page.locator("#email").input_value() == "nadine.test@example"
        assert await page.locator("#first_name").input_value() == "Nadine"
        assert await page.locator("#last_name").input_value() == "Essai"
        await screenshot(page, f"portal-contact-error-{language}")
    finally:
        await page.goto(f"{server}/portal/?lang=en")
    # Nothing was saved: the member's page lists no such contact.
    await page.goto(f"{server}/portal/members?q={member.split()[0]}")
    await page.locator("table.list").get_by_role("link", name=member).click()
    await page.wait_for_url(f"{server}/portal/members/*")
    assert await page.get_by_text("nadine.test@example").count() == 0
