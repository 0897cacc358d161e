"""The portal's labels in English, Welsh and French (English where a label is missing)."""

from __future__ import annotations

from network.kit.validation import LANGUAGES as CONTACT_LANGUAGE_CODES
from network.portal.labels import (
    admin,
    certs,
    cohorts,
    common,
    consent,
    desk,
    feeds,
    member_training,
    mine,
    mydata,
    people,
    register,
    signin,
    training,
)

LANGUAGES = ("en", "cy", "fr")
# A contact's language, in its own words: all five a contact may have, not only the portal's.
CONTACT_LANGUAGES = {
    "en": "English",
    "cy": "Cymraeg",
    "fr": "Français",
    "es": "Español",
    "de": "Deutsch",
}
assert tuple(CONTACT_LANGUAGES) == CONTACT_LANGUAGE_CODES
LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg", "fr": "Français"}

AREAS = (
    common,
    signin,
    cohorts,
    people,
    training,
    certs,
    mine,
    member_training,
    mydata,
    feeds,
    consent,
    register,
    desk,
    admin,
)


def _merged() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {code: {} for code in LANGUAGES}
    for area in AREAS:
        for code, values in area.LABELS.items():
            if code not in merged:  # written ahead of a language the portal does not offer yet
                continue
            clash = merged[code].keys() & values.keys()
            if clash:  # two areas must not give one key two meanings
                raise RuntimeError(f"portal label defined twice: {sorted(clash)}")
            merged[code].update(values)
    return merged


LABELS = _merged()
# Each language complete: English wherever a label is not translated yet.
_FULL = {code: {**LABELS["en"], **LABELS[code]} for code in LANGUAGES}


def language_or_default(language: str | None) -> str:
    """One of the portal's languages; English otherwise."""
    return language if language in LABELS else "en"


def labels(language: str) -> dict[str, str]:
    """Every label in the language, falling back to English for the ones not translated."""
    return _FULL[language_or_default(language)]
