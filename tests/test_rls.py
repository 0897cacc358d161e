"""Row-level security, the second layer: with the Python scope switched off, PostgreSQL still
shows each caller only its own part of the network (migration 0008, network/db.py).

The test's own session acts as the system; each request's session acts for its caller, and
only the role switch (SET LOCAL ROLE network_app) makes the policies bind it, since the tests
connect as a superuser.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select, text, true, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth.principal import Principal, PrincipalKind
from network.contacts import service as contacts_service
from network.contacts.models import Contact
from network.db import APP_ROLE, act_as
from network.kit.enums import Role
from network.members import service as members_service
from network.members.models import Member
from network.programme import service as programme_service
from network.programme.models import Cohort
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid

LISTS = """{
  members(first: 50) { edges { node { name contacts(first: 50) { edges { node { email } } } } } }
  contacts(first: 50) { edges { node { email } } }
  cohorts(first: 50) { edges { node { name } } }
}"""

# What the Python scope is made of: every readable() is built on these.
SEE_ALL: dict[str, Callable[..., Any]] = {
    "member_condition": lambda principal, column: true(),
    "cohort_condition": lambda principal, column: true(),
    "contact_condition": lambda principal: true(),
    "visible_member_ids": lambda principal: None,
    "visible_cohort_ids": lambda principal: None,
    "visible_meeting_ids": lambda principal: None,
    "session_condition": lambda principal: true(),
    "booking_condition": lambda principal: true(),
}


@pytest.fixture
def no_python_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Python scope switched off: each scope function, wherever it was imported, and the
    readable() of members, contacts and cohorts answer every row to everyone."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("network.") or module is None:
            continue
        for function, replacement in SEE_ALL.items():
            if callable(getattr(module, function, None)):
                monkeypatch.setattr(module, function, replacement)
    monkeypatch.setattr(members_service, "readable", lambda p: select(*Member.__table__.c))
    monkeypatch.setattr(contacts_service, "readable", lambda p: select(*Contact.__table__.c))
    monkeypatch.setattr(programme_service, "readable", lambda p: select(*Cohort.__table__.c))


@dataclass
class World:
    staff: str
    alpha: str
    bravo: str
    member_user: str
    alpha_principal: Principal


@pytest.fixture
async def world(make: Factory, session: AsyncSession) -> World:
    """Partners Alpha and Bravo, each with a member, its contacts and a cohort."""
    alpha = await make.partner("alpha")
    bravo = await make.partner("bravo")
    alpha_member = await make.member("Alpha Council", partner=alpha)
    bravo_member = await make.member("Bravo Council", partner=bravo)
    alpha_contact = await make.contact(alpha_member, "ann@alpha.example")
    await make.contact(alpha_member, "ali@alpha.example")
    await make.contact(bravo_member, "bob@bravo.example")
    await make.cohort("Alpha Cohort", partner=alpha, members=[alpha_member])
    await make.cohort("Bravo Cohort", partner=bravo, members=[bravo_member])
    return World(
        staff=await make.token(Role.STAFF),
        alpha=await make.token(Role.PARTNER, partner=alpha),
        bravo=await make.token(Role.PARTNER, partner=bravo),
        member_user=await make.token(Role.MEMBER, contact=alpha_contact),
        alpha_principal=Principal(PrincipalKind.PARTNER, partner_id=alpha.id),
    )


def _seen(data: dict[str, Any]) -> dict[str, set[str]]:
    members = [edge["node"] for edge in data["members"]["edges"]]
    return {
        "members": {m["name"] for m in members},
        "member_contacts": {c["node"]["email"] for m in members for c in m["contacts"]["edges"]},
        "contacts": {edge["node"]["email"] for edge in data["contacts"]["edges"]},
        "cohorts": {edge["node"]["name"] for edge in data["cohorts"]["edges"]},
    }


EVERYTHING = {
    "members": {"Alpha Council", "Bravo Council"},
    "member_contacts": {"ann@alpha.example", "ali@alpha.example", "bob@bravo.example"},
    "contacts": {"ann@alpha.example", "ali@alpha.example", "bob@bravo.example"},
    "cohorts": {"Alpha Cohort", "Bravo Cohort"},
}


async def test_the_switched_off_scope_lets_every_row_through_in_python(
    no_python_scope: None, world: World, session: AsyncSession
) -> None:
    """The control: without the policies (the system sees all), the patched scope hides nothing,
    so whatever the tests below do not see, PostgreSQL hid."""
    rows = await session.execute(members_service.readable(world.alpha_principal))
    assert {row.name for row in rows} >= {"Alpha Council", "Bravo Council"}


async def test_a_partner_sees_nothing_of_another_partner_without_the_python_scope(
    no_python_scope: None, world: World, gql: GraphQL
) -> None:
    for token, own in ((world.alpha, "alpha"), (world.bravo, "bravo")):
        result = await gql(LISTS, token=token)
        assert "errors" not in result, result
        seen = _seen(result["data"])
        assert seen["members"] == {f"{own.title()} Council"}
        assert seen["cohorts"] == {f"{own.title()} Cohort"}
        assert seen["contacts"] == seen["member_contacts"]
        assert seen["contacts"] and all(e.endswith(f"@{own}.example") for e in seen["contacts"])


async def test_another_partners_object_by_id_is_null_without_the_python_scope(
    no_python_scope: None, world: World, gql: GraphQL, session: AsyncSession
) -> None:
    bravo_member = await session.execute(select(Member).where(Member.name == "Bravo Council"))
    member = bravo_member.scalar_one()
    query = "query($id: ID!) { node(id: $id) { id } member(id: $id) { name } }"
    result = await gql(query, {"id": gid("Member", member)}, token=world.alpha)
    assert result["data"] == {"node": None, "member": None}, result
    result = await gql(query, {"id": gid("Member", member)}, token=world.bravo)
    assert result["data"]["member"] == {"name": "Bravo Council"}


async def test_a_member_contact_sees_only_its_own_organisation_without_the_python_scope(
    no_python_scope: None, world: World, gql: GraphQL
) -> None:
    result = await gql(LISTS, token=world.member_user)
    assert "errors" not in result, result
    assert _seen(result["data"]) == {
        "members": {"Alpha Council"},
        # Its organisation's contacts (migration 0014: a member contact books its colleagues);
        # the Python scope narrows the contacts it is shown to its own.
        "member_contacts": {"ann@alpha.example", "ali@alpha.example"},
        "contacts": {"ann@alpha.example", "ali@alpha.example"},
        "cohorts": {"Alpha Cohort"},
    }


async def test_staff_see_everything(no_python_scope: None, world: World, gql: GraphQL) -> None:
    result = await gql(LISTS, token=world.staff)
    assert "errors" not in result, result
    assert _seen(result["data"]) == EVERYTHING


async def test_a_session_without_a_principal_sees_nothing(
    world: World, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await session.commit()
    assert (await session.scalar(select(Member.id).limit(1))) is not None  # as the system
    async with session_factory() as nobody:
        assert await nobody.scalar(text("SELECT current_user")) == APP_ROLE
        for table in ("members", "contacts", "cohorts", "cohort_members", "step_progress"):
            assert await nobody.scalar(text(f"SELECT count(*) FROM {table}")) == 0, table
        bypass = "SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user"
        assert await nobody.scalar(text(bypass)) is False


async def test_a_partner_session_cannot_change_another_partners_rows(
    world: World, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await session.commit()
    bravo_member = await session.scalar(select(Member.id).where(Member.name == "Bravo Council"))
    async with session_factory() as alpha:
        await act_as(alpha, world.alpha_principal)
        changed = await alpha.execute(
            update(Member).where(Member.id == bravo_member).values(name="Taken")
        )
        assert changed.rowcount == 0  # type: ignore[attr-defined]
        alpha.add(
            Contact(
                member_id=bravo_member,
                email="spy@alpha.example",
                first_name="S",
                last_name="Py",
                language="en",
            )
        )
        with pytest.raises(DBAPIError, match="row-level security"):
            await alpha.flush()
    assert await session.scalar(select(Member.name).where(Member.id == bravo_member)) == (
        "Bravo Council"
    )
