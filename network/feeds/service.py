"""Private calendar feeds: issue, revoke and serve the one secret URL of a member contact or a
partner user.

A feed is a capability URL, `/calendar/<token>.ics`: whoever holds the token reads the feed,
so only its SHA-256 is kept and the token is shown once, when it is made (as API tokens are;
network.auth.service.hash_token). Making a new one revokes the old (its URL then answers 404).

- A member contact's feed: its live bookings (CONFIRMED, WAITLISTED as TENTATIVE, ATTENDED)
  of sessions ending from 30 days ago on, and the network meetings it is invited to and has not
  declined; bookings cancelled and meetings cancelled in the last 30 days stay as CANCELLED so
  calendars that hold them remove them.
- A partner user's feed: its cohorts' meetings, the sessions reserved for its cohorts or
  members, and the sessions its members' contacts are booked on.

Serving a feed is one lookup by the token's hash; last_used_at is written at most once an hour.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.models import User
from network.auth.principal import Principal, PrincipalKind
from network.auth.service import hash_token
from network.config import get_settings
from network.contacts.models import Contact
from network.db import utcnow
from network.feeds.ics import CONTENT_TYPE, EventStatus, FeedEvent, calendar_name, render_feed
from network.feeds.models import CalendarFeed
from network.kit.calendar import CalendarEvent
from network.kit.enums import MeetingStatus, RsvpResponse
from network.kit.errors import NotFound, PermissionDenied
from network.meetings.emails import MeetingFacts, calendar_event
from network.meetings.models import MeetingInvitation, NetworkMeeting
from network.members.models import Member
from network.programme.models import Cohort, CohortMember
from network.training.enums import BookingStatus, TrainingSessionStatus
from network.training.ics import Person, session_uid
from network.training.models import Booking, Course, TrainingSession
from network.training.notices import organizer

__all__ = [
    "CONTENT_TYPE",
    "KEEP",
    "TOUCH_INTERVAL",
    "IssuedFeed",
    "create_feed",
    "download_feed",
    "feed_path",
    "feed_url",
    "live_feed",
    "revoke_feed",
]

TOKEN_PREFIX = "ncal_"
MAX_TOKEN_LENGTH = 200
# Past and cancelled events stay in a feed this long (calendars then drop the old ones).
KEEP = timedelta(days=30)
# A feed's last use is written at most this often: a calendar polls every few minutes.
TOUCH_INTERVAL = timedelta(hours=1)
# The bookings that put a session in its contact's calendar, and how.
SHOWN_BOOKINGS = {
    BookingStatus.CONFIRMED: EventStatus.CONFIRMED,
    BookingStatus.ATTENDED: EventStatus.CONFIRMED,
    BookingStatus.WAITLISTED: EventStatus.TENTATIVE,
}
# The bookings whose holder's feed carries the session's online link (a seat held).
SEATED = frozenset({BookingStatus.CONFIRMED, BookingStatus.ATTENDED})


@dataclass(frozen=True, slots=True)
class IssuedFeed:
    """A feed just made: its row, and its URL (holding the token), shown this once."""

    feed: CalendarFeed
    url: str


def feed_path(token: str) -> str:
    """The path a feed is served at."""
    return f"/calendar/{token}.ics"


def feed_url(token: str) -> str:
    """A feed's absolute URL under BASE_URL."""
    return get_settings().base_url.rstrip("/") + feed_path(token)


def _owner(principal: Principal) -> ColumnElement[bool]:
    """The condition naming the caller's feeds: a member contact's, or a partner user's."""
    if principal.kind is PrincipalKind.MEMBER and principal.contact_id is not None:
        return CalendarFeed.contact_id == principal.contact_id
    if principal.kind is PrincipalKind.PARTNER and principal.user_id is not None:
        return CalendarFeed.user_id == principal.user_id
    raise PermissionDenied("input", "Calendar feeds are for member contacts and partner users.")


async def live_feed(session: AsyncSession, principal: Principal) -> CalendarFeed | None:
    """The caller's live (not revoked) feed, if it has one (never its token); None for a
    caller who cannot have one."""
    try:
        owner = _owner(principal)
    except PermissionDenied:
        return None
    statement = select(CalendarFeed).where(owner, CalendarFeed.revoked_at.is_(None))
    return (await session.scalars(statement)).one_or_none()


async def _lock_owner(session: AsyncSession, principal: Principal) -> None:
    """One change of a person's feeds at a time (two clicks at once make one live feed)."""
    owner = principal.contact_id if principal.kind is PrincipalKind.MEMBER else principal.user_id
    assert owner is not None
    await session.execute(select(func.pg_advisory_xact_lock(owner.int & (2**63 - 1))))


