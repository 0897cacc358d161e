"""What a session's fields may hold: times, capacity, language, place and reservation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.kit.errors import DomainError, Errors
from network.kit.times import clean_time_zone, to_utc
from network.kit.validation import clean_language
from network.members.service import load_member
from network.programme.service import load_cohort

MAX_CAPACITY = 10_000
MAX_LENGTH = timedelta(days=14)


def clean_url(errors: Errors, field: str, value: str | None) -> str | None:
    """An online link: an http(s) address of at most 500 characters, or None if blank."""
    if value is None or not value.strip():
        return None
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        errors.add(field, "INVALID_URL", "An online link must be an http(s) address.")
        return None
    return url


def clean_capacity(errors: Errors, value: int | None) -> int | None:
    """A required number of seats between 1 and MAX_CAPACITY."""
    if value is None:
        errors.add("capacity", "REQUIRED", "A capacity is required.")
        return None
    if value < 1 or value > MAX_CAPACITY:
        errors.add("capacity", "OUT_OF_RANGE", f"Capacity must be between 1 and {MAX_CAPACITY}.")
        return None
    return value


def clean_session_language(errors: Errors, value: str | None) -> str | None:
    """A required language a session is taught in."""
    if value is None or not value.strip():
        errors.add("language", "REQUIRED", "A language is required: en, cy, fr, es or de.")
        return None
    return clean_language(errors, "language", value)


@dataclass(slots=True)
class Schedule:
    """A session's times as UTC instants, and its time zone's name."""

    starts_at: datetime | None
    ends_at: datetime | None
    booking_deadline: datetime | None
    time_zone: str | None


def clean_schedule(
    errors: Errors,
    *,
    zone_name: str | None,
    starts_at: datetime | None,
    ends_at: datetime | None,
    booking_deadline: datetime | None,
    now: datetime,
    check_future: bool,
) -> Schedule:
    """Times as UTC instants: end after start, deadline not after start, start in the future."""
    zone: ZoneInfo | None = clean_time_zone(errors, "timeZone", zone_name)
    result = Schedule(None, None, None, zone.key if zone else None)
    if zone is None:
        return result
    if starts_at is None:
        errors.add("startsAt", "REQUIRED", "A start is required.")
    else:
        result.starts_at = to_utc(errors, "startsAt", starts_at, zone)
    if ends_at is None:
        errors.add("endsAt", "REQUIRED", "An end is required.")
    else:
        result.ends_at = to_utc(errors, "endsAt", ends_at, zone)
    if booking_deadline is not None:
        result.booking_deadline = to_utc(errors, "bookingDeadline", booking_deadline, zone)
    start, end, deadline = result.starts_at, result.ends_at, result.booking_deadline
    if start is not None and check_future and start <= now:
        errors.add("startsAt", "IN_PAST", "A session must start in the future.")
    if start is not None and end is not None:
        if end <= start:
            errors.add("endsAt", "ENDS_BEFORE_START", "A session must end after it starts.")
        elif end - start > MAX_LENGTH:
            errors.add("endsAt", "TOO_LONG", "A session lasts at most 14 days.")
    if start is not None and deadline is not None and deadline > start:
        errors.add(
            "bookingDeadline", "AFTER_START", "The booking deadline must be before the start."
        )
    return result


async def reservation(
    session: AsyncSession,
    principal: Principal,
    errors: Errors,
    cohort_id: uuid.UUID | None,
    member_id: uuid.UUID | None,
    *,
    cohort_given: bool = True,
    member_given: bool = True,
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """Resolve the optional reservation for one cohort or one member (not both)."""
    if cohort_id is not None and member_id is not None:
        errors.add(
            "reservedMemberId",
            "ONE_RESERVATION",
            "Reserve a session for one cohort or one member, not both.",
        )
        return None, None
    try:
        if cohort_given and cohort_id is not None:
            await load_cohort(session, principal, cohort_id, "reservedCohortId")
        if member_given and member_id is not None:
            await load_member(session, principal, member_id, "reservedMemberId")
    except DomainError as error:
        for item in error.errors:
            errors.add(item.field, item.code, item.message)
    return cohort_id, member_id
