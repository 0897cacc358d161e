"""Private calendar feeds (network/feeds): what a contact's and a partner user's feed hold,
with the UIDs and SEQUENCEs of the single .ics files already sent; making, renewing and
revoking a feed through GraphQL; the token as the only authority; row-level security on
calendar_feeds (migration 0012); erasure deleting a person's feeds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth import service as auth
from network.auth.principal import SYSTEM, Principal, PrincipalKind
from network.auth.service import hash_token
from network.config import get_settings
from network.contacts.models import Contact
from network.db import act_as, utcnow
from network.feeds import service as feeds
from network.feeds.models import CalendarFeed
from network.kit.enums import Role, RsvpResponse
from network.meetings import links
from network.meetings import service as meetings
from network.privacy.erasure import erase_person
from network.training import service as training
from network.training.ics import session_uid
from tests.support.app import GraphQL
from tests.support.factories import Factory
from tests.support.meetings import Scene, schedule, upcoming
from tests.support.training import TrainingFactory

CREATE = """mutation { createCalendarFeed(input: {}) {
  calendarFeed { id url createdAt lastUsedAt revokedAt } userErrors { field code } } }"""
REVOKE = """mutation { revokeCalendarFeed(input: {}) {
  calendarFeed { id revokedAt url } userErrors { field code } } }"""
CURRENT = "{ calendarFeed { id url createdAt } }"


# -- reading iCalendar back ------------------------------------------------------------------------


def unfold(body: bytes) -> list[str]:
    """The content lines of an iCalendar file (RFC 5545 3.1), checking CRLF and folding."""
    raw = body.decode()
    assert raw.endswith("\r\n") and "\n" not in raw.replace("\r\n", "")
    for line in raw.split("\r\n"):
        assert len(line.encode()) <= 75, line
    return raw.replace("\r\n ", "").split("\r\n")[:-1]


@dataclass
class Calendar:
    props: dict[str, str]
    events: dict[str, dict[str, str]]  # by UID


def parse(body: bytes) -> Calendar:
    """The calendar's properties and its events' (the name without parameters -> value)."""
    lines = unfold(body)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    props: dict[str, str] = {}
    events: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in lines[1:-1]:
        name, _, value = line.partition(":")
        name = name.split(";")[0]
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            assert current["UID"] not in events, "a UID twice in one feed"
            events[current["UID"]] = current
            current = None
        elif current is not None:
            current[name] = value
        else:
            props[name] = value
    for event in events.values():
        assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "STATUS"} <= set(event)
    return Calendar(props, events)


def single_event(body: bytes) -> dict[str, str]:
    (event,) = parse(body).events.values()
    return event


def path_of(url: str) -> str:
    return urlsplit(url).path


# -- the scene -------------------------------------------------------------------------------------


@dataclass
class Feeds:
    scene: Scene
    sian_token: str
    partner_token: str
    confirmed: Any
    waiting: Any
    called_off: Any
    old: Any
    reserved_cohort: Any
    reserved_member: Any
    tom_only: Any
    elsewhere: Any
    meeting: Any
    declined: Any
    other_meeting: Any


@pytest.fixture
async def world(
    scene: Scene, make: Factory, train: TrainingFactory, session: AsyncSession
) -> Feeds:
    """Siân (Welsh, Powys, partner "wales") booked, waitlisted, on a cancelled session and an
    old one; sessions reserved for the cohort and for Anglesey; Tom's own; a stranger's; a
    cohort meeting, one Siân declined, and another partner's meeting."""
    now = utcnow().replace(microsecond=0)
    course = await train.course("Outcome-Based Commissioning", description="One day; CPD")
    confirmed = await train.session_of(course, starts_at=now + timedelta(days=20))
    await train.book(confirmed, scene.sian)
    waiting = await train.session_of(course, capacity=1, starts_at=now + timedelta(days=25))
    await train.book(waiting, scene.tom)
    await train.book(waiting, scene.sian)
    called_off = await train.session_of(course, starts_at=now + timedelta(days=40))
    await train.book(called_off, scene.sian)
    await training.cancel_training_session(
        session, SYSTEM, session_id=called_off.id, reason="Trainer unwell"
    )
    old = await train.session_of(course, starts_at=now + timedelta(days=2))
    await train.book(old, scene.sian)
    old.starts_at = now - timedelta(days=45)
    old.ends_at = old.starts_at + timedelta(hours=3)
    reserved_cohort = await train.session_of(
        course, starts_at=now + timedelta(days=50), reserved_cohort_id=scene.cohort.id
    )
    reserved_member = await train.session_of(
        course, starts_at=now + timedelta(days=51), reserved_member_id=scene.anglesey.id
    )
    tom_only = await train.session_of(course, starts_at=now + timedelta(days=52))
    await train.book(tom_only, scene.tom)
    elsewhere = await train.session_of(course, starts_at=now + timedelta(days=53))
    await train.book(elsewhere, scene.stranger)
    meeting = await schedule(
        session, scene.cohort, starts_at=upcoming(days=12), contact_ids=[scene.sian.id]
    )
    declined = await schedule(
        session,
        scene.cohort,
        starts_at=upcoming(days=14),
        contact_ids=[scene.sian.id],
        title="Map It network meeting",
    )
    await meetings.rsvp(
        session,
        SYSTEM,
        meeting_id=declined.id,
        contact_id=scene.sian.id,
        response=RsvpResponse.NO,
    )
    other_partner = await make.partner("kent")
    other_cohort = await make.cohort("Kent cohort", partner=other_partner)
    other_meeting = await schedule(session, other_cohort, starts_at=upcoming(days=16))
    await session.flush()
    return Feeds(
        scene=scene,
        sian_token=await make.token(Role.MEMBER, contact=scene.sian),
        partner_token=await make.token(Role.PARTNER, partner=scene.partner),
        confirmed=confirmed,
        waiting=waiting,
        called_off=called_off,
        old=old,
        reserved_cohort=reserved_cohort,
        reserved_member=reserved_member,
        tom_only=tom_only,
        elsewhere=elsewhere,
        meeting=meeting,
        declined=declined,
        other_meeting=other_meeting,
    )


