"""The portal without JavaScript, by keyboard alone, and every form field labelled, in real
headless Chromium.

Other browser tests share the served demo database. The only change made here is a step of
Ville de Grenoble in the France partner's cohort (Grow It, to In progress), which no other
test looks at. The label check chooses languages with ?lang=, which is saved on the user, so
it sets English back at the end.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import (
    FRANCE,
    MEMBER,
    PASSWORD,
    WALES,
    distinct_colours,
    needs_chromium,
    screenshot,
    sign_in,
)

pytestmark = [needs_chromium, pytest.mark.browser]

FRANCE_COHORT = "CitizenPoweredCity Europe Cohort 2026"
LANGUAGES = ("en", "cy", "fr")
MAX_TABS = 40  # enough to reach any field of the sign-in page from the top

# Every visible form field with neither a <label for=its id> (or a <label> around it) with
# some text, nor an aria-label: described by its outerHTML. Also ids used twice, which would
# make a <label for=...> point at the wrong field.
UNLABELLED = """
() => {
  const fields = Array.from(document.querySelectorAll("input, select, textarea"))
    .filter((el) => el.type !== "hidden");
  const named = (label) => label !== null && label.textContent.trim() !== "";
  const bad = fields.filter((el) => {
    const byFor = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null;
    const around = el.closest("label");
    const aria = (el.getAttribute("aria-label") || "").trim();
    return !(named(byFor) || named(around) || aria !== "");
  }).map((el) => el.outerHTML);
  const ids = fields.map((el) => el.id).filter((id) => id);
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i).map((id) => `duplicate id ${id}`);
  return {count: fields.length, bad: bad.concat(twice)};
}
"""


async def active_id(page: Any) -> str:
    return str(await page.evaluate("() => document.activeElement?.id ?? ''"))


async def test_without_javascript_a_partner_records_a_step(server: str, browser: Any) -> None:
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await page.set_content("<title>off</title><script>document.title = 'on'</script>")
    assert await page.title() == "off"  # scripts really do not run in this context
    await sign_in(page, server, FRANCE)
    await page.wait_for_url(f"{server}/portal/")
    await page.get_by_role("link", name=FRANCE_COHORT).click()
    await page.wait_for_url(f"{server}/portal/cohorts/*")

    # GROW_IT is the fifth step: the row's fifth <td> (the member's name is a <th>).
    row = page.locator("table.matrix tr", has_text="Ville de Grenoble")
    cell = row.locator("td").nth(4)
    assert await cell.get_attribute("class") == "NOT_STARTED"
    await cell.get_by_role("link").click()
    await page.wait_for_url("**step=GROW_IT*")
    assert await page.locator("#member option:checked").inner_text() == "Ville de Grenoble"
    assert await page.locator("#step").input_value() == "GROW_IT"
    await page.locator("#status").select_option("IN_PROGRESS")
    await page.locator("#notes").fill("Recorded without JavaScript")
    await page.get_by_role("button", name="Save", exact=True).click()
    await page.wait_for_url("**saved=1*")
    cell = page.locator("table.matrix tr", has_text="Ville de Grenoble").locator("td").nth(4)
    assert await cell.get_attribute("class") == "IN_PROGRESS"
    assert await cell.inner_text() == "In progress"
    shot = await screenshot(page, "portal-cohort-no-javascript")
    assert distinct_colours(shot) > 20

    # Reloading shows the step saved (not only the page after the post).
    await page.reload()
    cell = page.locator("table.matrix tr", has_text="Ville de Grenoble").locator("td").nth(4)
    assert await cell.get_attribute("class") == "IN_PROGRESS"

    # Signing out is a form too.
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(f"{server}/portal/login*")
    assert await page.goto(f"{server}/portal/") is not None
    assert page.url.startswith(f"{server}/portal/login")
    await context.close()


async def test_sign_in_with_the_keyboard_only(server: str, browser: Any) -> None:
    page = await (await browser.new_context()).new_page()
    await page.goto(f"{server}/portal/login")
    for _ in range(MAX_TABS):
        await page.keyboard.press("Tab")
        if await active_id(page) == "email":
            break
    assert await active_id(page) == "email", "Tab never reached the email field"
    # The focused field shows it (portal.css: a thick yellow outline on :focus).
    outline = await page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline == ["solid", "3px"]
    await page.keyboard.type(WALES)
    await page.keyboard.press("Tab")
    assert await active_id(page) == "password"
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{server}/portal/")
    assert WALES in await page.locator("header").inner_text()

    # On from home by keyboard too: Tab to "Members and contacts" and follow it with Enter.
    for _ in range(MAX_TABS):
        await page.keyboard.press("Tab")
        focused = await page.evaluate("() => document.activeElement?.textContent ?? ''")
        if focused.strip() == "Members and contacts":
            break
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{server}/portal/members")
    assert await page.locator("h1").inner_text() == "Members and contacts"


def with_language(url: str, language: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={language}"


async def href(page: Any, selector: str) -> str:
    value = await page.locator(selector).first.get_attribute("href")
    assert value, selector
    return str(value)


async def check_labels(
    page: Any, server: str, paths: list[str], counts: dict[str, int]
) -> list[str]:
    """Visit each path in each language; what is wrong, as readable lines. `counts` gets
    how many fields each page has (the same in every language)."""
    problems: list[str] = []
    for language in LANGUAGES:
        for path in paths:
            answer = await page.goto(with_language(f"{server}{path}", language))
            assert answer is not None and answer.status == 200, (path, language)
            assert await page.locator("html").get_attribute("lang") == language
            found = await page.evaluate(UNLABELLED)
            problems += [f"{path} [{language}]: {bad}" for bad in found["bad"]]
            assert counts.setdefault(path, found["count"]) == found["count"], (path, language)
    return problems


async def test_every_form_field_has_a_label_in_every_language(server: str, browser: Any) -> None:
    # A partner's main pages, and the pages their links lead to.
    partner = await (await browser.new_context()).new_page()
    await sign_in(partner, server, WALES)
    await partner.wait_for_url(f"{server}/portal/")
    cohort = await href(partner, "main h2 a")
    await partner.goto(f"{server}{cohort}")
    meeting = await href(partner, "#meetings a[href*='/meetings/']")
    await partner.goto(f"{server}/portal/members")
    member = await href(partner, "table.list a[href^='/portal/members/']")
    await partner.goto(f"{server}{member}")
    edit = await href(partner, "a[href$='/edit']")
    await partner.goto(f"{server}/portal/sessions")
    session = await href(partner, "tr.session a[href^='/portal/sessions/']")
    paths = [
        "/portal/",
        cohort,
        meeting,
        f"{cohort}/members",
        "/portal/members",
        member,
        f"{member}/contacts/new",
        edit,
        "/portal/sessions",
        session,
        "/portal/certificates",
    ]
    counts: dict[str, int] = {}
    try:
        problems = await check_labels(partner, server, paths, counts)
    finally:
        await partner.goto(f"{server}/portal/?lang=en")  # the choice is saved on the user

    # The member contact's page, and the anonymous sign-in pages.
    member_page = await (await browser.new_context()).new_page()
    await sign_in(member_page, server, MEMBER)
    await member_page.wait_for_url(f"{server}/portal/training")
    try:
        problems += await check_labels(member_page, server, ["/portal/training"], counts)
    finally:
        await member_page.goto(f"{server}/portal/training?lang=en")
    anonymous = await (await browser.new_context()).new_page()
    problems += await check_labels(
        anonymous, server, ["/portal/login", "/portal/password/forgot"], counts
    )
    assert problems == []
    # The check looked at real forms: the pages with forms have their fields.
    for path in (cohort, f"{member}/contacts/new", edit, "/portal/members", "/portal/login"):
        assert counts[path] >= 3, (path, counts[path])
