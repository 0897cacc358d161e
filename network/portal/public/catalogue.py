"""The public training catalogue, without signing in: `GET /training` (upcoming sessions by
course, with filters and pages), `GET /training/sessions/{id}` (a session's page) and
`GET /training.ics` (the catalogue as an iCalendar feed).

The pages are in English, Welsh (Welsh then English), French, Spanish or German: ?lang=, else
the browser's Accept-Language, else English (network.portal.public.pages.public_language).
They work without JavaScript (the filters are a GET form), and each carries schema.org
`Event` data as JSON-LD. A session shows what the catalogue's queries read
(network.training.public): never its online link nor its trainer. A session that is not for
the public (reserved, cancelled, unknown) is the portal's 404 page.
`/training/sessions/{id}.ics` and `/training/sessions/{id}/certificates.zip` are served
before these routes (network.app includes the downloads' router first).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from network.config import Settings
from network.consent.wording import languages_of
from network.db import utcnow
from network.kit.errors import DomainError
from network.kit.ids import parse_uuid
from network.kit.validation import LANGUAGES as SESSION_LANGUAGES
from network.meetings.formatting import MONTHS
from network.portal.deps import PortalDep
from network.portal.exits import NotFound
from network.portal.labels.catalogue import LABELS
from network.portal.public.pages import PUBLIC_LANGUAGE_NAMES, PUBLIC_LANGUAGES, public_language
from network.portal.web import templates
from network.training import service as training

router = APIRouter(tags=["catalogue"])
PATH = "/training"
PAGE_SIZE = 20
MONTHS_SHOWN = 12  # the month filter offers this month and the next eleven
# Public and the same for everyone: caches may keep it a little (seats change with bookings).
CACHE = "public, max-age=60"
SCHEMA_MODE = {
    (True, False): "https://schema.org/OnlineEventAttendanceMode",
    (False, True): "https://schema.org/OfflineEventAttendanceMode",
    (True, True): "https://schema.org/MixedEventAttendanceMode",
}


class Pairs(tuple[tuple[str, str], ...]):
    """A text in the page's language(s): (language, text) pairs, one, or Welsh then English.

    In a template, `{{ pairs }}` is the texts joined by " / ", each part not in the page's
    language (the first) marked with its own (`<span lang="en">`); `pairs.text` is the plain
    text, for an attribute, an <option> or the <title>.
    """

    __slots__ = ()

    def __html__(self) -> str:
        (_, first), *others = self
        parts = [str(escape(first))]
        parts += [f'<span lang="{code}">{escape(text)}</span>' for code, text in others]
        return " / ".join(parts)

    @property
    def text(self) -> str:
        return " / ".join(text for _, text in self)


@dataclass(frozen=True, slots=True)
class Say:
    """Labels in the page's language(s): `t.key` is the label's Pairs."""

    languages: tuple[str, ...]

    @property
    def language(self) -> str:
        """The language switcher's name (public_base.html puts it in an attribute)."""
        return self.text("language")

    def __getattr__(self, key: str) -> Pairs:
        if key.startswith("__"):  # copy, pickle and the like ask for dunders
            raise AttributeError(key)
        return Pairs((code, LABELS[code][key]) for code in self.languages)

    def __getitem__(self, key: str) -> Pairs:
        return self.__getattr__(key)

    def text(self, key: str) -> str:
        """The label as plain text (a <title>, an <option>): the languages joined by " / "."""
        return " / ".join(LABELS[code][key] for code in self.languages)

    def each(self, make: Callable[[str], str]) -> Pairs:
        """A text made in each of the page's languages by `make(language)`."""
        return Pairs((code, make(code)) for code in self.languages)


def _json_ld(value: Any) -> Markup:
    """JSON for a <script type="application/ld+json"> block: nothing in it can end the block
    or open a comment (<, > and & are written as \\u escapes, which JSON reads the same)."""
    text = orjson.dumps(value).decode()
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # escaped above for a script element, not for HTML


def _iso(instant: datetime, time_zone: str) -> str:
    return training.local(instant, time_zone).isoformat()


