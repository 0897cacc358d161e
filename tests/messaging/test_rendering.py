"""Email templates: five languages, Welsh bilingual, English fallback, escaping, loud failures.

Snapshots of the `notice` template live in tests/messaging/snapshots/; after a deliberate
change, rewrite them with `UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/messaging` and review
the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from network.kit.validation import LANGUAGES
from network.messaging.rendering import EMAILS_DIR, Renderer

SNAPSHOTS = Path(__file__).parent / "snapshots"
NOTICE = {
    "recipient_name": "Siân Jones",
    "title": "Your place on the network day",
    "paragraphs": ["Thank you for registering.", "Bring your action plan <draft> & notes."],
    "action_url": "https://crm.example/days/1?x=1&y=2",
    "action_label": "See the programme",
}


def snapshot(name: str, content: str) -> None:
    """Compare with the stored snapshot (or store it when UPDATE_SNAPSHOTS=1)."""
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(content, encoding="utf-8")
    assert content == path.read_text(encoding="utf-8"), f"snapshot {name} differs"


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_notice_renders_in_each_language(renderer: Renderer, language: str) -> None:
    email = renderer.render("notice", language, NOTICE)
    snapshot(f"notice.{language}.txt", f"Subject: {email.subject}\n\n{email.text}")
    snapshot(f"notice.{language}.html", email.html)


def test_welsh_is_bilingual_welsh_first_with_the_english_overlay(renderer: Renderer) -> None:
    context = {
        **NOTICE,
        "title": "Eich lle ar ddiwrnod y rhwydwaith",
        "paragraphs": ["Diolch am gofrestru."],
        "en": {"title": "Your place on the network day", "paragraphs": ["Thanks."]},
    }
    email = renderer.render("notice", "cy", context)
    assert email.languages == ("cy", "en")
    assert email.subject == "Eich lle ar ddiwrnod y rhwydwaith / Your place on the network day"
    welsh = email.text.index("Annwyl Siân Jones,")
    english = email.text.index("Dear Siân Jones,")
    assert welsh < english
    assert email.text.index("Diolch am gofrestru.") < english < email.text.index("Thanks.")
    assert email.html.index('<div lang="cy">') < email.html.index('<div lang="en">')


def test_a_template_missing_in_a_language_falls_back_to_english(tmp_path: Path) -> None:
    for name in ("layout.txt", "layout.html"):
        (tmp_path / name).write_text((EMAILS_DIR / name).read_text())
    for language in ("en", "cy"):
        (tmp_path / language).mkdir()
        for name in ("_footer.txt", "_footer.html", "_bilingual.txt", "_bilingual.html"):
            source = EMAILS_DIR / language / name
            if source.exists():
                (tmp_path / language / name).write_text(source.read_text())
    (tmp_path / "en" / "hello.txt").write_text(
        "{% block subject %}Hello{% endblock %}{% block body %}Hello {{ name }}{% endblock %}"
    )
    (tmp_path / "en" / "hello.html").write_text("<p>Hello {{ name }}</p>")
    renderer = Renderer(tmp_path)
    for language in ("fr", "cy", "xx"):
        email = renderer.render("hello", language, {"name": "Anna"})
        assert email.languages == ("en",)
        assert email.subject == "Hello"
        assert email.text.startswith("Hello Anna\n")


def test_a_missing_variable_fails_loudly(renderer: Renderer) -> None:
    context = {k: v for k, v in NOTICE.items() if k != "title"}
    with pytest.raises(UndefinedError, match="'title' is undefined"):
        renderer.render("notice", "en", context)


def test_html_is_escaped_and_text_is_not(renderer: Renderer) -> None:
    email = renderer.render("notice", "en", {**NOTICE, "recipient_name": "<script>x</script>"})
    assert "<script>" not in email.html
    assert "Dear &lt;script&gt;x&lt;/script&gt;," in email.html
    assert "Dear <script>x</script>," in email.text


def test_a_subject_cannot_break_into_the_headers(renderer: Renderer) -> None:
    email = renderer.render("notice", "en", {**NOTICE, "title": "Hi\r\nBcc: all@example.org"})
    assert email.subject == "Hi Bcc: all@example.org"


def test_an_unknown_template_is_refused(renderer: Renderer) -> None:
    assert renderer.exists("notice") is True
    assert renderer.exists("no_such_email") is False
    assert renderer.exists("../layout") is False
    with pytest.raises(LookupError, match="no email template 'no_such_email'"):
        renderer.render("no_such_email", "en", {})


def test_every_template_exists_in_all_five_languages() -> None:
    def templates(language: str) -> set[str]:
        return {
            path.name
            for path in (EMAILS_DIR / language).iterdir()
            if path.suffix in (".txt", ".html") and not path.name.startswith("_")
        }

    english = templates("en")
    assert "notice.txt" in english
    missing = {lang: sorted(english - templates(lang)) for lang in LANGUAGES}
    assert missing == {lang: [] for lang in LANGUAGES}
