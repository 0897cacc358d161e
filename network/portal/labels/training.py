"""Portal labels: Training sessions, bookings, attendance and certificates (partner side)."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {"en": {}, "cy": {}, "fr": {}}
