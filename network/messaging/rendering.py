"""Email templates: `emails/<language>/<name>.{txt,html}` rendered into one layout.

A template's `.txt` file holds two blocks, `subject` and `body`; its `.html` file is the HTML
body. Both are wrapped in `emails/layout.{txt,html}`. HTML is autoescaped; a variable the
template uses but the context lacks raises (StrictUndefined), so a broken template fails
loudly: in tests, and in production as a FAILED message naming the variable.

Languages: en, cy, fr, es, de. A template missing in the asked language falls back to
English. Welsh is bilingual: a `cy` email carries the Welsh text first, then the English
text of the same template, rendered from the same context with the values under
`context["en"]` (if any) laid over it, so dates and other wording can be English there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup, escape

from network.kit.validation import LANGUAGES

EMAILS_DIR = Path(__file__).resolve().parents[2] / "emails"
FALLBACK_LANGUAGE = "en"
# Languages written as more than one language, in the order the reader sees them.
BILINGUAL = {"cy": ("cy", "en")}
TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    """The finished text of one email."""

    subject: str
    text: str
    html: str
    languages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    """The unsubscribe link an email's footers carry: its URL and the purpose it withdraws."""

    url: str
    purpose: str  # a ConsentPurpose value


@dataclass(frozen=True, slots=True)
class _Compiled:
    text: Template
    html: Template


# Layouts are rendered once per language with these markers, then filled in per message:
# a layout's Jinja context costs more than the rest of the email.
_MARK = "\x00"
_SLOT = re.compile("\x00([a-z0-9]+)\x00")


def _slot(name: str) -> str:
    return f"{_MARK}{name}{_MARK}"


class Renderer:
    """Loads and caches the templates of one `emails/` directory."""

    def __init__(self, directory: Path = EMAILS_DIR) -> None:
        self.directory = directory
        self.environment = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self._compiled: dict[tuple[str, str], _Compiled | None] = {}
        self._layouts: dict[tuple[tuple[str, ...], str | None], tuple[str, str]] = {}

    def _load(self, template: str, language: str) -> _Compiled | None:
        key = (template, language)
        if key not in self._compiled:
            base = self.directory / language / template
            if Path(f"{base}.txt").is_file() and Path(f"{base}.html").is_file():
                self._compiled[key] = _Compiled(
                    text=self.environment.get_template(f"{language}/{template}.txt"),
                    html=self.environment.get_template(f"{language}/{template}.html"),
                )
            else:
                self._compiled[key] = None
        return self._compiled[key]

    def _layout(self, languages: tuple[str, ...], purpose: str | None) -> tuple[str, str]:
        """The text and HTML layouts for these languages, with slots to fill in; with a
        `purpose`, the footers carry an unsubscribe link for it (the URL is a slot too)."""
        key = (languages, purpose)
        if key not in self._layouts:
            values = {
                "subject": Markup(_slot("subject")),
                "language": languages[0],
                "purpose": purpose,
                "unsubscribe_url": Markup(_slot("unsubscribe")) if purpose else None,
                "sections": [
                    {
                        "language": lang,
                        "text": _slot(f"text{i}"),
                        "html": Markup(_slot(f"html{i}")),
                    }
                    for i, lang in enumerate(languages)
                ],
            }
            self._layouts[key] = (
                self.environment.get_template("layout.txt").render(values),
                self.environment.get_template("layout.html").render(values),
            )
        return self._layouts[key]

    def exists(self, template: str) -> bool:
        """Whether the template exists (in English, which every template must have)."""
        return bool(TEMPLATE_NAME.match(template)) and self._load(template, "en") is not None

    def languages(self, template: str, language: str) -> tuple[str, ...]:
        """The languages an email in `language` is written in, after the English fallback."""
        if not self.exists(template):
            raise LookupError(f"no email template {template!r} in {self.directory}/en/")
        wanted = BILINGUAL.get(language, (language,)) if language in LANGUAGES else ()
        found = tuple(lang for lang in wanted if self._load(template, lang) is not None)
        return found or (FALLBACK_LANGUAGE,)

    def render(
        self,
        template: str,
        language: str,
        context: Mapping[str, Any],
        *,
        unsubscribe: Unsubscribe | None = None,
    ) -> RenderedEmail:
        """Subject, plain text and HTML of one email (raises jinja2.TemplateError if broken);
        with `unsubscribe`, every language's footer carries its link."""
        languages = self.languages(template, language)
        subjects: list[str] = []
        slots: dict[str, str] = {}
        for index, lang in enumerate(languages):
            values = dict(context)
            overlay = context.get(lang)
            if index > 0 and isinstance(overlay, Mapping):
                values.update(overlay)
            values["language"] = lang
            compiled = self._load(template, lang)
            assert compiled is not None
            text_context = compiled.text.new_context(values)
            subject = _one_line("".join(compiled.text.blocks["subject"](text_context)))
            if subject not in subjects:
                subjects.append(subject)
            slots[f"text{index}"] = "".join(compiled.text.blocks["body"](text_context)).strip()
            slots[f"html{index}"] = compiled.html.render(values).strip()
        subject = " / ".join(subjects)
        purpose = unsubscribe.purpose if unsubscribe else None
        text_layout, html_layout = self._layout(languages, purpose)
        slots["subject"] = subject
        slots["unsubscribe"] = unsubscribe.url if unsubscribe else ""
        text = _SLOT.sub(lambda m: slots[m[1]], text_layout)
        slots["subject"] = str(escape(subject))
        slots["unsubscribe"] = str(escape(slots["unsubscribe"]))
        html = _SLOT.sub(lambda m: slots[m[1]], html_layout)
        return RenderedEmail(subject=subject, text=text, html=html, languages=languages)


def _one_line(value: str) -> str:
    """A subject is one line: no line breaks can reach the message header."""
    return _WHITESPACE.sub(" ", value).strip()
