"""Who gets what from every portal route: anonymous, member contact, partner A and B, staff."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.kit.enums import Role
from tests.factories import Factory
from tests.portal.helpers import csrf_of, sign_in

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
