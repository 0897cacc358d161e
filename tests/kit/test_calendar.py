"""The iCalendar builder (network/kit/calendar.py): escaping, folding, methods."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from network.kit.calendar import (
    Attendee,
    CalendarEvent,
    CalendarMethod,
    build_calendar,
    escape_text,
    fold,
)

STAMP = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def event(**overrides: object) -> CalendarEvent:
    values: dict[str, object] = {
        "uid": "meeting-1@example",
        "sequence": 2,
        "summary": "Focus It; network, meeting",
        "starts_at": datetime(2027, 3, 29, 10, 0, tzinfo=ZoneInfo("Europe/Paris")),
        "ends_at": datetime(2027, 3, 29, 12, 0, tzinfo=ZoneInfo("Europe/Paris")),
        "time_zone": "Europe/Paris",
        "description": "1. Welcome\n2. Results",
        "location": "Salle 2, Hôtel de Ville",
        "organizer_email": "no-reply@citizenpowered.example",
        "organizer_name": "Network CRM",
        "attendees": (Attendee("marie@example.org", "Marie Dubois"),),
    }
    values.update(overrides)
    return CalendarEvent(**values)  # type: ignore[arg-type]


def test_an_invitation_is_a_complete_request_in_utc() -> None:
    text = build_calendar(event(), CalendarMethod.REQUEST, stamp=STAMP).decode()
    assert text.split("\r\n") == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Network CRM//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
        "X-WR-TIMEZONE:Europe/Paris",
        "BEGIN:VEVENT",
        "UID:meeting-1@example",
        "SEQUENCE:2",
        "DTSTAMP:20261124T120000Z",
        "DTSTART:20270329T080000Z",
        "DTEND:20270329T100000Z",
        "SUMMARY:Focus It\\; network\\, meeting",
        "STATUS:CONFIRMED",
        "DESCRIPTION:1. Welcome\\n2. Results",
        "LOCATION:Salle 2\\, Hôtel de Ville",
        "ORGANIZER;CN=Network CRM:mailto:no-reply@citizenpowered.example",
        "ATTENDEE;CN=Marie Dubois;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FA",
        " LSE:mailto:marie@example.org",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]


def test_a_cancellation_carries_the_same_uid_and_a_cancelled_status() -> None:
    text = build_calendar(event(sequence=3), CalendarMethod.CANCEL, stamp=STAMP).decode()
    assert "METHOD:CANCEL\r\n" in text
    assert "UID:meeting-1@example\r\nSEQUENCE:3\r\n" in text
    assert "STATUS:CANCELLED\r\n" in text


def test_long_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    line = "DESCRIPTION:" + "é" * 80
    folded = fold(line)
    parts = folded.split("\r\n ")
    assert "".join(parts) == line
    assert [len(p.encode()) for p in parts] == [74, 74, 24]  # a space leads lines 2 and 3


def test_text_escaping_and_naive_times_are_refused() -> None:
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"
    with pytest.raises(ValueError, match="timezone-aware"):
        build_calendar(event(starts_at=datetime(2027, 1, 1, 10)), CalendarMethod.PUBLISH)
