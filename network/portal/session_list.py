"""Every training session, for staff: upcoming ones first (soonest first), then past ones
(latest first), filtered by course, language, status, open seats and month, a page at a time.

A face only: the rows come from the training service's list_sessions with the staff member's
Principal; the two lists are read one after the other, so the pager's cursor says which list
it is in ("u." upcoming, "p." past) followed by that list's own cursor.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.db import utcnow
from network.kit.errors import DomainError
from network.kit.ids import parse_uuid
from network.kit.pagination import MAX_PAGE_SIZE, Page
from network.meetings.formatting import format_span
from network.members import service as members
from network.portal.exits import NotFound
from network.portal.i18n import CONTACT_LANGUAGES
from network.portal.web import PAGE_SIZE, Portal, Reading
from network.programme import service as programme
from network.training import service as training
from network.training.enums import TrainingSessionStatus

MONTH = re.compile(r"(\d{4})-(\d{2})")
UPCOMING, PAST = "u", "p"


@dataclass(slots=True)
class Filters:
    """The listing's filters as read from the query (a value that is not one reads as "any");
    `shown` holds what the filter form shows again."""

    course_id: uuid.UUID | None = None
    language: str | None = None
    status: TrainingSessionStatus | None = None
    has_seats: bool | None = None
    month: tuple[datetime, datetime] | None = None
    shown: dict[str, str] = field(default_factory=dict)


def month_bounds(text: str) -> tuple[datetime, datetime] | None:
    """The first instant of a month given as YYYY-MM and of the month after it (UTC)."""
    found = MONTH.fullmatch(text)
    if found is None:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def read_filters(query: Mapping[str, str]) -> Filters:
    """The filters of the listing's query string."""
    found = Filters()
    course = parse_uuid(query.get("course") or "")
    if course is not None:
        found.course_id = course
        found.shown["course"] = str(course)
    language = (query.get("language") or "").strip()
    if language in CONTACT_LANGUAGES:
        found.language = language
        found.shown["language"] = language
    status = (query.get("status") or "").strip()
    if status in TrainingSessionStatus.__members__:
        found.status = TrainingSessionStatus(status)
        found.shown["status"] = status
    if query.get("seats") == "1":
        found.has_seats = True
        found.shown["seats"] = "1"
    month = (query.get("month") or "").strip()
    bounds = month_bounds(month)
    if bounds is not None:
        found.month = bounds
        found.shown["month"] = month
    return found


def the_two_lists(
    filters: Filters, now: datetime
) -> tuple[training.SessionQuery | None, training.SessionQuery | None]:
    """The queries of the upcoming and of the past sessions (None: that list is empty)."""
    base = training.SessionQuery(
        course_id=filters.course_id,
        language=filters.language,
        status=filters.status,
        has_seats=filters.has_seats,
    )
    upcoming_from, past_before = now, now
    past_from: datetime | None = None
    upcoming_before: datetime | None = None
    if filters.month is not None:
        start, end = filters.month
        upcoming_from, upcoming_before = max(now, start), end
        past_from, past_before = start, min(now, end)
    upcoming = replace(base, starts_from=upcoming_from, starts_before=upcoming_before)
    past = replace(base, starts_from=past_from, starts_before=past_before, newest_first=True)
    return (
        upcoming if upcoming_before is None or upcoming_from < upcoming_before else None,
        past if past_from is None or past_from < past_before else None,
    )


async def listed(
    session: AsyncSession,
    principal: Principal,
    lists: tuple[training.SessionQuery | None, training.SessionQuery | None],
    after: str,
) -> tuple[list[Any], str | None]:
    """A page of the upcoming sessions then the past ones, and the cursor of the next page;
    NotFound for a cursor that is not one of ours."""
    upcoming, past = lists
    phase, _, cursor = after.partition(".") if after else (UPCOMING, "", "")
    if phase not in (UPCOMING, PAST):
        raise NotFound()
    rows: list[Any] = []
    try:
        if phase == UPCOMING:
            if upcoming is not None:
                page = await training.list_sessions(
                    session, principal, upcoming, first=PAGE_SIZE, after=cursor or None
                )
                rows = list(page.rows)
                if page.has_next_page:
                    return rows, f"{UPCOMING}.{page.end_cursor}"
            cursor = ""
        if past is None:
            return rows, None
        room = PAGE_SIZE - len(rows)
        page = await training.list_sessions(
            session, principal, past, first=max(room, 1), after=cursor or None
        )
    except DomainError:  # a cursor that is not one of ours
        raise NotFound() from None
    if room == 0:  # the upcoming ones filled this page: the past ones start the next
        return rows, f"{PAST}." if page.rows else None
    rows.extend(page.rows)
    return rows, f"{PAST}.{page.end_cursor}" if page.has_next_page else None


