"""The email telling a holder their certificate was revoked: five languages, Welsh bilingual."""

from __future__ import annotations

import pytest

from network.kit.validation import LANGUAGES
from network.messaging.rendering import Renderer

CONTEXT = {
    "first_name": "Siân",
    "holder_name": "Siân Jones",
    "course_title": "Outcome-Based Commissioning",
    "date": "3 Rhagfyr 2026",
    "en": {"date": "3 December 2026"},
    "cpd_hours": "6.0",
    "number": "CPD-2026-000042",
    "reason": "Attendance corrected to no-show.",
    "verify_url": "https://crm.example/verify/abc",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_revocation_email_renders_in_each_language(language: str) -> None:
    email = Renderer().render("certificate_revoked", language, CONTEXT)
    assert "CPD-2026-000042" in email.subject
    for text in (email.text, email.html):
        assert "Outcome-Based Commissioning" in text
        assert "Attendance corrected to no-show." in text
        assert "https://crm.example/verify/abc" in text


def test_welsh_comes_first_then_english() -> None:
    email = Renderer().render("certificate_revoked", "cy", CONTEXT)
    assert email.languages == ("cy", "en")
    assert email.text.index("Annwyl Siân,") < email.text.index("Dear Siân,")
    assert email.text.index("3 Rhagfyr 2026") < email.text.index("3 December 2026")
    assert email.subject.startswith(
        "Mae eich tystysgrif DPP CPD-2026-000042 wedi\N{RIGHT SINGLE QUOTATION MARK}i dirymu / "
    )
