"""One world for the portal's authorization tests, made through the services.

Partner A (Wales) has a cohort of two members with contacts, a member outside the cohort, an
archived contact, two upcoming meetings of the cohort, an upcoming session reserved for one of
its members with a booking, an open session with one seat (Rhys's) and Gareth waiting, and a
past session whose two attendees hold certificates. Partner B
(France) has its own member, contact, cohort, meeting and certificate. A member contact (Siân,
of partner A's member) is invited, booked and certified. Every user has PASSWORD: the member
contact, staff, partner A, partner B, and a second user of partner A who has asked for a
password reset (its link is in `reset_token`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import login_links
from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.certificates.models import Certificate
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.enums import Role
from network.meetings.models import NetworkMeeting
from network.members.models import Member
from network.messaging.models import OutboxMessage
from network.partners.models import Partner
from network.programme.models import Cohort
from network.training.models import Booking, TrainingSession
from network.usecases import contacts as contact_cases
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.meetings import schedule, upcoming
from tests.support.training import Attended, TrainingFactory

KINDS = ("anonymous", "member", "partner A", "partner B", "staff")


@dataclass
class World:
    partner_a: Partner
    partner_b: Partner
    aberdare: Member  # partner A's, in the cohort: Siân and Gareth work there
    bangor: Member  # partner A's, in the cohort: Rhys works there
    builth: Member  # partner A's, not in the cohort
    lyon: Member  # partner B's
    sian: Contact  # the member contact's own record: invited, booked, certified
    gareth: Contact  # invited, waitlisted on `full` only
    rhys: Contact  # certified with Siân
    archived: Contact  # an archived contact of Aberdare
    helene: Contact  # partner B's
    cohort: Cohort  # partner A's: Aberdare and Bangor
    cohort_b: Cohort
    meeting: NetworkMeeting  # upcoming, of partner A's cohort, every contact invited
    other_meeting: NetworkMeeting  # a second upcoming one of the same cohort
    meeting_b: NetworkMeeting
    upcoming: TrainingSession  # reserved for Aberdare; Siân is booked
    booking: Booking  # Siân's on `upcoming`
    full: TrainingSession  # open to all, one seat: Rhys holds it, Gareth waits (the register)
    waiting: Booking  # Gareth's on `full`, waitlisted
    past: TrainingSession  # Siân and Rhys attended
    mine: Certificate  # Siân's
    theirs: Certificate  # Rhys's
    foreign: Certificate  # Hélène's (partner B)
    reset_token: str  # a live password-reset link of `emails["resetter"]`
    emails: dict[str, str] = field(default_factory=dict)  # by kind of user

    def ids(self) -> dict[str, str]:
        """What the route matrix's URL templates are filled in with."""
        found = {
            f.name: str(getattr(self, f.name).id)
            for f in fields(self)
            if hasattr(getattr(self, f.name), "id")
        }
        return {**found, "reset_token": self.reset_token, "resetter": self.emails["resetter"]}

    def partner_ids(self) -> list[uuid.UUID]:
        return [self.partner_a.id, self.partner_b.id]


async def build_world(session: AsyncSession, make: Factory) -> World:
    """The world above, committed into the test's transaction."""
    train, attended = TrainingFactory(session), Attended(session, make)
    wales, france = await make.partner(), await make.partner()
    aberdare = await make.member("Aberdare Council", partner=wales)
    bangor = await make.member("Bangor Council", partner=wales)
    builth = await make.member("Builth Wells Council", partner=wales)
    lyon = await make.member("Ville de Lyon", partner=france, country="FR")
    sian = await make.contact(aberdare, first_name="Siân", last_name="Pryce", language="cy")
    gareth = await make.contact(aberdare, first_name="Gareth", last_name="Morgan")
    rhys = await make.contact(bangor, first_name="Rhys", last_name="Evans")
    archived = await make.contact(aberdare, first_name="Owain", last_name="Hughes")
    await contact_cases.archive_contact(session, SYSTEM, archived.id)
    helene = await make.contact(lyon, first_name="Hélène", last_name="Martin", language="fr")
    cohort = await make.cohort("Cymru cohort", partner=wales, members=[aberdare, bangor])
    cohort_b = await make.cohort("Cohorte France", partner=france, members=[lyon])
    meeting = await schedule(session, cohort, starts_at=upcoming(days=12), title="Map It meeting")
    other_meeting = await schedule(
        session, cohort, starts_at=upcoming(days=20), title="Focus It meeting"
    )
    meeting_b = await schedule(session, cohort_b, starts_at=upcoming(days=14), title="Réunion")

    starts = (utcnow() + timedelta(days=30)).replace(microsecond=0)
    training = await train.session_of(capacity=5, starts_at=starts, reserved_member_id=aberdare.id)
    booking = await train.book(training, sian)
    full = await train.session_of(capacity=1, starts_at=starts + timedelta(days=1))
    await train.book(full, rhys)
    waiting = await train.book(full, gareth)
    past = await attended.session_with([sian, rhys], title=f"Map It {uuid.uuid4().hex[:6]}")
    mine, theirs = sorted(
        await certificates.issue_certificates(session, SYSTEM, session_id=past.id),
        key=lambda c: c.contact_id != sian.id,
    )
    past_b = await attended.session_with([helene], title=f"Focus It {uuid.uuid4().hex[:6]}")
    (foreign,) = await certificates.issue_certificates(session, SYSTEM, session_id=past_b.id)

    users = {
        "member": await make.user(Role.MEMBER, contact=sian),
        "staff": await make.user(Role.STAFF),
        "partner A": await make.user(Role.PARTNER, partner=wales),
        "partner B": await make.user(Role.PARTNER, partner=france),
        "resetter": await make.user(Role.PARTNER, partner=wales),
    }
    # One argon2 hash (slow on purpose) serves every user: they all have PASSWORD.
    first = await auth.set_password(session, SYSTEM, users["member"].email, PASSWORD)
    for user in users.values():
        user.password_hash = first.password_hash
    await session.flush()
    resetter = users["resetter"].email
    await login_links.request_password_reset(session, resetter)
    await session.commit()
    url = await session.scalar(
        select(OutboxMessage.context["reset_url"].astext).where(
            OutboxMessage.template == "password_reset", OutboxMessage.to_email == resetter
        )
    )
    assert url is not None
    return World(
        partner_a=wales,
        partner_b=france,
        aberdare=aberdare,
        bangor=bangor,
        builth=builth,
        lyon=lyon,
        sian=sian,
        gareth=gareth,
        rhys=rhys,
        archived=archived,
        helene=helene,
        cohort=cohort,
        cohort_b=cohort_b,
        meeting=meeting,
        other_meeting=other_meeting,
        meeting_b=meeting_b,
        upcoming=training,
        booking=booking,
        full=full,
        waiting=waiting,
        past=past,
        mine=mine,
        theirs=theirs,
        foreign=foreign,
        reset_token=url.rsplit("/", 1)[1],
        emails={who: user.email for who, user in users.items()},
    )