async def new_feed(gql: GraphQL, token: str) -> str:
    body = await gql(CREATE, token=token)
    payload = body["data"]["createCalendarFeed"]
    assert payload["userErrors"] == [], body
    url: str = payload["calendarFeed"]["url"]
    base = get_settings().base_url.rstrip("/")
    assert url.startswith(f"{base}/calendar/ncal_") and url.endswith(".ics")
    return url


# -- a member contact's feed ---------------------------------------------------------------------


async def test_a_contacts_feed_holds_its_bookings_and_meetings_as_the_single_files_do(
    world: Feeds, gql: GraphQL, client: httpx.AsyncClient
) -> None:
    url = await new_feed(gql, world.sian_token)
    response = await client.get(path_of(url))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "private, max-age=300"
    feed = parse(response.content)
    assert feed.props["VERSION"] == "2.0" and feed.props["METHOD"] == "PUBLISH"
    assert feed.props["X-WR-CALNAME"].startswith("Hyfforddiant a chyfarfodydd")  # Siân: cy
    sessions = {session_uid(s.id): s for s in (world.confirmed, world.waiting, world.called_off)}
    meeting_uid = links.calendar_uid(world.meeting.id)
    assert set(feed.events) == {*sessions, meeting_uid}
    assert feed.events[session_uid(world.confirmed.id)]["STATUS"] == "CONFIRMED"
    assert feed.events[session_uid(world.waiting.id)]["STATUS"] == "TENTATIVE"
    assert feed.events[session_uid(world.called_off.id)]["STATUS"] == "CANCELLED"
    assert feed.events[meeting_uid]["STATUS"] == "CONFIRMED"
    # The same UID and SEQUENCE as the calendar files already sent.
    for uid, row in sessions.items():
        single = single_event((await client.get(f"/training/sessions/{row.id}.ics")).content)
        assert single["UID"] == uid
        assert single["SEQUENCE"] == feed.events[uid]["SEQUENCE"]
        assert single["DTSTART"] == feed.events[uid]["DTSTART"]
        assert single["SUMMARY"] == feed.events[uid]["SUMMARY"] == "Outcome-Based Commissioning"
    assert feed.events[session_uid(world.called_off.id)]["SEQUENCE"] == "1"
    invite = single_event((await client.get(links.ics_path(world.meeting.id))).content)
    assert invite["UID"] == meeting_uid
    assert invite["SEQUENCE"] == feed.events[meeting_uid]["SEQUENCE"]
    assert invite["DTSTART"] == feed.events[meeting_uid]["DTSTART"]
    # The same state gives the same bytes (DTSTAMP is each event's last change).
    assert (await client.get(path_of(url))).content == response.content


