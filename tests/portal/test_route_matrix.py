"""Who gets what from every portal route: anonymous, member contact, partner A and B, staff.

MATRIX has a row for every (method, path) the app serves under /portal (a test checks it
against the app's own routes, so a new route without a row fails the suite). Each row probes
the route with the world's objects (tests/support/world.py), all of them partner A's or its
member contact's: partner B gets 404 for them, like the wrong kind of user; staff see the
whole network (partner A's objects as partner A does, and the staff-only pages), anonymous is
sent to /portal/login. Posts carry a valid CSRF token and a valid form: the owner's (or staff's)
post changes the database, a refused one changes nothing. Posting without the token is refused
(403) and changes nothing either.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.app import create_app
from network.auth import service as auth
from network.auth.models import ApiToken, PortalSignIn, User
from network.auth.principal import SYSTEM
from network.certificates.models import Certificate
from network.config import Settings
from network.consent.models import ConsentEvent
from network.contacts.models import Contact
from network.feeds.models import CalendarFeed
from network.meetings.models import MeetingInvitation, NetworkMeeting
from network.members.models import Member
from network.messaging.models import OutboxMessage, OutboxStatus
from network.messaging.service import queue_email
from network.partners.models import Partner
from network.privacy.models import PersonalDataExport
from network.programme.models import Cohort, CohortMember, StepProgress
from network.training.models import Booking, Course, TrainingSession
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import csrf_of, sign_in
from tests.support.world import KINDS, World, build_world

LOGIN = "/portal/login"


def everyone(code: int) -> dict[str, int]:
    """A public route: the same answer whoever asks."""
    return dict.fromkeys(KINDS, code)


def signed_in(a: int = 404, b: int = 404, member: int = 404, staff: int = 404) -> dict[str, int]:
    """A signed-in page: anonymous signs in first; the others get what is given."""
    return {"anonymous": 303, "member": member, "partner A": a, "partner B": b, "staff": staff}


def staff_only(code: int = 200) -> dict[str, int]:
    """A page only staff have: partners and members get 404, anonymous signs in first."""
    return signed_in(staff=code)


@dataclass(frozen=True)
class Probe:
    """One request to a route; `url`, `goes_to`, `form` values and `shows`/`hides` texts are
    templates filled with the world's ids (see `values`)."""

    url: str
    expect: Mapping[str, int]
    form: Mapping[str, str] | None = None  # None: GET; else POST with a valid CSRF token
    goes_to: str = ""  # where the allowed users' 303 goes (a prefix)
    writes: bool = True  # a post: allowed it changes the database, refused it does not
    starts: bytes = b""  # a 200's body starts with these bytes
    shows: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> texts in a 200
    hides: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> absent texts


COHORT = "/portal/cohorts/{cohort}"
MEETING = COHORT + "/meetings/{meeting}"
SESSION = "/portal/sessions/{upcoming}"
FULL = "/portal/sessions/{full}/register"  # one seat (Rhys), Gareth waiting
PAST = "/portal/sessions/{past}/register"  # ended: Siân and Rhys attended, certified
SCHEDULE = {
    "title": "Focus It network meeting",
    "after_step": "FOCUS_IT",
    "date": (date.today() + timedelta(days=40)).isoformat(),
    "start_time": "10:00",
    "end_time": "12:00",
    "time_zone": "Europe/London",
    "venue": "Neuadd y Sir, Llandrindod",
}
PERSON = {"first_name": "Ann", "last_name": "Lee", "language": "en"}
COURSE = {
    "title": "Star for managers",
    "format": "ONE_DAY",
    "cpd_hours": "6",
    "cpd_certified": "yes",
}
NEW_SESSION = {
    **{k: SCHEDULE[k] for k in ("date", "start_time", "end_time", "time_zone", "venue")},
    "course": "{course}",
    "language": "en",
    "capacity": "12",
}
# Staff see partner A's objects as partner A does, and change them as partner A may.
PARTNER_A = signed_in(a=200, staff=200)
PARTNERS = signed_in(a=200, b=200, staff=200)
MOVED = signed_in(a=303, staff=303)
PARTNER_A_NAMES = ("Aberdare Council", "Bangor Council", "Builth Wells Council")

