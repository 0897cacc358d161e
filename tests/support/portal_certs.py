"""Certificates for the portal's tests: a scene of two partners' certificates and its users."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.principal import SYSTEM, Principal
from network.certificates import service as certificates
from network.certificates.models import Certificate
from network.contacts.models import Contact
from network.kit.enums import Role
from network.members.models import Member
from network.partners.models import Partner
from network.training.models import TrainingSession
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import sign_in
from tests.support.training import Attended


@dataclass
class Scene:
    """Partner A's members Anglesey and Powys, with a session whose two attendees (Gwen at
    Anglesey, Siân at Powys) have certificates; partner B's member with one certificate."""

    partner_a: Partner
    anglesey: Member
    powys: Member
    holder: Contact
    colleague: Contact
    held: TrainingSession
    other_held: TrainingSession
    mine: Certificate  # the holder's
    theirs: Certificate  # the colleague's
    foreign: Certificate  # partner B's contact's
    emails: dict[str, str]


async def certificate_scene(session: AsyncSession, make: Factory) -> Scene:
    """The scene above, committed, with users who have PASSWORD for every kind of user."""
    partner_a, partner_b = await make.partner(), await make.partner()
    anglesey = await make.member("Isle of Anglesey County Council", partner=partner_a)
    powys = await make.member("Powys County Council", partner=partner_a)
    strasbourg = await make.member("INET Strasbourg", partner=partner_b)
    holder = await make.contact(anglesey, first_name="Gwenllian", last_name="Ellis")
    colleague = await make.contact(powys, first_name="Siân", last_name="Pryce")
    stranger = await make.contact(strasbourg, first_name="Camille", last_name="Durand")
    attended = Attended(session, make)
    held = await attended.session_with(
        [holder, colleague], title=f"Outcome-Based Commissioning {uuid.uuid4().hex[:6]}"
    )
    mine, theirs = sorted(
        await certificates.issue_certificates(session, SYSTEM, session_id=held.id),
        key=lambda c: c.contact_id != holder.id,
    )
    other_held = await attended.session_with(
        [stranger], title=f"Map It {uuid.uuid4().hex[:6]}", cpd_hours=3
    )
    (foreign,) = await certificates.issue_certificates(session, SYSTEM, session_id=other_held.id)
    users = {
        "member": await make.user(Role.MEMBER, contact=holder),
        "staff": await make.user(Role.STAFF),
        "partner A": await make.user(Role.PARTNER, partner=partner_a),
        "partner B": await make.user(Role.PARTNER, partner=partner_b),
    }
    for user in users.values():
        await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    await session.commit()
    emails = {who: user.email for who, user in users.items()}
    return Scene(
        partner_a,
        anglesey,
        powys,
        holder,
        colleague,
        held,
        other_held,
        mine,
        theirs,
        foreign,
        emails,
    )


async def as_user(client: httpx.AsyncClient, scene: Scene, who: str) -> None:
    """Sign the client in as one of the scene's users (anonymous: signed out)."""
    client.cookies.clear()
    if who in scene.emails and who != "staff":
        answer = await sign_in(client, scene.emails[who], PASSWORD)
        assert answer.status_code == 303, answer.text
    elif who == "staff":  # staff are not portal users: the sign-in is refused
        answer = await sign_in(client, scene.emails[who], PASSWORD)
        assert answer.status_code != 303


async def principal_of(session: AsyncSession, email: str) -> Principal:
    """The principal a scene's user signs in as."""
    user = await auth.find_user(session, email)
    assert user is not None
    return auth.principal_for(user)
