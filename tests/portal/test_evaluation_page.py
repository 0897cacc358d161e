"""The evaluation form an attendee opens from their email, `/feedback/{token}`: no sign-in,
five languages (Welsh bilingual), one use, errors next to their fields, 404 and 410 pages."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.app import create_app
from network.config import Settings
from network.db import utcnow
from network.logs import REDACTED, JsonFormatter
from network.training import evaluations
from network.training.models import TrainingEvaluation
from tests.support.factories import Factory
from tests.support.helpers import snapshot
from tests.support.training import Attended

ANSWERS = {"relevance": "5", "trainer": "4", "materials": "4", "practice": "3", "overall": "5"}


@pytest.fixture
async def browser(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, session_factory=session_factory)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        yield client


async def _invited(
    session: AsyncSession, make: Factory, attended: Attended, language: str = "en"
) -> tuple[str, TrainingEvaluation]:
    member = await make.member()
    person = await make.contact(member, first_name="Siân", language=language)
    await attended.session_with([person], title="Map It <training>")
    await evaluations.invite_due_evaluations(session, now=utcnow(), limit=10)
    booking = attended.bookings[0]
    row = (
        await session.scalars(
            select(TrainingEvaluation).where(TrainingEvaluation.booking_id == booking.id)
        )
    ).one()
    await session.commit()  # into the test's shared transaction, for the app's requests
    return f"/feedback/{evaluations.evaluation_token(booking.id)}", row


async def _saved(session: AsyncSession, row: TrainingEvaluation) -> TrainingEvaluation:
    found = await session.scalars(
        select(TrainingEvaluation)
        .where(TrainingEvaluation.id == row.id)
        .execution_options(populate_existing=True)
    )
    return found.one()


async def test_the_form_asks_five_questions_on_a_scale_and_records_the_answers_once(
    session: AsyncSession, make: Factory, attended: Attended, browser: httpx.AsyncClient
) -> None:
    path, row = await _invited(session, make, attended)

    page = await browser.get(path)

    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    html = page.text
    assert '<html lang="en">' in html
    assert "Map It &lt;training&gt;" in html  # escaped
    assert "Dear Siân," in html
    assert html.count("<fieldset") == 5
    assert "<legend>The trainer explained things clearly.</legend>" in html
    assert html.count('type="radio"') == 25
    assert '<label for="comments">' in html
    assert f'action="{path}"' in html

    sent = await browser.post(path, data={**ANSWERS, "comments": "Clear and practical."})

    assert sent.status_code == 200
    assert "Your feedback is received." in sent.text
    saved = await _saved(session, row)
    assert (saved.relevance, saved.practice, saved.comments) == (5, 3, "Clear and practical.")
    assert saved.submitted_at is not None

    before = await snapshot(session)
    again = await browser.post(path, data={**ANSWERS, "overall": "1"})
    assert again.status_code == 409
    assert "Already received" in again.text
    assert await snapshot(session) == before
    followed = await browser.get(path)
    assert (followed.status_code, "Already received" in followed.text) == (200, True)


async def test_bad_answers_show_the_form_again_with_each_error_by_its_field(
    session: AsyncSession, make: Factory, attended: Attended, browser: httpx.AsyncClient
) -> None:
    path, row = await _invited(session, make, attended)
    before = await snapshot(session)

    sent = await browser.post(
        path,
        data={"relevance": "5", "trainer": "9", "materials": "4", "comments": "é" * 2001},
    )

    assert sent.status_code == 422
    html = sent.text
    assert "Please check the answers marked below." in html
    for question in ("trainer", "practice", "overall"):
        assert f'<div id="{question}-error" class="error">Choose a number from 1 to 5.</div>' in (
            html
        )
    assert 'id="relevance-error"' not in html
    assert '<div id="comments-error" class="error">At most 2,000 characters.</div>' in html
    assert 'aria-describedby="comments-error" aria-invalid="true"' in html
    # What was typed stays.
    assert re.search(r'name="relevance" value="5" required checked', html)
    assert re.search(r'name="materials" value="4" required checked', html)
    assert "é" * 2001 in html
    assert await snapshot(session) == before
    assert (await _saved(session, row)).submitted_at is None


async def test_welsh_is_bilingual_and_the_other_languages_their_own(
    session: AsyncSession, make: Factory, attended: Attended, browser: httpx.AsyncClient
) -> None:
    path, _ = await _invited(session, make, attended, language="cy")
    page = await browser.get(path)
    assert '<html lang="cy">' in page.text
    assert "Roedd yr hyfforddiant yn berthnasol i&#39;m gwaith. / " in page.text
    assert "The training was relevant to my work." in page.text

    expected = {
        "fr": "Le formateur a expliqué les choses clairement.",
        "es": "El formador explicó las cosas con claridad.",
        "de": "Ich kann das Gelernte in die Praxis umsetzen.",
    }
    for language, question in expected.items():
        path, _ = await _invited(session, make, attended, language=language)
        page = await browser.get(path)
        assert f'<html lang="{language}">' in page.text
        assert question in page.text
        assert "The training was relevant" not in page.text


async def test_a_link_not_genuine_is_404_and_an_expired_one_410(
    session: AsyncSession, make: Factory, attended: Attended, browser: httpx.AsyncClient
) -> None:
    path, row = await _invited(session, make, attended, language="de")
    forged = path[:-2] + ("AA" if not path.endswith("AA") else "BB")
    for bad in (forged, "/feedback/nonsense"):
        for method in ("GET", "POST"):
            answer = await browser.request(method, bad, data=ANSWERS if method == "POST" else None)
            assert answer.status_code == 404, (method, bad)
            assert "Link not valid" in answer.text

    row.invited_at = utcnow() - timedelta(days=evaluations.VALID_DAYS + 1)
    await session.commit()
    before = await snapshot(session)
    for method in ("GET", "POST"):
        answer = await browser.request(method, path, data=ANSWERS if method == "POST" else None)
        assert answer.status_code == 410
        assert "Dieser Feedback-Link ist abgelaufen." in answer.text
    assert await snapshot(session) == before


async def test_the_token_never_reaches_the_access_log(
    session: AsyncSession,
    make: Factory,
    attended: Attended,
    browser: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    path, _ = await _invited(session, make, attended)
    token = path.rsplit("/", 1)[1]
    caplog.set_level(logging.INFO, logger="network.access")

    await browser.get(path)
    await browser.post(path, data=ANSWERS)

    lines = [JsonFormatter().format(r) for r in caplog.records if r.name == "network.access"]
    assert len(lines) == 2
    assert not [line for line in lines if token in line or token.split(".")[0] in line]
    assert all(f'"/feedback/{REDACTED}"' in line for line in lines)
