"""The world of the GraphQL authorization matrix: the portal's world, an initiative, and tokens.

It reuses tests/support/world.py (partner A with a cohort, members, contacts, meetings, a
session with a booking and certificates; partner B with its own; a member user who is partner
A's contact Siân) and adds what the API's operations also need: an initiative of partner A's
member and a bearer token for each kind of caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.models import ApiToken
from network.auth.principal import SYSTEM
from network.initiatives import service as initiatives
from network.kit.enums import FourCo
from network.kit.ids import to_global_id
from network.messaging.models import OutboxMessage
from network.training.models import Booking
from tests.support.factories import Factory, gid
from tests.support.world import KINDS, World, build_world

CALLERS = KINDS  # anonymous, member, partner A, partner B, staff
NOT_THE_MEMBERS = ("gareth", "rhys", "archived", "theirs", "bangor", "builth")


@dataclass
class MatrixWorld:
    """The portal's world, the global ids the matrix's variables are filled with, and tokens."""

    world: World
    ids: dict[str, str]  # name -> global id (or another value a variable needs)
    theirs: dict[str, set[str]]  # caller -> global ids it must never be shown
    tokens: dict[str, str]  # caller -> bearer token (none for anonymous)


async def build_matrix_world(session: AsyncSession) -> MatrixWorld:
    """The world above, committed into the caller's transaction."""
    w = await build_world(session, Factory(session))
    initiative = await initiatives.create_initiative(
        session,
        SYSTEM,
        member_id=w.aberdare.id,
        title="Citizens' panel",
        four_cos=[FourCo.CO_DESIGN],
    )
    outbox = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.to_email == w.emails["resetter"])
    )
    attended = await session.scalar(
        select(Booking.id).where(Booking.session_id == w.past.id, Booking.contact_id == w.sian.id)
    )
    assert outbox is not None and attended is not None
    tokens = {who: await auth.create_token(session, SYSTEM, w.emails[who]) for who in KINDS[1:]}
    user_a = await auth.find_user(session, w.emails["partner A"])
    assert user_a is not None
    token_a = await session.scalar(select(ApiToken.id).where(ApiToken.user_id == user_a.id))
    assert token_a is not None
    await session.commit()
    a_side = {
        "partner_a": gid("Partner", w.partner_a),
        "aberdare": gid("Member", w.aberdare),
        "bangor": gid("Member", w.bangor),
        "builth": gid("Member", w.builth),
        "sian": gid("Contact", w.sian),
        "gareth": gid("Contact", w.gareth),
        "rhys": gid("Contact", w.rhys),
        "archived": gid("Contact", w.archived),
        "cohort": gid("Cohort", w.cohort),
        "meeting": gid("NetworkMeeting", w.meeting),
        "other_meeting": gid("NetworkMeeting", w.other_meeting),
        "upcoming": gid("TrainingSession", w.upcoming),
        "booking": gid("Booking", w.booking),
        "waiting": gid("Booking", w.waiting),  # Gareth's, waitlisted on the full session
        "attended": to_global_id("Booking", attended),  # Siân's, on the past session
        "mine": gid("Certificate", w.mine),
        "theirs": gid("Certificate", w.theirs),
        "initiative": gid("Initiative", initiative),
        "user_a": to_global_id("User", user_a.id),  # partner A's user, with an API token
        "token_a": to_global_id("ApiToken", token_a),
    }
    b_side = {
        "partner_b": gid("Partner", w.partner_b),
        "lyon": gid("Member", w.lyon),
        "helene": gid("Contact", w.helene),
        "cohort_b": gid("Cohort", w.cohort_b),
        "meeting_b": gid("NetworkMeeting", w.meeting_b),
        "foreign": gid("Certificate", w.foreign),
    }
    shared = {  # nobody's in particular: the catalogue, an open session, the outbox
        "past": gid("TrainingSession", w.past),
        "course": to_global_id("Course", w.upcoming.course_id),
        "outbox": to_global_id("OutboxMessage", outbox),
        "slug_a": w.partner_a.slug,
        "member_email": w.emails["member"],
        "code": w.mine.verification_code,
    }
    return MatrixWorld(
        world=w,
        ids={**a_side, **b_side, **shared},
        theirs={
            "anonymous": set(),
            # The member contact sees its own: not its colleagues, nor other members' people.
            "member": set(b_side.values()) | {a_side[k] for k in NOT_THE_MEMBERS},
            "partner A": set(b_side.values()),
            "partner B": set(a_side.values()),
            "staff": set(),
        },
        tokens=tokens,
    )