async def _revoke_live(
    session: AsyncSession, principal: Principal, now: datetime
) -> CalendarFeed | None:
    feed = await live_feed(session, principal)
    if feed is not None:
        feed.revoked_at = now
        await session.flush()
        audit.record(session, principal, "calendar_feed.revoked", "CalendarFeed", feed.id)
    return feed


async def create_feed(session: AsyncSession, principal: Principal) -> IssuedFeed:
    """Make the caller a new feed (a member contact or a partner user), revoking its live
    one: the new URL is returned this once, the old one answers 404 from now on."""
    _owner(principal)  # the caller may have a feed
    await _lock_owner(session, principal)
    now = utcnow()
    replaced = await _revoke_live(session, principal, now)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    member = principal.kind is PrincipalKind.MEMBER
    feed = CalendarFeed(
        contact_id=principal.contact_id if member else None,
        user_id=None if member else principal.user_id,
        token_sha256=hash_token(token),
        created_at=now,
    )
    session.add(feed)
    await session.flush()
    audit.record(
        session,
        principal,
        "calendar_feed.created",
        "CalendarFeed",
        feed.id,
        {"replaced": replaced.id if replaced else None},
    )
    return IssuedFeed(feed, feed_url(token))


async def revoke_feed(session: AsyncSession, principal: Principal) -> CalendarFeed:
    """Revoke the caller's live feed (its URL answers 404 from now on); NOT_FOUND when it
    has none."""
    _owner(principal)
    await _lock_owner(session, principal)
    feed = await _revoke_live(session, principal, utcnow())
    if feed is None:
        raise NotFound("input", "live calendar feed")
    return feed


# -- serving a feed ------------------------------------------------------------------------------


