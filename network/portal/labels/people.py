"""Portal labels: Members and contacts: lists, forms, CSV exports."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {"en": {}, "cy": {}, "fr": {}}
