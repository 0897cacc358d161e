"""Portal labels: Cohort pages: meetings, invitations and RSVPs."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {"en": {}, "cy": {}, "fr": {}}
