"""The public training catalogue: /training (sessions by course, filters, pages, five
languages, schema.org Event data), a session's public page, and the /training.ics feed."""

from __future__ import annotations

import html
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import SYSTEM
from network.db import utcnow
from network.training import service as training
from network.training.ics import session_uid
from network.training.models import TrainingSession
from tests.support.factories import Factory
from tests.support.training import TrainingFactory

MARCH = datetime(2027, 3, 29, 8, 0, tzinfo=UTC)  # 09:00 in London (BST)
APRIL_IN_PARIS = datetime(2027, 3, 31, 22, 30, tzinfo=UTC)  # 00:30 on 1 April in Paris
SECRET_LINK = "https://meet.example/secret-room"


class Catalogue:
    """A catalogue of two courses with sessions the public sees and some it must not."""

    def __init__(self) -> None:
        self.shown: dict[str, TrainingSession] = {}
        self.hidden: dict[str, TrainingSession] = {}


async def _catalogue(session: AsyncSession, make: Factory, train: TrainingFactory) -> Catalogue:
    found = Catalogue()
    alpha = await train.course("Alpha: Co-Production Star", cpd_hours=6, description="Five steps.")
    briefing = await train.course("Briefing on the star", cpd_hours=0, cpd_certified=False)
    found.shown["london"] = await train.session_of(
        alpha, starts_at=MARCH, hours=6, capacity=10, venue="Neuadd y Sir, Llandrindod Wells"
    )
    found.shown["paris"] = await train.session_of(
        alpha,
        starts_at=APRIL_IN_PARIS,
        hours=2.5,
        time_zone="Europe/Paris",
        language="fr",
        venue=None,
        online_url=SECRET_LINK,
        booking_deadline=APRIL_IN_PARIS - timedelta(days=2),
    )
    full = await train.session_of(briefing, starts_at=MARCH + timedelta(days=7), capacity=1)
    member = await make.member()
    await train.book(full, await make.contact(member))
    await train.book(full, await make.contact(member))  # waits
    found.shown["full"] = full
    cohort = await make.cohort()
    found.hidden["member"] = await train.session_of(
        alpha, starts_at=MARCH, reserved_member_id=member.id
    )
    found.hidden["cohort"] = await train.session_of(
        alpha, starts_at=MARCH, reserved_cohort_id=cohort.id
    )
    cancelled = await train.session_of(alpha, starts_at=MARCH + timedelta(days=1))
    await training.cancel_training_session(
        session, SYSTEM, session_id=cancelled.id, reason="Trainer ill"
    )
    found.hidden["cancelled"] = cancelled
    closed = await train.session_of(alpha, starts_at=utcnow() + timedelta(days=3))
    closed.booking_deadline = utcnow() - timedelta(hours=1)
    found.hidden["closed"] = closed
    past = await train.session_of(alpha, starts_at=utcnow() + timedelta(days=3))
    past.starts_at = utcnow() - timedelta(days=2)
    past.ends_at = past.starts_at + timedelta(hours=3)
    found.hidden["past"] = past
    await session.commit()
    return found


def _events(page: httpx.Response) -> Any:
    """The page's JSON-LD, parsed."""
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.DOTALL)
    assert found is not None, page.text
    return json.loads(found.group(1))


def _session_ids(page: httpx.Response) -> list[str]:
    return re.findall(r'<article class="session" id="session-([0-9a-f-]+)"', page.text)


def _headings(page: httpx.Response) -> list[str]:
    return [html.unescape(h) for h in re.findall(r"<h2 id=\"course-\d+\">(.*?)</h2>", page.text)]


def _article(page: httpx.Response, training_session: TrainingSession) -> str:
    found = re.search(
        rf'<article class="session" id="session-{training_session.id}".*?</article>',
        page.text,
        re.DOTALL,
    )
    assert found is not None, page.text
    return found.group(0)