async def test_a_cancelled_meeting_stays_as_cancelled_with_a_higher_sequence(
    world: Feeds, gql: GraphQL, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    url = await new_feed(gql, world.sian_token)
    before = parse((await client.get(path_of(url))).content)
    uid = links.calendar_uid(world.meeting.id)
    await meetings.cancel_meeting(session, SYSTEM, meeting_id=world.meeting.id, reason="Snow")
    await session.commit()
    after = parse((await client.get(path_of(url))).content)
    assert after.events[uid]["STATUS"] == "CANCELLED"
    assert int(after.events[uid]["SEQUENCE"]) > int(before.events[uid]["SEQUENCE"])


# -- a partner user's feed -----------------------------------------------------------------------


async def test_a_partner_users_feed_holds_its_cohorts_meetings_and_its_members_sessions(
    world: Feeds, gql: GraphQL, client: httpx.AsyncClient
) -> None:
    url = await new_feed(gql, world.partner_token)
    response = await client.get(path_of(url))
    assert response.status_code == 200
    feed = parse(response.content)
    shown = (
        world.confirmed,
        world.waiting,
        world.called_off,
        world.reserved_cohort,
        world.reserved_member,
        world.tom_only,
    )
    assert set(feed.events) == {
        *(session_uid(s.id) for s in shown),
        links.calendar_uid(world.meeting.id),
        links.calendar_uid(world.declined.id),  # its cohort's, whoever declined it
    }
    assert feed.events[session_uid(world.called_off.id)]["STATUS"] == "CANCELLED"
    assert session_uid(world.elsewhere.id) not in feed.events
    assert links.calendar_uid(world.other_meeting.id) not in feed.events


# -- making, renewing, revoking ------------------------------------------------------------------


async def test_a_new_url_revokes_the_old_one_and_a_revoked_url_is_a_plain_404(
    world: Feeds, gql: GraphQL, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first = await new_feed(gql, world.sian_token)
    second = await new_feed(gql, world.sian_token)
    assert first != second
    gone = await client.get(path_of(first))
    assert (gone.status_code, gone.text) == (404, "Not found")
    assert (await client.get(path_of(second))).status_code == 200
    current = await gql(CURRENT, token=world.sian_token)
    assert current["data"]["calendarFeed"]["url"] is None  # shown once only
    revoked = await gql(REVOKE, token=world.sian_token)
    payload = revoked["data"]["revokeCalendarFeed"]
    assert payload["userErrors"] == [] and payload["calendarFeed"]["revokedAt"]
    after = await client.get(path_of(second))
    assert (after.status_code, after.text) == (404, "Not found")
    assert (await gql(CURRENT, token=world.sian_token))["data"]["calendarFeed"] is None
    again = await gql(REVOKE, token=world.sian_token)
    assert again["data"]["revokeCalendarFeed"]["userErrors"] == [
        {"field": "input", "code": "NOT_FOUND"}
    ]
    rows = (await session.scalars(select(CalendarFeed))).all()
    assert len(rows) == 2 and all(r.revoked_at is not None for r in rows)
    assert {r.contact_id for r in rows} == {world.scene.sian.id}
    # Only hashes are kept.
    token = path_of(second).removeprefix("/calendar/").removesuffix(".ics")
    assert {r.token_sha256 for r in rows} >= {hash_token(token)}


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/ncal_unknown-token-that-was-never-issued-xxxxxxxxxx.ics",
        "/calendar/not-even-ours.ics",
        "/calendar/" + "ncal_" + "a" * 300 + ".ics",
    ],
)
async def test_an_unknown_token_is_the_same_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert (response.status_code, response.text) == (404, "Not found")


