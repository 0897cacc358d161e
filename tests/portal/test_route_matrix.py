"""Who gets what from every portal route: anonymous, member contact, partner A and B, staff."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import login_links
from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.kit.enums import Role
from network.messaging.models import OutboxMessage
from tests.factories import Factory
from tests.portal.helpers import csrf_of, sign_in
from tests.portal.test_signin import fresh_rate_limits  # noqa: F401  # an autouse fixture

PASSWORD = "correct horse battery"
# Partners and member contacts sign in; staff stay anonymous here and are sent to sign in.
# A redirect's target is in LOCATION.
EXPECTED = {
    "anonymous": {"home": 303, "cohort": 303, "record": 303, "training": 303},
    "member": {"home": 303, "cohort": 404, "record": 404, "training": 200},
    "staff": {"home": 303, "cohort": 303, "record": 303, "training": 303},
    "partner A": {"home": 200, "cohort": 200, "record": 303, "training": 404},
    "partner B": {"home": 200, "cohort": 404, "record": 404, "training": 404},
}
LOCATION = {"member": "/portal/training", "partner A": "/portal/cohorts/"}


@pytest.mark.parametrize("who", list(EXPECTED))
async def test_every_route_for_every_kind_of_user(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, who: str
) -> None:
    partner_a, partner_b = await make.partner(), await make.partner()
    member = await make.member(partner=partner_a)
    contact = await make.contact(member)
    cohort = await make.cohort(partner=partner_a, members=[member])
    users = {
        "member": await make.user(Role.MEMBER, contact=contact),
        "staff": await make.user(Role.STAFF),
        "partner A": await make.user(Role.PARTNER, partner=partner_a),
        "partner B": await make.user(Role.PARTNER, partner=partner_b),
    }
    for user in users.values():
        await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    await session.commit()
    if who in users:
        await sign_in(client, users[who].email, PASSWORD)
    token = csrf_of((await client.get("/portal/login")).text)

    home = await client.get("/portal/")
    page = await client.get(f"/portal/cohorts/{cohort.id}")
    record = await client.post(
        f"/portal/cohorts/{cohort.id}/progress",
        data={"csrf": token, "member": str(member.id), "step": "MAP_IT", "status": "IN_PROGRESS"},
    )
    training = await client.get("/portal/training")
    got = {
        "home": home.status_code,
        "cohort": page.status_code,
        "record": record.status_code,
        "training": training.status_code,
    }
    assert got == EXPECTED[who]
    for answer in (home, page, record, training):
        if answer.status_code == 303:
            assert answer.headers["location"].startswith(LOCATION.get(who, "/portal/login"))


# The sign-in routes are public: the same answer whoever asks (a reset token is its own key).
SIGN_IN_ROUTES = {
    "login": 200,
    "forgot page": 200,
    "forgot": 303,
    "ask for link": 303,
    "reset page": 200,
    "unknown reset page": 410,
    "unknown reset": 410,
    "logout": 303,
}


@pytest.mark.parametrize("who", list(EXPECTED))
async def test_every_sign_in_route_for_every_kind_of_user(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, who: str
) -> None:
    partner_a, partner_b = await make.partner(), await make.partner()
    contact = await make.contact(await make.member(partner=partner_a))
    users = {
        "member": await make.user(Role.MEMBER, contact=contact),
        "staff": await make.user(Role.STAFF),
        "partner A": await make.user(Role.PARTNER, partner=partner_a),
        "partner B": await make.user(Role.PARTNER, partner=partner_b),
    }
    for user in users.values():
        await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    await login_links.request_password_reset(session, users["partner A"].email)
    await session.commit()
    (url,) = await session.scalars(
        select(OutboxMessage.context["reset_url"].astext).where(
            OutboxMessage.template == "password_reset",
            OutboxMessage.to_email == users["partner A"].email,
        )
    )
    reset_path = "/portal/password/reset/" + url.rsplit("/", 1)[1]
    if who in users:
        await sign_in(client, users[who].email, PASSWORD)
    token = csrf_of((await client.get("/portal/login")).text)
    email = {"csrf": token, "email": f"matrix-{uuid.uuid4().hex[:10]}@example.org"}
    passwords = {"csrf": token, "password": "long enough pw", "password_again": "long enough pw"}

    got = {
        "login": (await client.get("/portal/login")).status_code,
        "forgot page": (await client.get("/portal/password/forgot")).status_code,
        "forgot": (await client.post("/portal/password/forgot", data=email)).status_code,
        "ask for link": (await client.post("/portal/login/link", data=email)).status_code,
        "reset page": (await client.get(reset_path)).status_code,
        "unknown reset page": (await client.get("/portal/password/reset/nope")).status_code,
        "unknown reset": (
            await client.post("/portal/password/reset/nope", data=passwords)
        ).status_code,
        "logout": (await client.post("/portal/logout", data={"csrf": token})).status_code,
    }
    assert got == SIGN_IN_ROUTES
