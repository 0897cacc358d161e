"""Portal labels: Sign-in, sign-out, password reset, magic links, account settings."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {"en": {}, "cy": {}, "fr": {}}