# In the order they are run: reading pages first, then the posts, then signing out.
MATRIX: dict[tuple[str, str], list[Probe]] = {
    ("GET", "/portal/static/portal.css"): [Probe("/portal/static/portal.css", everyone(200))],
    ("GET", "/portal/login"): [Probe(LOGIN, everyone(200))],
    ("GET", "/portal/password/forgot"): [Probe("/portal/password/forgot", everyone(200))],
    ("GET", "/portal/password/reset/{token}"): [
        Probe("/portal/password/reset/{reset_token}", everyone(200)),
        Probe("/portal/password/reset/not-a-token", everyone(410)),
    ],
    ("GET", "/portal"): [Probe("/portal", PARTNERS | {"member": 303}, goes_to="/portal/training")],
    ("GET", "/portal/"): [
        Probe(
            "/portal/",
            PARTNERS | {"member": 303},
            goes_to="/portal/training",
            shows={
                "partner A": ("Cymru cohort",),
                "partner B": ("Cohorte France",),
                "staff": ("Cymru cohort", "Cohorte France", 'name="partner"'),
            },
            hides={"partner B": ("Cymru cohort",), "partner A": ("Cohorte France",)},
        )
    ],
    ("GET", "/portal/cohorts/{cohort_id}"): [
        Probe(COHORT, PARTNER_A),
        Probe("/portal/cohorts/not-an-id", signed_in()),
    ],
    ("GET", "/portal/cohorts/{cohort_id}/members"): [Probe(COHORT + "/members", PARTNER_A)],
    ("GET", "/portal/cohorts/{cohort_id}/members/{member_id}/remove"): [
        Probe(COHORT + "/members/{bangor}/remove", PARTNER_A)
    ],
    ("GET", "/portal/cohorts/{cohort_id}/contacts.csv"): [
        Probe(COHORT + "/contacts.csv", PARTNER_A)
    ],
    ("GET", "/portal/cohorts/{cohort_id}/bookings.csv"): [
        Probe(COHORT + "/bookings.csv", PARTNER_A)
    ],
    ("GET", "/portal/cohorts/{cohort_id}/meetings/{meeting_id}"): [
        Probe(MEETING, PARTNER_A),
        Probe(COHORT + "/meetings/{meeting_b}", signed_in()),  # not of this cohort
    ],
    ("GET", "/portal/members"): [
        Probe(
            "/portal/members",
            PARTNERS,
            shows={
                "partner A": PARTNER_A_NAMES,
                "partner B": ("Ville de Lyon",),
                "staff": (*PARTNER_A_NAMES, "Ville de Lyon", 'name="partner"'),
            },
            hides={
                "partner B": (*PARTNER_A_NAMES, 'name="partner"'),
                "partner A": ("Ville de Lyon", 'name="partner"'),
            },
        )
    ],
    ("GET", "/portal/members/{member_id}"): [Probe("/portal/members/{aberdare}", PARTNER_A)],
    ("GET", "/portal/members/{member_id}/contacts/new"): [
        Probe("/portal/members/{aberdare}/contacts/new", PARTNER_A)
    ],
    ("GET", "/portal/contacts/{contact_id}/edit"): [
        Probe("/portal/contacts/{gareth}/edit", PARTNER_A)
    ],
    ("GET", "/portal/sessions"): [
        Probe(
            "/portal/sessions",
            signed_in(a=200, b=200, staff=200),
            shows={"staff": ("/portal/sessions/{upcoming}/register", "/portal/sessions/{past}")},
            hides={"partner A": ("/register",), "partner B": ("/register",)},
        )
    ],
    ("GET", "/portal/sessions/{session_id}"): [Probe(SESSION, signed_in(a=200, staff=200))],
    ("GET", "/portal/sessions/new"): [Probe("/portal/sessions/new", staff_only())],
    ("GET", "/portal/sessions/{session_id}/edit"): [Probe(SESSION + "/edit", staff_only())],
    ("GET", "/portal/sessions/{session_id}/cancel"): [Probe(SESSION + "/cancel", staff_only())],
    ("GET", "/portal/courses"): [Probe("/portal/courses", staff_only())],
    ("GET", "/portal/courses/new"): [Probe("/portal/courses/new", staff_only())],
    ("GET", "/portal/courses/{course_id}/edit"): [
        Probe("/portal/courses/{course}/edit", staff_only())
    ],
    ("GET", "/portal/sessions/{session_id}/register"): [
        Probe(FULL, staff_only(), shows={"staff": ("Gareth Morgan", "Confirm now")}),
        Probe(PAST, staff_only(), shows={"staff": ("{mine_number}", "{theirs_number}")}),
    ],
    ("GET", "/portal/sessions/{session_id}/bookings/{booking_id}/cancel"): [
        Probe(SESSION + "/bookings/{booking}/cancel", signed_in(a=200, staff=200))
    ],
    ("GET", "/portal/sessions/{session_id}/certificates.zip"): [
        Probe("/portal/sessions/{past}/certificates.zip", PARTNER_A, starts=b"PK")
    ],
    ("GET", "/portal/certificates"): [
        Probe(
            "/portal/certificates",
            PARTNERS,
            shows={
                "partner A": ("{mine_number}", "{theirs_number}"),
                "partner B": ("{foreign_number}",),
                "staff": ("{mine_number}", "{theirs_number}", "{foreign_number}"),
            },
            hides={"partner A": ("{foreign_number}",), "partner B": ("{mine_number}",)},
        )
    ],
    ("GET", "/portal/certificates/{certificate_id}.pdf"): [
        Probe(
            "/portal/certificates/{mine}.pdf",
            signed_in(a=200, member=200, staff=200),
            starts=b"%PDF",
        ),
        Probe("/portal/certificates/{theirs}.pdf", PARTNER_A, starts=b"%PDF"),
    ],
    ("GET", "/portal/training"): [
        Probe(
            "/portal/training",
            signed_in(member=200),
            shows={"member": ("{mine_number}", "Map It meeting")},
            hides={"member": ("{theirs_number}", "{foreign_number}")},
        )
    ],
    # Book training: the member contact books itself or a colleague (Gareth, at Aberdare too).
    ("GET", "/portal/training/book"): [Probe("/portal/training/book", signed_in(member=200))],
    ("GET", "/portal/training/book/{session_id}"): [
        Probe(
            "/portal/training/book/{upcoming}",
            signed_in(member=200),
            shows={"member": ("Gareth Morgan",)},
            hides={"member": ("Rhys Evans", "Owain Hughes")},
        )
    ],
    ("GET", "/portal/training/bookings/{booking_id}/cancel"): [
        Probe("/portal/training/bookings/{booking}/cancel", signed_in(member=200)),
        Probe("/portal/training/bookings/{waiting}/cancel", signed_in()),  # Gareth's own
    ],
    ("GET", "/portal/email-preferences"): [
        Probe(
            "/portal/email-preferences",
            signed_in(member=200),
            shows={"member": ("Network meeting invitations and reminders",)},
        )
    ],
    ("GET", "/portal/my-data"): [
        Probe(
            "/portal/my-data",
            signed_in(member=200),
            shows={"member": ("{member_email}", "Aberdare Council")},
        )
    ],
    ("GET", "/portal/my-data/exports/{export_id}/download/{token}"): [
        Probe("/portal/my-data/exports/{sian}/download/not-a-token", signed_in())
    ],
    # A member contact's or a partner user's own calendar feed (staff have none).
    ("GET", "/portal/calendar-feed"): [
        Probe(
            "/portal/calendar-feed",
            signed_in(a=200, b=200, member=200),
            shows={"member": ("My calendar feed",), "partner A": ("Make my calendar feed",)},
        )
    ],
    # -- staff's administration pages ----------------------------------------------------------
    ("GET", "/portal/partners"): [
        Probe("/portal/partners", staff_only(), shows={"staff": ("{partner_a_slug}",)})
    ],
    ("GET", "/portal/partners/new"): [Probe("/portal/partners/new", staff_only())],
    ("GET", "/portal/partners/{partner_id}"): [
        Probe(
            "/portal/partners/{partner_a}",
            staff_only(),
            shows={"staff": ("{partner_a_email}", "Cymru cohort")},
            hides={"staff": ("Cohorte France",)},
        ),
        Probe("/portal/partners/not-an-id", signed_in()),
    ],
    ("GET", "/portal/partners/{partner_id}/edit"): [
        Probe("/portal/partners/{partner_a}/edit", staff_only())
    ],
    ("GET", "/portal/users"): [
        Probe(
            "/portal/users?partner={partner_a_slug}",
            staff_only(),
            shows={"staff": ("{partner_a_email}", "{resetter}")},
            hides={"staff": ("{partner_b_email}",)},
        )
    ],
    ("GET", "/portal/users/invite"): [Probe("/portal/users/invite", staff_only())],
    ("GET", "/portal/users/{user_id}"): [
        Probe(
            "/portal/users/{partner_a_user}",
            staff_only(),
            shows={"staff": ("{partner_a_email}", "{token_prefix}")},
        )
    ],
    ("GET", "/portal/outbox"): [
        Probe("/portal/outbox", staff_only(), shows={"staff": ("{failed_email}",)})
    ],
    ("GET", "/portal/outbox/{message_id}"): [
        Probe(
            "/portal/outbox/{reset_message}",
            staff_only(),
            shows={"staff": ("[link withheld]",)},
            hides={"staff": ("{reset_token}",)},
        )
    ],
    ("GET", "/portal/audit/{kind}/{object_id}"): [
        Probe("/portal/audit/booking/{booking}", staff_only(), shows={"staff": ("Booking made",)}),
        Probe("/portal/audit/nothing/{booking}", signed_in()),
    ],
    # -- posts of partner A ---------------------------------------------------------------------
    ("POST", "/portal/cohorts/{cohort_id}/progress"): [
        Probe(
            COHORT + "/progress",
            MOVED,
            {"member": "{aberdare}", "step": "MAP_IT", "status": "IN_PROGRESS"},
            goes_to="/portal/cohorts/{cohort}",
        )
    ],
    ("POST", "/portal/cohorts/{cohort_id}/meetings"): [
        Probe(COHORT + "/meetings", MOVED, SCHEDULE, goes_to=COHORT + "/meetings/")
    ],
    ("POST", "/portal/cohorts/{cohort_id}/meetings/{meeting_id}/rsvp"): [
        Probe(
            MEETING + "/rsvp",
            MOVED,
            {"contact": "{gareth}", "response": "YES"},
            goes_to=MEETING,
        )
    ],
    ("POST", "/portal/cohorts/{cohort_id}/meetings/{meeting_id}/reschedule"): [
        Probe(MEETING + "/reschedule", MOVED, {**SCHEDULE, "title": "Moved"}, goes_to=MEETING)
    ],
    ("POST", "/portal/cohorts/{cohort_id}/meetings/{meeting_id}/cancel"): [
        Probe(
            COHORT + "/meetings/{other_meeting}/cancel",
            MOVED,
            {"confirm": "yes"},
            goes_to=COHORT + "/meetings/{other_meeting}",
        )
    ],
    ("POST", "/portal/cohorts/{cohort_id}/members"): [
        Probe(
            COHORT + "/members",
            MOVED,
            {"mode": "existing", "member": "{builth}"},
            goes_to=COHORT + "/members?saved=added",
        ),
        Probe(
            COHORT + "/members",
            MOVED,
            {"mode": "new", "new_name": "Llanelli Town Council", "new_country": "GB"},
            goes_to=COHORT + "/members?saved=added",
        ),
    ],
    ("POST", "/portal/cohorts/{cohort_id}/members/{member_id}/remove"): [
        Probe(
            COHORT + "/members/{bangor}/remove",
            MOVED,
            {},
            goes_to=COHORT + "/members?saved=removed",
        )
    ],
    ("POST", "/portal/members/{member_id}/contacts/new"): [
        Probe(
            "/portal/members/{aberdare}/contacts/new",
            MOVED,
            {**PERSON, "email": "ann.lee@aberdare.example"},
            goes_to="/portal/members/{aberdare}",
        )
    ],
    ("POST", "/portal/contacts/{contact_id}/edit"): [
        Probe(
            "/portal/contacts/{gareth}/edit",
            MOVED,
            {**PERSON, "email": "gareth.new@aberdare.example"},
            goes_to="/portal/members/{aberdare}",
        )
    ],
    ("POST", "/portal/contacts/{contact_id}/archive"): [
        Probe("/portal/contacts/{rhys}/archive", MOVED, {}, goes_to="/portal/members/{bangor}")
    ],
    ("POST", "/portal/contacts/{contact_id}/restore"): [
        Probe(
            "/portal/contacts/{archived}/restore", MOVED, {}, goes_to="/portal/members/{aberdare}"
        )
    ],
    ("POST", "/portal/sessions/{session_id}/book"): [
        Probe(
            SESSION + "/book", signed_in(a=303, staff=303), {"contact": "{gareth}"}, goes_to=SESSION
        )
    ],
    ("POST", "/portal/sessions/{session_id}/bookings/{booking_id}/cancel"): [
        Probe(
            SESSION + "/bookings/{booking}/cancel", signed_in(a=303, staff=303), {}, goes_to=SESSION
        )
    ],
    # -- staff's posts on a session's register (in this order) -----------------------------------
    ("POST", "/portal/sessions/{session_id}/register/book"): [
        Probe(FULL + "/book", staff_only(303), {"contact": "{sian}"}, goes_to=FULL + "?booked=")
    ],
    ("POST", "/portal/sessions/{session_id}/register/bookings/{booking_id}/confirm"): [
        Probe(
            FULL + "/bookings/{waiting}/confirm",
            staff_only(303),
            {"over_capacity": "yes"},
            goes_to=FULL + "?done=confirmed",
        )
    ],
    ("POST", "/portal/sessions/{session_id}/register/certificates/{certificate_id}/reissue"): [
        Probe(
            PAST + "/certificates/{theirs}/reissue",
            staff_only(303),
            {},
            goes_to=PAST + "?done=reissued",
        )
    ],
    ("POST", "/portal/sessions/{session_id}/register/attendance"): [
        Probe(  # Rhys corrected to no-show: his (reissued) certificate is revoked
            PAST + "/attendance",
            staff_only(303),
            {"booking": "{theirs_booking}", "action": "no_show", "reason": "Left early"},
            goes_to=PAST + "?done=attendance",
        )
    ],
    ("POST", "/portal/sessions/{session_id}/register/walk-in"): [
        Probe(PAST + "/walk-in", staff_only(303), {"contact": "{gareth}"}, goes_to=PAST + "?done=")
    ],
    ("POST", "/portal/sessions/{session_id}/register/certificates"): [
        Probe(PAST + "/certificates", staff_only(303), {}, goes_to=PAST + "?done=issued")
    ],
    ("POST", "/portal/sessions/{session_id}/register/certificates/{certificate_id}/revoke"): [
        Probe(
            PAST + "/certificates/{mine}/revoke",
            staff_only(303),
            {"reason": "Issued in error"},
            goes_to=PAST + "?done=revoked",
        )
    ],
    # -- staff's courses and sessions (the session edited, then cancelled) ---------------------
    ("POST", "/portal/courses/new"): [
        Probe("/portal/courses/new", staff_only(303), COURSE, goes_to="/portal/courses?saved=new")
    ],
    ("POST", "/portal/courses/{course_id}/edit"): [
        Probe(
            "/portal/courses/{course}/edit",
            staff_only(303),
            {**COURSE, "title": "Renamed course"},
            goes_to="/portal/courses?saved=edit",
        )
    ],
    ("POST", "/portal/sessions/new"): [
        Probe("/portal/sessions/new", staff_only(303), NEW_SESSION, goes_to="/portal/sessions/")
    ],
    ("POST", "/portal/sessions/{session_id}/edit"): [
        Probe(
            SESSION + "/edit",
            staff_only(303),
            {"venue": "County Hall, Llandrindod Wells"},
            goes_to=SESSION + "?saved=edit",
        )
    ],
    ("POST", "/portal/sessions/{session_id}/cancel"): [
        Probe(
            SESSION + "/cancel",
            staff_only(303),
            {"reason": "The trainer is unwell."},
            goes_to=SESSION + "?saved=cancelled",
        )
    ],
    # -- staff's administration posts -----------------------------------------------------------
    ("POST", "/portal/partners/new"): [
        Probe(
            "/portal/partners/new",
            staff_only(303),
            {"slug": "gwynedd-partner", "name": "Gwynedd", "countries": "GB"},
            goes_to="/portal/partners/",
        )
    ],
    ("POST", "/portal/partners/{partner_id}/edit"): [
        Probe(
            "/portal/partners/{partner_a}/edit",
            staff_only(303),
            {"name": "Partner A, renamed", "countries": "GB, IE"},
            goes_to="/portal/partners/{partner_a}?saved=1",
        )
    ],
    ("POST", "/portal/users/invite"): [
        Probe(
            "/portal/users/invite",
            staff_only(303),
            {
                "role": "PARTNER",
                "partner": "{partner_a_slug}",
                "name": "Nia Jones",
                "email": "nia.jones@partner-a.example",
                "language": "cy",
            },
            goes_to="/portal/users/",
        )
    ],
    ("POST", "/portal/users/{user_id}/password-reset"): [
        Probe(
            "/portal/users/{partner_a_user}/password-reset",
            staff_only(303),
            {},
            goes_to="/portal/users/{partner_a_user}?saved=reset",
        )
    ],
    ("POST", "/portal/users/{user_id}/sessions/end"): [
        Probe(
            "/portal/users/{partner_a_user}/sessions/end",
            staff_only(303),
            {},
            goes_to="/portal/users/{partner_a_user}?ended=1",
        )
    ],
    ("POST", "/portal/users/{user_id}/tokens/{token_id}/revoke"): [
        Probe(
            "/portal/users/{partner_a_user}/tokens/{token}/revoke",
            staff_only(303),
            {},
            goes_to="/portal/users/{partner_a_user}?saved=revoked",
        )
    ],
    ("POST", "/portal/outbox/{message_id}/retry"): [
        Probe(
            "/portal/outbox/{failed}/retry",
            staff_only(303),
            {},
            goes_to="/portal/outbox/{failed}?saved=retried",
        )
    ],
    # -- the member contact's post --------------------------------------------------------------
    ("POST", "/portal/training/meetings/{meeting_id}/rsvp"): [
        Probe(
            "/portal/training/meetings/{meeting}/rsvp",
            signed_in(member=303),
            {"response": "NO"},
            goes_to="/portal/training?answered=1",
        ),
        Probe(  # partner B's meeting: Siân is not invited
            "/portal/training/meetings/{meeting_b}/rsvp", signed_in(), {"response": "NO"}
        ),
    ],
    ("POST", "/portal/training/book/{session_id}"): [
        Probe(
            "/portal/training/book/{upcoming}",
            signed_in(member=303),
            {"contact": "{gareth}"},
            goes_to="/portal/training/book/{upcoming}?booked=",
        ),
    ],
    ("POST", "/portal/training/bookings/{booking_id}/cancel"): [
        Probe(  # Gareth's own booking, not one Siân made: not hers to cancel
            "/portal/training/bookings/{waiting}/cancel", signed_in(), {}
        ),
        Probe(
            "/portal/training/bookings/{booking}/cancel",
            signed_in(member=303),
            {},
            goes_to="/portal/training?cancelled=1",
        ),
    ],
    ("POST", "/portal/email-preferences"): [
        Probe(
            "/portal/email-preferences",
            signed_in(member=303),
            {"purpose": "NETWORK_NEWS", "given": "no"},
            goes_to="/portal/email-preferences?saved=1",
        )
    ],
    ("POST", "/portal/my-data/export"): [
        Probe(
            "/portal/my-data/export", signed_in(member=303), {}, goes_to="/portal/my-data?asked=1"
        )
    ],
    ("POST", "/portal/calendar-feed"): [
        Probe(
            "/portal/calendar-feed",
            signed_in(a=200, b=200, member=200),
            {},
            shows={"member": ("/calendar/ncal_",), "partner A": ("/calendar/ncal_",)},
        )
    ],
    ("POST", "/portal/calendar-feed/revoke"): [
        Probe(
            "/portal/calendar-feed/revoke",
            signed_in(a=303, b=303, member=303),
            {},
            goes_to="/portal/calendar-feed?revoked=1",
        )
    ],
    # -- public posts ---------------------------------------------------------------------------
    ("POST", "/portal/login"): [
        Probe(LOGIN, everyone(401), {"email": "{resetter}", "password": "wrong"}, writes=False)
    ],
    ("POST", "/portal/password/forgot"): [
        Probe(
            "/portal/password/forgot",
            everyone(303),
            {"email": "{member_email}"},
            goes_to="/portal/password/forgot?sent=1",
            writes=False,  # it owes a job, which writes (tests/portal/test_signin_asks.py)
        )
    ],
    ("POST", "/portal/login/link"): [
        Probe(
            "/portal/login/link",
            everyone(303),
            {"email": "{member_email}"},
            goes_to="/portal/login?link_sent=1",
            writes=False,  # it owes a job, which writes (tests/portal/test_signin_asks.py)
        )
    ],
    ("POST", "/portal/password/reset/{token}"): [
        Probe(
            "/portal/password/reset/not-a-token",
            everyone(410),
            {"password": "long enough pw", "password_again": "long enough pw"},
            writes=False,
        ),
        # Signs the client in as the resetter (a partner A user), so it comes last but one.
        Probe(
            "/portal/password/reset/{reset_token}",
            everyone(303),
            {"password": "long enough pw", "password_again": "long enough pw"},
            goes_to="/portal/",
        ),
    ],
    ("POST", "/portal/logout"): [
        Probe("/portal/logout", everyone(303), {}, goes_to=LOGIN, writes=False)
    ],
}