def _fact(article: str, name: str) -> str:
    found = re.search(rf'<dd class="{name}">(.*?)</dd>', article, re.DOTALL)
    assert found is not None, article
    return re.sub(r"<[^>]+>", "", found.group(1))


async def test_the_catalogue_lists_upcoming_public_sessions_by_course(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    catalogue = await _catalogue(session, make, train)
    page = await client.get("/training")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "public, max-age=60"
    assert page.headers["vary"] == "Accept-Language"
    assert '<html lang="en">' in page.text
    assert _headings(page) == ["Alpha: Co-Production Star", "Briefing on the star"]
    shown = catalogue.shown
    assert _session_ids(page) == [str(shown[k].id) for k in ("london", "paris", "full")]
    for hidden in catalogue.hidden.values():
        assert str(hidden.id) not in page.text
    # Neither the online link nor the trainer is for the public.
    assert SECRET_LINK not in page.text
    assert "Jo Trainer" not in page.text
    assert '<a class="sign-in" href="/portal/login">Sign in to book</a>' in page.text

    london = _article(page, shown["london"])
    assert f'href="/training/sessions/{shown["london"].id}"' in london
    assert _fact(london, "when") == "Monday 29 March 2027, 09:00\u201315:00 BST (Europe/London)"
    assert _fact(london, "session-language") == "English"
    assert _fact(london, "where") == "Neuadd y Sir, Llandrindod Wells"
    assert _fact(london, "cpd-hours") == "6.0"
    assert _fact(london, "seats") == "10 left"
    # No deadline set: bookings close when the session starts.
    assert _fact(london, "deadline") == "Monday 29 March 2027, 09:00 BST"

    paris = _article(page, shown["paris"])
    assert _fact(paris, "when") == "Thursday 1 April 2027, 00:30\u201303:00 CEST (Europe/Paris)"
    assert _fact(paris, "session-language") == "French"
    assert _fact(paris, "where") == "Online"
    assert _fact(paris, "deadline") == "Tuesday 30 March 2027, 00:30 CEST"

    full = _article(page, shown["full"])
    assert _fact(full, "seats") == "Waiting list"
    assert _fact(full, "cpd-hours") == "Not CPD certified"


async def test_each_session_is_a_schema_org_event(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    catalogue = await _catalogue(session, make, train)
    london, paris, full = (catalogue.shown[k] for k in ("london", "paris", "full"))
    events = _events(await client.get("/training"))
    assert [e["url"] for e in events] == [
        f"http://testserver/training/sessions/{s.id}" for s in (london, paris, full)
    ]
    assert events[0] == {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": "Alpha: Co-Production Star",
        "description": "Five steps.",
        "startDate": "2027-03-29T09:00:00+01:00",
        "endDate": "2027-03-29T15:00:00+01:00",
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "location": {
            "@type": "Place",
            "name": "Neuadd y Sir, Llandrindod Wells",
            "address": "Neuadd y Sir, Llandrindod Wells",
        },
        "inLanguage": "en",
        "url": f"http://testserver/training/sessions/{london.id}",
        "organizer": {
            "@type": "Organization",
            "name": "Governance International",
            "url": "http://testserver",
        },
        "maximumAttendeeCapacity": 10,
        "remainingAttendeeCapacity": 10,
        "offers": {
            "@type": "Offer",
            "url": f"http://testserver/training/sessions/{london.id}",
            "availability": "https://schema.org/InStock",
            "validThrough": "2027-03-29T09:00:00+01:00",
        },
    }
    assert events[1]["startDate"] == "2027-04-01T00:30:00+02:00"
    assert events[1]["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert events[1]["location"] == {
        "@type": "VirtualLocation",
        "url": f"http://testserver/training/sessions/{paris.id}",
    }
    assert events[1]["offers"]["validThrough"] == "2027-03-30T00:30:00+02:00"
    assert events[2]["offers"]["availability"] == "https://schema.org/SoldOut"
    assert events[2]["remainingAttendeeCapacity"] == 0


async def test_the_event_data_cannot_end_its_script_block(
    client: httpx.AsyncClient, session: AsyncSession, train: TrainingFactory
) -> None:
    title = "Co-production </script><script>alert(1)</script> & <!-- more"
    course = await train.course(title)
    await train.session_of(course, starts_at=MARCH, venue="Hall </SCRIPT> & co")
    await session.commit()
    page = await client.get("/training")
    assert "<script>alert(1)" not in page.text
    assert page.text.count("</script>") == 1
    assert "<!--" not in page.text
    (event,) = _events(page)
    assert event["name"] == title
    assert event["location"]["name"] == "Hall </SCRIPT> & co"


async def test_filters_by_course_language_place_and_month(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    catalogue = await _catalogue(session, make, train)
    london, paris, full = (catalogue.shown[k] for k in ("london", "paris", "full"))

    async def ids(**params: str) -> list[str]:
        page = await client.get("/training", params=params)
        assert page.status_code == 200
        return _session_ids(page)

    assert await ids(course=str(london.course_id)) == [str(london.id), str(paris.id)]
    assert await ids(language="fr") == [str(paris.id)]
    assert await ids(place="online") == [str(paris.id)]
    assert await ids(place="in_person") == [str(london.id), str(full.id)]
    # The month of the start in the session's own zone: 00:30 on 1 April in Paris is April.
    assert await ids(month="2027-04") == [str(paris.id), str(full.id)]
    assert await ids(month="2027-03") == [str(london.id)]
    assert await ids(month="2027-05") == []
    assert await ids(course=str(london.course_id), place="online", language="fr") == [str(paris.id)]
    # What cannot be read is no filter (and the form shows "any").
    assert len(await ids(course="nope", language="xx", place="moon", month="2027-13")) == 3
    # A month the calendar cannot step past, or long ago, is no filter either (not a 500).
    for far in ("9999-12", "0001-01", "1999-12"):
        assert len(await ids(month=far)) == 3, far

    page = await client.get("/training", params={"language": "fr", "month": "2027-04"})
    assert '<option value="fr" selected>French</option>' in page.text
    assert '<option value="2027-04" selected>April 2027</option>' in page.text
    empty = await client.get("/training", params={"month": "2027-05"})
    assert '<p id="no-sessions">No upcoming session matches what you chose.</p>' in empty.text
    # The course filter offers the courses with sessions in the catalogue.
    options = re.findall(r'<option value="([0-9a-f-]{36})"', page.text)
    assert options == [str(london.course_id), str(full.course_id)]


async def test_pages_follow_one_another_without_gaps_or_repeats(
    client: httpx.AsyncClient, session: AsyncSession, train: TrainingFactory
) -> None:
    course = await train.course("Paged course")
    made = [await train.session_of(course, starts_at=MARCH + timedelta(days=i)) for i in range(23)]
    await session.commit()
    first = await client.get("/training", params={"lang": "fr"})
    assert _session_ids(first) == [str(s.id) for s in made[:20]]
    assert 'rel="first"' not in first.text
    found = re.search(r'<a href="([^"]+)" rel="next">Plus de sessions</a>', first.text)
    assert found is not None
    following = html.unescape(found.group(1))
    assert "lang=fr" in following
    second = await client.get(following)
    assert _session_ids(second) == [str(s.id) for s in made[20:]]
    assert 'rel="next"' not in second.text
    assert '<html lang="fr">' in second.text
    assert 'rel="first"' in second.text
    # A cursor made up, or from an old page, starts again from the first page.
    made_up = await client.get("/training", params={"after": "not-a-cursor"})
    assert made_up.status_code == 200
    assert _session_ids(made_up) == [str(s.id) for s in made[:20]]


async def test_welsh_pages_are_welsh_then_english(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    catalogue = await _catalogue(session, make, train)
    page = await client.get("/training", headers={"Accept-Language": "cy-GB, en;q=0.8"})
    assert '<html lang="cy">' in page.text
    assert "<title>Hyfforddiant / Training</title>" in page.text
    assert '<h1>Hyfforddiant / <span lang="en">Training</span></h1>' in page.text
    london = _article(page, catalogue.shown["london"])
    assert _fact(london, "when") == (
        "Dydd Llun 29 Mawrth 2027, 09:00\u201315:00 BST (Europe/London) / "
        "Monday 29 March 2027, 09:00\u201315:00 BST (Europe/London)"
    )
    assert _fact(london, "seats") == "10 ar ôl / 10 left"
    assert _fact(london, "session-language") == "Saesneg / English"
    assert _fact(_article(page, catalogue.shown["full"]), "seats") == "Rhestr aros / Waiting list"
    assert _fact(_article(page, catalogue.shown["paris"]), "where") == "Ar-lein / Online"
    assert 'Mewngofnodi i archebu / <span lang="en">Sign in to book</span>' in page.text

    # ?lang= wins over the browser; the language links keep the filters.
    german = await client.get(
        "/training", params={"lang": "de", "place": "online"}, headers={"Accept-Language": "cy"}
    )
    assert '<html lang="de">' in german.text
    assert "<h1>Fortbildungen</h1>" in german.text
    assert 'href="/training?place=online&amp;lang=cy"' in german.text
    assert '<input type="hidden" name="lang" value="de">' in german.text
    for language, heading in (("es", "Formación"), ("fr", "Formations"), ("en", "Training")):
        answer = await client.get("/training", params={"lang": language})
        assert f"<h1>{heading}</h1>" in answer.text


async def test_a_session_has_its_own_page(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    catalogue = await _catalogue(session, make, train)
    full = catalogue.shown["full"]
    page = await client.get(f"/training/sessions/{full.id}", params={"lang": "cy"})
    assert page.status_code == 200
    assert '<html lang="cy">' in page.text
    assert "<h1>Briefing on the star</h1>" in page.text
    assert _fact(page.text, "seats") == "Rhestr aros / Waiting list"
    assert "Mae&#39;r sesiwn hon yn llawn" in page.text
    assert '<a href="/training?lang=cy">Pob hyfforddiant / ' in page.text
    event = _events(page)
    assert event["@type"] == "Event"
    assert event["offers"]["availability"] == "https://schema.org/SoldOut"

    online = await client.get(f"/training/sessions/{catalogue.shown['paris'].id}")
    assert SECRET_LINK not in online.text
    assert _fact(online.text, "where") == "Online"

    # Closed for booking or already over: the page stays, saying so.
    closed = await client.get(f"/training/sessions/{catalogue.hidden['closed'].id}")
    assert closed.status_code == 200
    assert _fact(closed.text, "deadline") == "Booking closed"
    assert "Sign in to book" not in closed.text


async def test_a_session_not_for_the_public_is_the_portal_404_page(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    catalogue = await _catalogue(session, make, train)
    hidden = catalogue.hidden
    for path in (
        f"/training/sessions/{hidden['member'].id}",
        f"/training/sessions/{hidden['cohort'].id}",
        f"/training/sessions/{hidden['cancelled'].id}",
        f"/training/sessions/{uuid.uuid4()}",
        "/training/sessions/not-an-id",
    ):
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert "<h1>Page not found</h1>" in answer.text, path
        assert "Co-Production" not in answer.text


async def test_the_session_calendar_file_and_certificates_keep_their_routes(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    catalogue = await _catalogue(session, make, train)
    london = catalogue.shown["london"]
    ics = await client.get(f"/training/sessions/{london.id}.ics")
    assert ics.status_code == 200
    assert ics.headers["content-type"] == "text/calendar; charset=utf-8"
    # Its id is published, so the online session's file leaves out the link (bookers have it).
    paris = await client.get(f"/training/sessions/{catalogue.shown['paris'].id}.ics")
    assert paris.status_code == 200
    assert SECRET_LINK not in paris.content.decode().replace("\r\n ", "")
    # The reserved session's own file is still served to whoever holds its id.
    reserved = await client.get(f"/training/sessions/{catalogue.hidden['member'].id}.ics")
    assert reserved.status_code == 200
    archive = await client.get(f"/training/sessions/{london.id}/certificates.zip")
    assert archive.status_code == 404
    assert archive.headers["content-type"] == "application/json"


def _unfolded(feed: bytes) -> list[str]:
    """The feed's content lines, checked as RFC 5545 writes them: CRLF line ends, physical
    lines of at most 75 octets, continuation lines starting with one space."""
    assert feed.endswith(b"\r\n")
    physical = feed[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in physical)
    assert all(len(line) <= 75 for line in physical)
    lines: list[str] = []
    for raw in physical:
        text = raw.decode()
        if text.startswith(" "):
            lines[-1] += text[1:]
        else:
            lines.append(text)
    return lines


def _components(lines: list[str]) -> list[dict[str, list[str]]]:
    """Each VEVENT's properties (name -> values), with BEGIN/END properly nested."""
    stack: list[str] = []
    events: list[dict[str, list[str]]] = []
    for line in lines:
        name, _, value = line.partition(":")
        name = name.split(";")[0]
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                events.append({})
        elif name == "END":
            assert stack.pop() == value
        elif stack == ["VCALENDAR", "VEVENT"]:
            events[-1].setdefault(name, []).append(value)
    assert stack == []
    return events


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


async def test_the_calendar_feed_is_rfc_5545(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    catalogue = await _catalogue(session, make, train)
    london, paris, full = (catalogue.shown[k] for k in ("london", "paris", "full"))
    await train.course("No sessions")  # a course without sessions is not in the feed
    answer = await client.get("/training.ics")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    assert answer.headers["cache-control"] == "public, max-age=300"
    lines = _unfolded(answer.content)
    assert lines[:5] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//CitizenPowered networks//Network CRM training//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    assert lines[-1] == "END:VCALENDAR"
    events = _components(lines)
    assert [e["UID"][0] for e in events] == [session_uid(s.id) for s in (london, paris, full)]
    assert SECRET_LINK not in answer.text
    first = events[0]
    assert first["SEQUENCE"] == ["0"]
    assert first["DTSTART"] == ["20270329T080000Z"]
    assert first["DTEND"] == ["20270329T140000Z"]
    assert re.fullmatch(r"\d{8}T\d{6}Z", first["DTSTAMP"][0])
    assert first["SUMMARY"] == ["Alpha: Co-Production Star"]
    assert [_unescape(v) for v in first["LOCATION"]] == ["Neuadd y Sir, Llandrindod Wells"]
    assert first["URL"] == [f"http://testserver/training/sessions/{london.id}"]
    assert first["STATUS"] == ["CONFIRMED"]
    assert events[1]["LOCATION"] == ["Online"]
    assert events[1]["DTSTART"] == ["20270331T223000Z"]
    for event in events:
        for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "SUMMARY", "STATUS"):
            assert len(event[required]) == 1, (required, event)

    # The same UID as the session's own calendar file, so calendars hold one event.
    own = _unfolded((await client.get(f"/training/sessions/{london.id}.ics")).content)
    assert f"UID:{session_uid(london.id)}" in own


async def test_long_texts_fold_between_whole_characters(
    client: httpx.AsyncClient, session: AsyncSession, train: TrainingFactory
) -> None:
    title = "Hyfforddiant Seren Cydgynhyrchu, i reolwyr; " + " ".join(["ŵŷâêîôû"] * 12)
    course = await train.course(title, description="Llinell un\nLlinell dau, gyda ; a \\")
    await train.session_of(course, starts_at=MARCH)
    await session.commit()
    lines = _unfolded((await client.get("/training.ics")).content)
    (event,) = _components(lines)
    assert [_unescape(v) for v in event["SUMMARY"]] == [title]
    description = _unescape(event["DESCRIPTION"][0])
    assert description.startswith("Llinell un\nLlinell dau, gyda ; a \\\n\nhttp://testserver/")
