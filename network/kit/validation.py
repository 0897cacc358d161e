"""Small validators shared by the services; each returns a cleaned value or records an error."""

from __future__ import annotations

from network.kit.countries import COUNTRY_CODES
from network.kit.emails import InvalidEmail, normalize_email
from network.kit.errors import Errors
from network.kit.text import strip_invisible

LANGUAGES = ("en", "cy", "fr", "es", "de")
MAX_NAME = 200


def clean_text(
    errors: Errors,
    field: str,
    value: str | None,
    *,
    required: bool = True,
    max_length: int = MAX_NAME,
) -> str | None:
    """A one-line value (a name, a title) trimmed, its runs of spaces made one, and its bidi
    control and zero-width characters dropped; empty (after that) when required, or over-long,
    is an error."""
    if value is None:
        if required:
            errors.add(field, "REQUIRED", "This field is required.")
        return None
    if "\x00" in value:
        errors.add(field, "INVALID_CHARACTER", "Text must not contain NUL characters.")
        return None
    cleaned = " ".join(strip_invisible(value).split())
    if not cleaned:
        if required:
            errors.add(field, "BLANK", "This field must not be empty.")
        return None
    if len(cleaned) > max_length:
        errors.add(field, "TOO_LONG", f"At most {max_length} characters.")
        return None
    return cleaned


def clean_paragraphs(
    errors: Errors, field: str, value: str | None, *, max_length: int
) -> str | None:
    """Free text as written (line breaks kept), trimmed; None when empty, an error when over-long.

    For text areas, where `clean_text` would join the lines.
    """
    if value is None:
        return None
    if "\x00" in value:
        errors.add(field, "INVALID_CHARACTER", "Text must not contain NUL characters.")
        return None
    cleaned = value.strip()
    if len(cleaned) > max_length:
        errors.add(field, "TOO_LONG", f"At most {max_length:,} characters.")
        return None
    return cleaned or None


def clean_email(errors: Errors, field: str, value: str | None) -> str | None:
    """A valid email address in its stored form (network/kit/emails.py: the system's one rule,
    internationalised addresses included); no DNS lookup."""
    if value is None or not value.strip():
        errors.add(field, "REQUIRED", "An email address is required.")
        return None
    try:
        return normalize_email(value)
    except InvalidEmail as exc:
        errors.add(field, "INVALID_EMAIL", f"Not a valid email address: {exc.reason}")
        return None


def clean_country(errors: Errors, field: str, value: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 code, upper-cased."""
    if value is None or not value.strip():
        errors.add(field, "REQUIRED", "A country code is required.")
        return None
    code = value.strip().upper()
    if code not in COUNTRY_CODES:
        errors.add(
            field,
            "UNKNOWN_COUNTRY",
            f"'{value}' is not an ISO 3166-1 alpha-2 country code (for example GB, FR).",
        )
        return None
    return code


def clean_language(errors: Errors, field: str, value: str | None) -> str | None:
    """One of the languages emails and certificates are written in."""
    if value is None:
        return None
    code = value.strip().lower()
    if code not in LANGUAGES:
        errors.add(field, "UNKNOWN_LANGUAGE", f"Language must be one of: {', '.join(LANGUAGES)}.")
        return None
    return code