def served(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app serves under /portal, read from its routes (routers
    included in routers too)."""

    def walk(routes: Any, prefix: str) -> Iterator[tuple[str, str]]:
        for route in routes:
            inner = getattr(route, "original_router", None)  # FastAPI's included routers
            if inner is not None:
                yield from walk(inner.routes, prefix + route.include_context.prefix)
            else:
                for method in getattr(route, "methods", None) or ():
                    yield method, prefix + route.path

    return {(m, p) for m, p in walk(app.routes, "") if p.startswith("/portal") and m != "HEAD"}


def test_the_matrix_has_a_row_for_every_portal_route(settings: Settings) -> None:
    routes = served(create_app(settings))
    assert len(routes) > 30  # the walk found the portal's router
    assert set(MATRIX) == routes
    for (method, path), probes in MATRIX.items():
        for probe in probes:
            assert set(probe.expect) == set(KINDS), path
            assert (probe.form is None) is (method == "GET"), path


def all_probes() -> Iterator[Probe]:
    """The matrix's probes in the order they are run."""
    for probes in MATRIX.values():
        yield from probes


def test_a_new_portal_route_without_a_row_is_noticed(settings: Settings) -> None:
    app = create_app(settings)
    extra = APIRouter(prefix="/portal")

    @extra.post("/cohorts/{cohort_id}/archive")
    async def archive(cohort_id: str) -> None:  # pragma: no cover - never called
        raise AssertionError(cohort_id)

    app.include_router(extra)
    assert served(app) - set(MATRIX) == {("POST", "/portal/cohorts/{cohort_id}/archive")}


def is_public(probe: Probe) -> bool:
    """The same answer whoever asks."""
    return len(set(probe.expect.values())) == 1


def allowed(probe: Probe, who: str) -> bool:
    """Whether `who` may use the route as probed (a public one: anybody, if it succeeds)."""
    code = probe.expect[who]
    sent_to_sign_in = code == 303 and not is_public(probe) and who == "anonymous"
    return code in (200, 303) and not sent_to_sign_in


def values(world: World) -> dict[str, str]:
    return {
        **world.ids(),
        "member_email": world.emails["member"],
        "mine_number": world.mine.number,
        "foreign_number": world.foreign.number,
        "theirs_number": world.theirs.number,
        "course": str(world.upcoming.course_id),
        "theirs_booking": str(world.theirs.booking_id),
    }


async def admin_values(session: AsyncSession, world: World) -> dict[str, str]:
    """What the staff's administration rows are filled in with, made for them: partner A's
    user with an API token and a live portal session, and a FAILED outbox message."""
    user = await auth.find_user(session, world.emails["partner A"])
    assert user is not None
    await auth.create_token(session, SYSTEM, user.email)
    (token,) = (await session.scalars(select(ApiToken).where(ApiToken.user_id == user.id))).all()
    await auth.start_portal_session(session, user)
    failed_email = f"bounced-{uuid.uuid4().hex[:8]}@aberdare.example"
    await queue_email(
        session,
        template="notice",
        to_email=failed_email,
        language="en",
        context={"recipient_name": "Bounced", "title": "A notice", "paragraphs": ["Hello"]},
        dedup_key=f"matrix-failed:{failed_email}",
    )
    failed = await session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_email == failed_email)
    )
    assert failed is not None
    failed.status = OutboxStatus.FAILED
    failed.last_error = "550 mailbox unavailable"
    reset_message = await session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.template == "password_reset",
            OutboxMessage.to_email == world.emails["resetter"],
        )
    )
    await session.commit()
    return {
        "partner_a_slug": world.partner_a.slug,
        "partner_a_email": user.email,
        "partner_b_email": world.emails["partner B"],
        "partner_a_user": str(user.id),
        "token": str(token.id),
        "token_prefix": token.prefix or "",
        "failed": str(failed.id),
        "failed_email": failed_email,
        "reset_message": str(reset_message),
    }


