"""Checking a meeting's input: the time zone, the times, the links, the reminder offsets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from network.kit.enums import MeetingStatus
from network.kit.errors import DomainError, Errors
from network.kit.times import clean_time_zone, to_utc
from network.meetings.models import DEFAULT_REMINDER_OFFSETS, NetworkMeeting

MAX_OFFSETS = 10
MAX_OFFSET_MINUTES = 90 * 24 * 60
MAX_DURATION = timedelta(days=7)
MAX_AGENDA = 20000


def clean_zone(errors: Errors, field: str, value: str | None) -> str | None:
    """An IANA time zone name such as Europe/Paris (the same check as a training session's)."""
    zone = clean_time_zone(errors, field, value)
    return zone.key if zone else None


def as_utc(errors: Errors, field: str, value: datetime | None, zone: str | None) -> datetime | None:
    """An aware time in UTC; a time without an offset is read in the meeting's zone.

    Read exactly as a training session's times are (network/kit/times.py): a wall-clock time
    the clocks skip or repeat in the zone, or a year outside 2000..2100, is an error on
    `field` (and None). A time without an offset and no valid zone is None: the zone's own
    error says why.
    """
    if value is None or (value.tzinfo is None and zone is None):
        return None
    return to_utc(errors, field, value, ZoneInfo(zone or "UTC"))


def clean_times(
    errors: Errors, starts_at: datetime | None, ends_at: datetime | None, now: datetime
) -> None:
    """A start in the future and an end after it, at most seven days later.

    A time that `as_utc` refused already has its error (and is None here).
    """
    if starts_at is None:
        if not errors.has("startsAt"):
            errors.add("startsAt", "REQUIRED", "A start time is required.")
    elif starts_at <= now:
        errors.add("startsAt", "IN_PAST", "A meeting must start in the future.")
    if ends_at is None:
        if not errors.has("endsAt"):
            errors.add("endsAt", "REQUIRED", "An end time is required.")
    elif starts_at is not None and ends_at <= starts_at:
        errors.add("endsAt", "BEFORE_START", "A meeting must end after it starts.")
    elif starts_at is not None and ends_at - starts_at > MAX_DURATION:
        errors.add("endsAt", "TOO_LONG", "A meeting lasts at most seven days.")


def clean_url(errors: Errors, field: str, value: str | None) -> str | None:
    """An http(s) link without spaces, or None when none was given."""
    if value is None or not value.strip():
        return None
    url = value.strip()
    if (
        not url.lower().startswith(("https://", "http://"))
        or any(c.isspace() for c in url)
        or len(url) > 2000
        or "\x00" in url
    ):
        errors.add(field, "INVALID_URL", "An http(s) link of at most 2,000 characters.")
        return None
    return url


def clean_agenda(errors: Errors, value: str | None) -> str | None:
    """The agenda text, trimmed; None when empty."""
    if value is None or not value.strip():
        return None
    if len(value) > MAX_AGENDA or "\x00" in value:
        errors.add("agenda", "TOO_LONG", f"At most {MAX_AGENDA:,} characters.")
        return None
    return value.strip()


def clean_offsets(errors: Errors, values_: Sequence[int] | None) -> list[int]:
    """Distinct reminder offsets in minutes, longest first; the default when none are given."""
    if values_ is None:
        return list(DEFAULT_REMINDER_OFFSETS)
    cleaned = sorted(set(values_), reverse=True)
    if len(cleaned) > MAX_OFFSETS:
        errors.add("reminderOffsetsMinutes", "TOO_MANY", f"At most {MAX_OFFSETS} reminders.")
    if any(v < 1 or v > MAX_OFFSET_MINUTES for v in cleaned):
        errors.add(
            "reminderOffsetsMinutes",
            "INVALID_OFFSET",
            f"Each reminder is 1 to {MAX_OFFSET_MINUTES} minutes (90 days) before the start.",
        )
    return cleaned


def require_upcoming(meeting: NetworkMeeting, now: datetime) -> None:
    """Refuse a change to a meeting that was cancelled or has started."""
    if meeting.status is MeetingStatus.CANCELLED:
        raise DomainError.one("meetingId", "CANCELLED", "This meeting was cancelled.")
    if meeting.starts_at <= now:
        raise DomainError.one("meetingId", "STARTED", "This meeting has already started.")