def _event(row: Any, page: str, settings: Settings) -> dict[str, Any]:
    """A session as a schema.org Event."""
    places: list[dict[str, Any]] = []
    if row.venue:
        places.append({"@type": "Place", "name": row.venue, "address": row.venue})
    if row.online:
        places.append({"@type": "VirtualLocation", "url": page})
    event: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": row.title,
        "startDate": _iso(row.starts_at, row.time_zone),
        "endDate": _iso(row.ends_at, row.time_zone),
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": SCHEMA_MODE.get(
            (bool(row.online), bool(row.venue)), SCHEMA_MODE[(False, True)]
        ),
        "location": places[0] if len(places) == 1 else places,
        "inLanguage": row.language,
        "url": page,
        "organizer": {
            "@type": "Organization",
            "name": settings.certificate_provider,
            "url": settings.base_url,
        },
        "maximumAttendeeCapacity": row.capacity,
        "remainingAttendeeCapacity": row.seats_left,
        "offers": {
            "@type": "Offer",
            "url": page,
            "availability": "https://schema.org/InStock"
            if row.seats_left
            else "https://schema.org/SoldOut",
            "validThrough": _iso(row.booking_deadline or row.starts_at, row.time_zone),
        },
    }
    if row.description:
        event["description"] = row.description
    return event


def _deadline(row: Any, language: str) -> str:
    closes = training.local(row.booking_deadline or row.starts_at, row.time_zone)
    zone = closes.tzname() or row.time_zone
    return f"{training.format_date(closes, language)}, {closes:%H:%M} {zone}"


def _session_view(
    row: Any, say: Say, query: str, now: datetime, settings: Settings
) -> dict[str, Any]:
    """What the pages show of one session, every text in the page's language(s)."""
    left = row.seats_left
    page = training.public_page_url(settings.base_url, row.id)
    start = training.local(row.starts_at, row.time_zone)
    return {
        "id": str(row.id),
        "href": f"{PATH}/sessions/{row.id}{query}",
        "when": say.each(
            lambda c: training.format_span(row.starts_at, row.ends_at, row.time_zone, c)
        ),
        "day": say.each(lambda c: training.format_date(start, c)),
        "starts": _iso(row.starts_at, row.time_zone),
        "language": say[f"lang_{row.language}"]
        if row.language in SESSION_LANGUAGES
        else Pairs([(say.languages[0], row.language)]),
        "language_code": row.language,
        "venue": row.venue,
        "online": bool(row.online),
        "cpd_hours": str(row.cpd_hours) if row.cpd_certified else None,
        "left": left,
        "seats": say.each(lambda c: LABELS[c]["seats_left"].format(count=left)),
        "open": training.booking_open(row, now),
        "deadline": say.each(lambda c: _deadline(row, c)),
        "title": row.title,
        "description": row.description,
        "format": say[str(row.format)],
        "event": _event(row, page, settings),
    }


def _month(value: str | None) -> date | None:
    """The month asked for ("2027-03"); None (any month) for nonsense or a far-off year."""
    try:
        month = datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return None
    return month if 2000 <= month.year <= 9998 else None


def _month_options(now: datetime, say: Say) -> list[tuple[str, str]]:
    """(value, label) of this month and the next ones, e.g. ("2027-03", "March 2027")."""
    options = []
    year, month = now.year, now.month
    for _ in range(MONTHS_SHOWN):
        names = " / ".join(f"{MONTHS[c][month - 1]} {year}" for c in say.languages)
        options.append((f"{year:04d}-{month:02d}", names))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return options


def _language_links(path: str, params: dict[str, str]) -> list[tuple[str, str, str]]:
    """(code, name, address) of the page in each language, keeping its filters."""
    return [
        (code, PUBLIC_LANGUAGE_NAMES[code], f"{path}?{urlencode({**params, 'lang': code})}")
        for code in PUBLIC_LANGUAGES
    ]