async def snapshot(session: AsyncSession, world: World) -> dict[str, list[tuple[Any, ...]]]:
    """What the portal's posts could change for the world's partners and users, read now."""
    partners = world.partner_ids()
    members = select(Member.id).where(Member.partner_id.in_(partners))
    cohorts = select(Cohort.id).where(Cohort.partner_id.in_(partners))
    contacts = select(Contact.id).where(Contact.member_id.in_(members))
    meetings = select(NetworkMeeting.id).where(NetworkMeeting.cohort_id.in_(cohorts))
    emails = select(Contact.email).where(Contact.id.in_(contacts))
    emails_of_users = list(world.emails.values())
    queries = {
        "members": select(Member.id, Member.name, Member.partner_id).where(
            Member.partner_id.in_(partners)
        ),
        "contacts": select(
            Contact.id, Contact.email, Contact.first_name, Contact.last_name, Contact.archived_at
        ).where(Contact.member_id.in_(members)),
        "cohort members": select(CohortMember.cohort_id, CohortMember.member_id).where(
            CohortMember.cohort_id.in_(cohorts)
        ),
        "progress": select(StepProgress.member_id, StepProgress.step, StepProgress.status).where(
            StepProgress.cohort_id.in_(cohorts)
        ),
        "meetings": select(
            NetworkMeeting.id,
            NetworkMeeting.title,
            NetworkMeeting.status,
            NetworkMeeting.sequence,
            NetworkMeeting.starts_at,
        ).where(NetworkMeeting.cohort_id.in_(cohorts)),
        "invitations": select(
            MeetingInvitation.meeting_id, MeetingInvitation.contact_id, MeetingInvitation.response
        ).where(MeetingInvitation.meeting_id.in_(meetings)),
        "bookings": select(Booking.id, Booking.contact_id, Booking.status).where(
            Booking.contact_id.in_(contacts)
        ),
        "certificates": select(Certificate.id, Certificate.status).where(
            Certificate.contact_id.in_(contacts)
        ),
        # Staff's catalogue and schedule (the test's own transaction holds only the world's).
        "courses": select(Course.id, Course.title),
        "sessions": select(TrainingSession.id, TrainingSession.venue, TrainingSession.status),
        "users": select(User.email, User.password_hash).where(User.email.in_(emails_of_users)),
        # Staff's administration: partners, users invited, API tokens, outbox retries.
        "partners": select(Partner.slug, Partner.name, Partner.countries),
        "all users": select(User.email, User.role, User.partner_id),
        "tokens": select(ApiToken.id, ApiToken.revoked_at),
        "outbox statuses": select(OutboxMessage.id, OutboxMessage.status),
        "sign-ins": select(PortalSignIn.id, PortalSignIn.revoked_at).where(
            PortalSignIn.user_id.in_(select(User.id).where(User.email.in_(emails_of_users)))
        ),
        "consents": select(ConsentEvent.contact_id, ConsentEvent.purpose, ConsentEvent.given).where(
            ConsentEvent.contact_id.in_(contacts)
        ),
        "exports": select(
            PersonalDataExport.contact_id, PersonalDataExport.requested_by_user_id
        ).where(PersonalDataExport.contact_id.in_(contacts)),
        "calendar feeds": select(
            CalendarFeed.id, CalendarFeed.contact_id, CalendarFeed.user_id, CalendarFeed.revoked_at
        ).where(
            or_(
                CalendarFeed.contact_id.in_(contacts),
                CalendarFeed.user_id.in_(select(User.id).where(User.email.in_(emails_of_users))),
            )
        ),
        "outbox": select(OutboxMessage.template, OutboxMessage.to_email).where(
            or_(
                OutboxMessage.to_email.in_(emails_of_users),
                OutboxMessage.to_email.in_(emails),
            )
        ),
    }
    found = {}
    for name, query in queries.items():
        rows = (await session.execute(query)).all()
        found[name] = sorted((tuple(row) for row in rows), key=repr)
    return found