async def download_feed(
    session: AsyncSession, token: str, *, now: datetime | None = None
) -> bytes | None:
    """The feed a token names, as .ics bytes; None for an unknown or revoked token, or an
    owner who may no longer sign in (the same answer). The token is the authority: the
    caller's session acts as the system. Records the feed's use at most once an hour."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = now or utcnow()
    statement = select(CalendarFeed).where(
        CalendarFeed.token_sha256 == hash_token(token), CalendarFeed.revoked_at.is_(None)
    )
    feed = (await session.scalars(statement)).one_or_none()
    if feed is None:
        return None
    if feed.contact_id is not None:
        content = await _contact_feed(session, feed.contact_id, now)
    elif feed.user_id is not None:
        content = await _partner_feed(session, feed.user_id, now)
    else:  # pragma: no cover - the table's CHECK forbids it
        content = None
    if content is not None and (
        feed.last_used_at is None or feed.last_used_at <= now - TOUCH_INTERVAL
    ):
        await session.execute(
            update(CalendarFeed)
            .where(
                CalendarFeed.id == feed.id,
                or_(
                    CalendarFeed.last_used_at.is_(None),
                    CalendarFeed.last_used_at <= now - TOUCH_INTERVAL,
                ),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    return content


def _session_event(
    training: Any, course: Any, status: EventStatus, person: Person, *, with_link: bool
) -> FeedEvent:
    """A session as its invitation shows it (network.training.ics.render_ics), sent by
    `person` (network.training.notices.organizer, read once per feed); the online link only
    `with_link` (a seat held: not for those waiting)."""
    link = training.online_url if with_link else None
    parts = [course.description, link]
    if training.status == TrainingSessionStatus.CANCELLED:
        status = EventStatus.CANCELLED
    event = CalendarEvent(
        uid=session_uid(training.id),
        sequence=training.ics_sequence,
        summary=course.title,
        starts_at=training.starts_at,
        ends_at=training.ends_at,
        time_zone=training.time_zone,
        description="\n\n".join(p for p in parts if p) or None,
        location=training.venue or link or ("Online" if training.online_url else None),
        url=link,
        organizer_email=person.email,
        organizer_name=person.name,
    )
    return FeedEvent(event, status, training.updated_at)


def _meeting_event(meeting: Any) -> FeedEvent:
    """A meeting as its invitation shows it (network.meetings.emails.calendar_event)."""
    event = calendar_event(MeetingFacts.of(meeting))
    cancelled = meeting.status == MeetingStatus.CANCELLED
    status = EventStatus.CANCELLED if cancelled else EventStatus.CONFIRMED
    if cancelled:
        event = replace(event, cancelled=True)
    return FeedEvent(event, status, meeting.updated_at)


def _meetings_shown(cutoff: datetime) -> ColumnElement[bool]:
    """Meetings ending from `cutoff` on, cancelled ones only if cancelled since."""
    return (NetworkMeeting.ends_at >= cutoff) & or_(
        NetworkMeeting.status != MeetingStatus.CANCELLED,
        NetworkMeeting.cancelled_at >= cutoff,
    )


def _in_order(events: list[FeedEvent]) -> list[FeedEvent]:
    return sorted(events, key=lambda e: (e.event.starts_at, e.event.uid))


async def _contact_feed(
    session: AsyncSession, contact_id: uuid.UUID, now: datetime
) -> bytes | None:
    contact = await session.get(Contact, contact_id)
    if contact is None or contact.archived_at is not None or contact.erased_at is not None:
        return None
    cutoff = now - KEEP
    rows = await session.execute(
        select(TrainingSession, Course, Booking.status)
        .join(Booking, Booking.session_id == TrainingSession.id)
        .join(Course, Course.id == TrainingSession.course_id)
        .where(
            Booking.contact_id == contact_id,
            TrainingSession.ends_at >= cutoff,
            or_(
                Booking.status.in_(list(SHOWN_BOOKINGS)),
                (Booking.status == BookingStatus.CANCELLED) & (Booking.cancelled_at >= cutoff),
            ),
        )
    )
    sessions: dict[uuid.UUID, FeedEvent] = {}
    person = organizer()
    for training, course, status in rows.all():
        shown = SHOWN_BOOKINGS.get(status, EventStatus.CANCELLED)
        # A live booking wins over an earlier cancelled one of the same session.
        if training.id in sessions and shown is EventStatus.CANCELLED:
            continue
        seated = status in SEATED
        sessions[training.id] = _session_event(training, course, shown, person, with_link=seated)
    meetings = await session.scalars(
        select(NetworkMeeting)
        .join(MeetingInvitation, MeetingInvitation.meeting_id == NetworkMeeting.id)
        .where(
            MeetingInvitation.contact_id == contact_id,
            or_(
                MeetingInvitation.response.is_(None),
                MeetingInvitation.response != RsvpResponse.NO,
            ),
            _meetings_shown(cutoff),
        )
    )
    events = [*sessions.values(), *(_meeting_event(m) for m in meetings)]
    return render_feed(calendar_name(contact.language), _in_order(events))


async def _partner_feed(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> bytes | None:
    user = await session.get(User, user_id)
    if user is None or not user.is_active or user.partner_id is None:
        return None
    partner_id = user.partner_id
    cutoff = now - KEEP
    cohorts = select(Cohort.id).where(Cohort.partner_id == partner_id)
    members = union(
        select(Member.id).where(Member.partner_id == partner_id),
        select(CohortMember.member_id).where(CohortMember.cohort_id.in_(cohorts)),
    )
    members_bookings = select(Booking.session_id).join(Contact, Contact.id == Booking.contact_id)
    booked = members_bookings.where(
        Contact.member_id.in_(members), Booking.status.in_(list(SHOWN_BOOKINGS))
    )
    # A cancelled session's bookings are cancelled with it: those keep it in the feed.
    called_off = members_bookings.where(
        Contact.member_id.in_(members),
        Booking.status == BookingStatus.CANCELLED,
        Booking.cancelled_at >= cutoff,
    )
    rows = await session.execute(
        select(TrainingSession, Course)
        .join(Course, Course.id == TrainingSession.course_id)
        .where(
            TrainingSession.ends_at >= cutoff,
            or_(
                TrainingSession.status != TrainingSessionStatus.CANCELLED,
                TrainingSession.cancelled_at >= cutoff,
            ),
            or_(
                TrainingSession.reserved_cohort_id.in_(cohorts),
                TrainingSession.reserved_member_id.in_(members),
                TrainingSession.id.in_(booked),
                (TrainingSession.status == TrainingSessionStatus.CANCELLED)
                & TrainingSession.id.in_(called_off),
            ),
        )
    )
    person = organizer()
    confirmed = EventStatus.CONFIRMED
    events = [_session_event(t, c, confirmed, person, with_link=True) for t, c in rows.all()]
    meetings = await session.scalars(
        select(NetworkMeeting).where(NetworkMeeting.cohort_id.in_(cohorts), _meetings_shown(cutoff))
    )
    events += [_meeting_event(m) for m in meetings]
    return render_feed(calendar_name(user.language), _in_order(events))
