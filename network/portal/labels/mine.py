"""Portal labels: My training, for member contacts."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {"en": {}, "cy": {}, "fr": {}}