async def as_kind(client: httpx.AsyncClient, world: World, who: str) -> None:
    """Sign in as `who` (staff too: the portal is theirs as well)."""
    if who == "anonymous":
        return
    answer = await sign_in(client, world.emails[who], PASSWORD)
    assert answer.status_code == 303, answer.text


@pytest.mark.parametrize("who", KINDS)
async def test_every_route_for_every_kind_of_user(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, who: str
) -> None:
    world = await build_world(session, make)
    fill = {**values(world), **await admin_values(session, world)}
    await as_kind(client, world, who)
    token = csrf_of((await client.get(LOGIN)).text)
    got: dict[str, int] = {}
    wanted: dict[str, int] = {}
    for probe in all_probes():
        url = probe.url.format(**fill)
        if probe.form is None:
            before = None
            answer = await client.get(url)
        else:
            before = await snapshot(session, world)
            form = {k: v.format(**fill) for k, v in probe.form.items()}
            answer = await client.post(url, data={**form, "csrf": token})
            if "portal_session=" in answer.headers.get("set-cookie", ""):
                token = csrf_of((await client.get(LOGIN)).text)  # a new session
        name = f"{answer.request.method} {url}"
        got[name], wanted[name] = answer.status_code, probe.expect[who]
        if answer.status_code != probe.expect[who]:
            continue  # all the wrong codes are reported at once, below
        if answer.status_code == 303:
            where = answer.headers["location"]
            if allowed(probe, who):
                assert where.startswith(probe.goes_to.format(**fill)), (name, where)
            else:
                assert where == LOGIN, (name, where)
        if answer.status_code == 200:
            assert answer.content.startswith(probe.starts), name
        for text in probe.shows.get(who, ()):
            assert text.format(**fill) in answer.text, (name, text)
        for text in probe.hides.get(who, ()):
            assert text.format(**fill) not in answer.text, (name, text)
        if before is not None and probe.writes:
            after = await snapshot(session, world)
            if allowed(probe, who):
                assert after != before, f"{name}: the owner's post changed nothing"
            else:
                assert after == before, f"{name}: a refused post changed something"
    assert got == wanted


@pytest.mark.parametrize("who", ["partner A", "member", "anonymous", "staff"])
async def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, who: str
) -> None:
    """Every post open to the user (the public ones too), without its token or with a wrong
    one."""
    world = await build_world(session, make)
    fill = {**values(world), **await admin_values(session, world)}
    await as_kind(client, world, who)
    await client.get(LOGIN)  # the session has a token; it is not sent
    posts = 0
    for probe in all_probes():
        if probe.form is None or not allowed(probe, who):
            continue
        url = probe.url.format(**fill)
        form = {k: v.format(**fill) for k, v in probe.form.items()}
        before = await snapshot(session, world)
        for sent in (form, {**form, "csrf": "wrong"}):
            answer = await client.post(url, data=sent)
            assert answer.status_code == 403, url
        assert await snapshot(session, world) == before, url
        posts += 1
    assert posts == {"partner A": 20, "member": 11, "anonymous": 4, "staff": 37}[who]
    if who != "anonymous":  # still signed in: the sign-out was refused too
        home = "/portal/training" if who == "member" else "/portal/"
        assert (await client.get(home)).status_code == 200
    # The password-reset link was not used up.
    assert (await client.get(f"/portal/password/reset/{world.reset_token}")).status_code == 200