async def reservations(
    session: AsyncSession, principal: Principal, rows: Sequence[Any]
) -> dict[uuid.UUID, str]:
    """Whom each reserved session is for (a cohort's or a member's name), by session id."""
    cohorts = await programme.get_cohorts(
        session, principal, list({r.reserved_cohort_id for r in rows if r.reserved_cohort_id})
    )
    named = await members.get_members(
        session, principal, list({r.reserved_member_id for r in rows if r.reserved_member_id})
    )
    found: dict[uuid.UUID, str] = {}
    for row in rows:
        if row.reserved_cohort_id in cohorts:
            found[row.id] = cohorts[row.reserved_cohort_id].name
        elif row.reserved_member_id in named:
            found[row.id] = named[row.reserved_member_id].name
    return found


@dataclass(frozen=True, slots=True)
class SessionItem:
    """What the staff listing shows of one session (attributes, not a dict: the template
    reads a dozen of them per row, and Jinja finds an attribute at its first try)."""

    id: uuid.UUID
    title: str
    when: str
    language: str
    venue: str | None
    online: bool
    cancelled: bool
    past: bool
    taken: int
    capacity: int
    over: bool  # walk-ins marked attended beyond the seats
    waiting: int
    reserved_for: str | None
    editable: bool


def session_item(
    row: Any,
    course: Any,
    seats: training.SeatCounts,
    reserved_for: str | None,
    now: datetime,
    language: str,
) -> SessionItem:
    """What the staff listing shows of one session."""
    return SessionItem(
        id=row.id,
        title=course.title if course else "",
        when=format_span(row.starts_at, row.ends_at, row.time_zone, language)["when"],
        language=row.language,
        venue=row.venue,
        online=row.online_url is not None,
        cancelled=row.status == TrainingSessionStatus.CANCELLED,
        past=row.starts_at <= now,
        taken=seats.taken,
        capacity=row.capacity,
        over=seats.taken > row.capacity,
        waiting=seats.waiting,
        reserved_for=reserved_for,
        editable=row.status == TrainingSessionStatus.SCHEDULED and row.starts_at > now,
    )


async def staff_sessions(request: Request, portal: Portal, seen: Reading) -> Response:
    """The staff listing of every session (see the module's docstring)."""
    session, principal, query = seen.session, seen.principal, request.query_params
    filters = read_filters(query)
    now = utcnow()
    rows, cursor = await listed(
        session, principal, the_two_lists(filters, now), query.get("after") or ""
    )
    counts = await training.seat_counts(session, [r.id for r in rows])
    courses = await training.get_courses(session, principal, list({r.course_id for r in rows}))
    reserved = await reservations(session, principal, rows)
    catalogue: Page = await training.list_courses(
        session, principal, training.CourseQuery(), first=MAX_PAGE_SIZE, after=None
    )
    language = portal.language_of(request)
    items = [
        session_item(
            row,
            courses.get(row.course_id),
            counts.get(row.id, training.SeatCounts()),
            reserved.get(row.id),
            now,
            language,
        )
        for row in rows
    ]
    return portal.render(
        request,
        seen.data,
        "desk_sessions.html",
        sessions=items,
        filters=filters.shown,
        courses=[(c.id, c.title) for c in catalogue.rows],
        session_languages=CONTACT_LANGUAGES,
        session_statuses=list(TrainingSessionStatus),
        cursor=cursor,
        first_page=not query.get("after"),
    )