async def test_staff_have_no_feed(make: Factory, gql: GraphQL) -> None:
    staff = await make.token(Role.STAFF)
    body = await gql(CREATE, token=staff)
    assert body["data"]["createCalendarFeed"]["userErrors"] == [
        {"field": "input", "code": "FORBIDDEN"}
    ]
    assert (await gql(CURRENT, token=staff))["data"]["calendarFeed"] is None
    anonymous = await gql(CREATE)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_archived_contacts_feed_answers_404(
    world: Feeds, gql: GraphQL, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    url = await new_feed(gql, world.sian_token)
    contact = await session.get(Contact, world.scene.sian.id)
    assert contact is not None
    contact.archived_at = utcnow()
    await session.commit()
    assert (await client.get(path_of(url))).status_code == 404


async def test_last_use_is_written_at_most_once_an_hour(
    world: Feeds, session: AsyncSession
) -> None:
    sian = Principal(PrincipalKind.MEMBER, contact_id=world.scene.sian.id)
    issued = await feeds.create_feed(session, sian)
    token = issued.url.rsplit("/", 1)[1].removesuffix(".ics")
    now = utcnow()
    assert issued.feed.last_used_at is None

    async def last_used() -> Any:
        return await session.scalar(
            select(CalendarFeed.last_used_at).where(CalendarFeed.id == issued.feed.id)
        )

    assert await feeds.download_feed(session, token, now=now)
    assert await last_used() == now
    assert await feeds.download_feed(session, token, now=now + timedelta(minutes=59))
    assert await last_used() == now
    later = now + timedelta(minutes=61)
    assert await feeds.download_feed(session, token, now=later)
    assert await last_used() == later


async def test_one_live_feed_per_owner_and_exactly_one_owner(
    world: Feeds, session: AsyncSession
) -> None:
    sian = world.scene.sian.id
    for values in (
        {"contact_id": sian, "token_sha256": b"a" * 32},
        {"contact_id": sian, "token_sha256": b"b" * 32},
    ):
        session.add(CalendarFeed(**values))
    with pytest.raises(DBAPIError):
        await session.flush()
    await session.rollback()
    session.add(CalendarFeed(token_sha256=b"c" * 32))
    with pytest.raises(DBAPIError):
        await session.flush()
    await session.rollback()


# -- row-level security --------------------------------------------------------------------------


async def test_row_level_security_shows_each_owner_only_its_own_feeds(
    world: Feeds,
    make: Factory,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    scene = world.scene
    partner_user = await make.user(Role.PARTNER, partner=scene.partner)
    other_partner = await make.partner("elsewhere")
    other_user = await make.user(Role.PARTNER, partner=other_partner)
    owners = {
        "sian": Principal(PrincipalKind.MEMBER, contact_id=scene.sian.id),
        "tom": Principal(PrincipalKind.MEMBER, contact_id=scene.tom.id),
        "partner": Principal(
            PrincipalKind.PARTNER, user_id=partner_user.id, partner_id=scene.partner.id
        ),
        "other": Principal(
            PrincipalKind.PARTNER, user_id=other_user.id, partner_id=other_partner.id
        ),
    }
    made = {who: (await feeds.create_feed(session, p)).feed.id for who, p in owners.items()}
    await session.commit()
    expected = {
        "sian": {made["sian"]},
        "tom": {made["tom"]},
        # A partner sees its own users' feeds, not its members' contacts' nor another's.
        "partner": {made["partner"]},
        "other": {made["other"]},
    }
    for who, principal in owners.items():
        async with session_factory() as theirs:
            await act_as(theirs, principal)
            seen = set((await theirs.scalars(select(CalendarFeed.id))).all())
            assert seen == expected[who], who
    async with session_factory() as nobody:
        assert await nobody.scalar(text("SELECT count(*) FROM calendar_feeds")) == 0
    async with session_factory() as system:
        await act_as(system, SYSTEM)
        assert await system.scalar(select(func.count()).select_from(CalendarFeed)) == 4
    # A member contact cannot make a feed for someone else (the policy's check).
    async with session_factory() as sian:
        await act_as(sian, owners["sian"])
        sian.add(CalendarFeed(contact_id=scene.tom.id, token_sha256=uuid.uuid4().bytes * 2))
        with pytest.raises(DBAPIError, match="row-level security"):
            await sian.flush()


# -- erasure -------------------------------------------------------------------------------------


async def test_erasing_a_contact_deletes_its_feeds(
    world: Feeds, gql: GraphQL, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    url = await new_feed(gql, world.sian_token)
    await erase_person(session, SYSTEM, world.scene.sian.id, "Asked to be forgotten")
    await session.commit()
    count = select(func.count()).select_from(CalendarFeed)
    assert await session.scalar(count.where(CalendarFeed.contact_id == world.scene.sian.id)) == 0
    assert (await client.get(path_of(url))).status_code == 404


# -- ending someone's access, and the online link ------------------------------------------------


async def test_ending_a_contacts_access_revokes_its_feed_for_good(
    world: Feeds, gql: GraphQL, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    url = await new_feed(gql, world.sian_token)
    assert (await client.get(path_of(url))).status_code == 200
    await auth.end_contact_access(session, SYSTEM, world.scene.sian.id)
    await auth.restore_contact_access(session, SYSTEM, world.scene.sian.id)
    await session.commit()
    # Archived then restored: the contact is live again, the old address is not.
    assert (await client.get(path_of(url))).status_code == 404
    revoked = await session.scalar(
        select(CalendarFeed.revoked_at).where(CalendarFeed.contact_id == world.scene.sian.id)
    )
    assert revoked is not None


async def test_revoking_a_users_access_revokes_its_feed(
    world: Feeds, make: Factory, gql: GraphQL, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make.user(Role.PARTNER, partner=world.scene.partner)
    url = await new_feed(gql, await make.token_for(user))
    other = await new_feed(gql, world.sian_token)
    assert (await client.get(path_of(url))).status_code == 200
    await auth.revoke_access_of(session, SYSTEM, user.email)
    await session.commit()
    assert (await client.get(path_of(url))).status_code == 404
    assert (await client.get(path_of(other))).status_code == 200  # someone else's stays


async def test_only_a_held_seat_gets_the_online_link_in_the_feed(
    world: Feeds, gql: GraphQL, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    link = "https://meet.example/secret-room"
    world.confirmed.online_url = link
    world.waiting.online_url = link
    await session.commit()
    url = await new_feed(gql, world.sian_token)
    feed = parse((await client.get(path_of(url))).content)
    seated = feed.events[session_uid(world.confirmed.id)]
    waiting = feed.events[session_uid(world.waiting.id)]
    assert seated["URL"] == link and link in seated["DESCRIPTION"]
    assert waiting["STATUS"] == "TENTATIVE"
    assert link not in str(waiting)
    assert waiting["LOCATION"].startswith("Council Chamber")  # its venue, not the link