def _render(template: str, language: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    body = templates.get_template(template).render(lang=language, **values)
    return HTMLResponse(
        body,
        status_code=status_code,
        headers={
            "Cache-Control": CACHE,
            "Vary": "Accept-Language",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _language(request: Request) -> str:
    return public_language(request.query_params.get("lang"), request.headers.get("accept-language"))


def _groups(sessions: Sequence[dict[str, Any]], rows: Sequence[Any]) -> list[dict[str, Any]]:
    """The page's sessions grouped by course, in their order."""
    groups: list[dict[str, Any]] = []
    for view, row in zip(sessions, rows, strict=True):
        if not groups or groups[-1]["course_id"] != row.course_id:
            groups.append(
                {
                    "course_id": row.course_id,
                    "title": row.title,
                    "description": row.description,
                    "format": view["format"],
                    "cpd_hours": view["cpd_hours"],
                    "sessions": [],
                }
            )
        groups[-1]["sessions"].append(view)
    return groups


def _filters(request: Request) -> tuple[training.CatalogueQuery, dict[str, str]]:
    """The query the form asks for, and the form's values that are valid (others: "any")."""
    params = request.query_params
    chosen: dict[str, str] = {}
    course_id = parse_uuid(params.get("course") or "")
    if course_id is not None:
        chosen["course"] = str(course_id)
    language = params.get("language") or ""
    if language in SESSION_LANGUAGES:
        chosen["language"] = language
    place = params.get("place") or ""
    if place in ("online", "in_person"):
        chosen["place"] = place
    month = _month(params.get("month"))
    if month is not None:
        chosen["month"] = f"{month:%Y-%m}"
    query = training.CatalogueQuery(
        course_id=course_id,
        language=chosen.get("language"),
        online={"online": True, "in_person": False}.get(place),
        month=month,
    )
    return query, chosen


@router.get(PATH, name="training_catalogue", response_class=HTMLResponse)
async def catalogue_page(request: Request, portal: PortalDep) -> HTMLResponse:
    """Upcoming sessions open to everyone, by course, with filters and pages."""
    language = _language(request)
    say = Say(languages_of(language))
    query, chosen = _filters(request)
    explicit = {"lang": language} if request.query_params.get("lang") in PUBLIC_LANGUAGES else {}
    now = utcnow()
    after = request.query_params.get("after") or None
    async with portal.db() as session:
        try:
            page = await training.list_catalogue(session, query, first=PAGE_SIZE, after=after)
        except DomainError:  # a cursor made up or from an old page: start from the first
            after = None
            page = await training.list_catalogue(session, query, first=PAGE_SIZE, after=None)
        courses = await training.catalogue_courses(session, now)
    suffix = f"?{urlencode(explicit)}" if explicit else ""
    views = [_session_view(row, say, suffix, now, portal.settings) for row in page.rows]
    next_href = (
        f"{PATH}?{urlencode({**chosen, **explicit, 'after': page.end_cursor or ''})}"
        if page.has_next_page
        else None
    )
    return _render(
        "public_catalogue.html",
        language,
        t=say,
        title=say.text("title"),
        languages=_language_links(PATH, chosen),
        groups=_groups(views, page.rows),
        events=_json_ld([view["event"] for view in views]),
        chosen=chosen,
        explicit=explicit,
        courses=[(str(c.id), c.title) for c in courses],
        session_languages=[(code, say.text(f"lang_{code}")) for code in SESSION_LANGUAGES],
        months=_month_options(now, say),
        next_href=next_href,
        first_href=f"{PATH}?{urlencode({**chosen, **explicit})}" if after else None,
        feed_href=f"{PATH}.ics",
    )


@router.get(f"{PATH}.ics", name="training_catalogue_ics")
async def catalogue_feed(portal: PortalDep) -> Response:
    """The catalogue's upcoming sessions as an iCalendar feed (RFC 5545)."""
    async with portal.db() as session:
        content = await training.catalogue_calendar(session, portal.settings.base_url)
    return Response(
        content,
        media_type=training.ICS_CONTENT_TYPE,
        headers={
            "Content-Disposition": 'inline; filename="training.ics"',
            "Cache-Control": "public, max-age=300",
        },
    )


@router.get(f"{PATH}/sessions/{{session_id}}", name="training_public_session")
async def session_page(session_id: str, request: Request, portal: PortalDep) -> HTMLResponse:
    """A session's public page: when, where, seats, the course; 404 when not for the public."""
    raw = parse_uuid(session_id)
    if raw is None:
        raise NotFound()
    async with portal.db() as session:
        row = await training.public_session(session, raw)
    if row is None:
        raise NotFound()
    language = _language(request)
    say = Say(languages_of(language))
    explicit = {"lang": language} if request.query_params.get("lang") in PUBLIC_LANGUAGES else {}
    view = _session_view(row, say, "", utcnow(), portal.settings)
    return _render(
        "public_catalogue_session.html",
        language,
        t=say,
        title=f"{row.title} / {say.text('title')}",
        languages=_language_links(f"{PATH}/sessions/{row.id}", {}),
        s=view,
        events=_json_ld(view["event"]),
        back_href=f"{PATH}?{urlencode(explicit)}" if explicit else PATH,
    )
