"""The audit trail: every change records who did what to which object, with the change itself."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit.models import AuditEvent
from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.kit.enums import Role
from network.kit.ids import from_global_id
from network.members import service as members
from network.members.models import Member
from network.usecases import contacts as contact_cases
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import snapshot


@dataclass
class Actor:
    token: str
    user_id: uuid.UUID
    role: str


@dataclass
class Scene:
    ids: dict[str, str]
    raw: dict[str, uuid.UUID]
    staff: Actor
    partner: Actor


async def _actor(make: Factory, role: Role, **kw: Any) -> Actor:
    user = await make.user(role, **kw)
    token = await auth.create_token(make.session, SYSTEM, user.email)
    await make.session.commit()
    return Actor(token=token, user_id=user.id, role=role.value)


@pytest.fixture
async def scene(make: Factory) -> Scene:
    wales = await make.partner("wales")
    member = await make.member("Powys County Council", partner=wales)
    newcomer = await make.member("ADSS Cymru", partner=wales)
    contact = await make.contact(member, "sian@powys.example")
    archived = await make.contact(member, "old@powys.example")
    cohort = await make.cohort("Wales Cohort", partner=wales, members=[member])
    await contact_cases.archive_contact(make.session, SYSTEM, archived.id)
    objects = {
        "member": member,
        "newcomer": newcomer,
        "contact": contact,
        "archived": archived,
        "cohort": cohort,
    }
    return Scene(
        ids={k: gid(type(v).__name__, v) for k, v in objects.items()},
        raw={k: v.id for k, v in objects.items()},
        staff=await _actor(make, Role.STAFF),
        partner=await _actor(make, Role.PARTNER, partner=wales),
    )


def doc(name: str, input_type: str, result: str) -> str:
    return f"""mutation($input: {input_type}!) {{
      {name}(input: $input) {{ {result} {{ id }} userErrors {{ field code message }} }}
    }}"""


# (mutation, input type, payload field, input, action, entity type, entity key or None=created,
#  changes expected in the event)
CASES: list[Any] = [
    pytest.param(
        "createPartner",
        "CreatePartnerInput",
        "partner",
        lambda s: {"slug": "france", "name": "France", "countries": ["fr"]},
        "partner.created",
        "Partner",
        None,
        lambda s: {"slug": "france", "name": "France", "countries": ["FR"]},
        id="createPartner",
    ),
    pytest.param(
        "createMember",
        "CreateMemberInput",
        "member",
        lambda s: {
            "name": "Kent County Council",
            "network": "CITIZEN_POWERED_COUNCIL",
            "country": "GB",
        },
        "member.created",
        "Member",
        None,
        None,
        id="createMember",
    ),
    pytest.param(
        "updateMember",
        "UpdateMemberInput",
        "member",
        lambda s: {"id": s.ids["member"], "membershipStatus": "ACTIVE"},
        "member.updated",
        "Member",
        "member",
        lambda s: {"membership_status": "ACTIVE"},
        id="updateMember",
    ),
    pytest.param(
        "createContact",
        "CreateContactInput",
        "contact",
        lambda s: {
            "memberId": s.ids["member"],
            "email": "gareth@powys.example",
            "firstName": "Gareth",
            "lastName": "Morgan",
        },
        "contact.created",
        "Contact",
        None,
        None,
        id="createContact",
    ),
    pytest.param(
        "updateContact",
        "UpdateContactInput",
        "contact",
        lambda s: {"id": s.ids["contact"], "language": "cy"},
        "contact.updated",
        "Contact",
        "contact",
        lambda s: {"language": "cy"},
        id="updateContact",
    ),
    pytest.param(
        "archiveContact",
        "ArchiveContactInput",
        "contact",
        lambda s: {"id": s.ids["contact"]},
        "contact.archived",
        "Contact",
        "contact",
        lambda s: {},
        id="archiveContact",
    ),
    pytest.param(
        "archiveContact",
        "ArchiveContactInput",
        "contact",
        lambda s: {"id": s.ids["archived"], "archived": False},
        "contact.restored",
        "Contact",
        "archived",
        lambda s: {},
        id="restoreContact",
    ),
    pytest.param(
        "createCohort",
        "CreateCohortInput",
        "cohort",
        lambda s: {"name": "Second Cohort", "network": "CITIZEN_POWERED_COUNCIL"},
        "cohort.created",
        "Cohort",
        None,
        None,
        id="createCohort",
    ),
    pytest.param(
        "addCohortMember",
        "CohortMemberInput",
        "cohort",
        lambda s: {"cohortId": s.ids["cohort"], "memberId": s.ids["newcomer"]},
        "cohort.member_added",
        "Cohort",
        "cohort",
        lambda s: {"member_id": str(s.raw["newcomer"])},
        id="addCohortMember",
    ),
    pytest.param(
        "removeCohortMember",
        "CohortMemberInput",
        "cohort",
        lambda s: {"cohortId": s.ids["cohort"], "memberId": s.ids["member"]},
        "cohort.member_removed",
        "Cohort",
        "cohort",
        lambda s: {"member_id": str(s.raw["member"])},
        id="removeCohortMember",
    ),
    pytest.param(
        "recordStepProgress",
        "RecordStepProgressInput",
        "progress",
        lambda s: {
            "cohortId": s.ids["cohort"],
            "memberId": s.ids["member"],
            "step": "MAP_IT",
            "status": "IN_PROGRESS",
        },
        "progress.recorded",
        "Cohort",
        "cohort",
        None,
        id="recordStepProgress",
    ),
]


async def _events(session: AsyncSession, after_id: int) -> list[AuditEvent]:
    return list(
        (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.id > after_id).order_by(AuditEvent.id)
            )
        ).all()
    )


async def _last_event_id(session: AsyncSession) -> int:
    return int(
        (await session.execute(select(func.coalesce(func.max(AuditEvent.id), 0)))).scalar_one()
    )


# Staff and a partner user each run every mutation (partners may not create partners).
BY_ACTOR = [
    pytest.param(who, *case.values, id=f"{who}-{case.id}")
    for who in ("staff", "partner")
    for case in CASES
    if not (who == "partner" and case.id == "createPartner")
]


@pytest.mark.parametrize(
    (
        "who",
        "name",
        "input_type",
        "result",
        "inputs",
        "action",
        "entity_type",
        "entity_key",
        "changes",
    ),
    BY_ACTOR,
)
async def test_each_mutation_records_one_audit_event(
    gql: GraphQL,
    scene: Scene,
    session: AsyncSession,
    who: str,
    name: str,
    input_type: str,
    result: str,
    inputs: Callable[[Scene], dict[str, Any]],
    action: str,
    entity_type: str,
    entity_key: str | None,
    changes: Callable[[Scene], dict[str, Any]] | None,
) -> None:
    actor = scene.staff if who == "staff" else scene.partner
    last = await _last_event_id(session)
    response = await gql(doc(name, input_type, result), {"input": inputs(scene)}, token=actor.token)
    payload = response["data"][name]
    assert payload["userErrors"] == []
    parsed = from_global_id(payload[result]["id"])
    assert parsed is not None
    entity_id = parsed[1] if entity_key is None else scene.raw[entity_key]
    events = await _events(session, last)
    assert [
        (e.actor_user_id, e.actor_role, e.action, e.entity_type, e.entity_id) for e in events
    ] == [(actor.user_id, actor.role, action, entity_type, entity_id)]
    if changes is not None:
        assert events[0].changes == changes(scene)


async def test_progress_event_names_the_member_step_and_change(
    gql: GraphQL, scene: Scene, session: AsyncSession
) -> None:
    last = await _last_event_id(session)
    await gql(
        doc("recordStepProgress", "RecordStepProgressInput", "progress"),
        {
            "input": {
                "cohortId": scene.ids["cohort"],
                "memberId": scene.ids["member"],
                "step": "MAP_IT",
                "status": "COMPLETED",
                "completedOn": "2026-11-02",
            }
        },
        token=scene.staff.token,
    )
    (event,) = await _events(session, last)
    assert (event.entity_type, event.entity_id, event.changes) == (
        "Cohort",
        scene.raw["cohort"],
        {
            "member_id": str(scene.raw["member"]),
            "step": "MAP_IT",
            "from": "NOT_STARTED",
            "to": "COMPLETED",
            "completed_on": "2026-11-02",
        },
    )


async def test_a_mutation_with_user_errors_records_nothing(
    gql: GraphQL, scene: Scene, session: AsyncSession
) -> None:
    before = await snapshot(session)
    response = await gql(
        doc("createContact", "CreateContactInput", "contact"),
        {
            "input": {
                "memberId": scene.ids["member"],
                "email": "sian@powys.example",
                "firstName": "Dup",
                "lastName": "Licate",
            }
        },
        token=scene.staff.token,
    )
    assert [e["code"] for e in response["data"]["createContact"]["userErrors"]] == ["DUPLICATE"]
    assert await snapshot(session) == before


async def test_a_change_that_does_nothing_records_nothing(
    gql: GraphQL, scene: Scene, session: AsyncSession
) -> None:
    last = await _last_event_id(session)
    response = await gql(
        doc("updateMember", "UpdateMemberInput", "member"),
        {"input": {"id": scene.ids["member"], "name": "Powys County Council"}},
        token=scene.staff.token,
    )
    assert response["data"]["updateMember"]["userErrors"] == []
    assert await _events(session, last) == []


async def test_the_audit_event_lives_and_dies_with_the_change(
    gql: GraphQL, scene: Scene, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the service wrote the member and its event rolls back both."""
    original = members.create_member

    async def create_then_fail(*args: Any, **kwargs: Any) -> Member:
        await original(*args, **kwargs)
        raise RuntimeError("failure after the write")

    monkeypatch.setattr(members, "create_member", create_then_fail)
    before = await snapshot(session)
    response = await gql(
        doc("createMember", "CreateMemberInput", "member"),
        {
            "input": {
                "name": "Doomed Council",
                "network": "CITIZEN_POWERED_COUNCIL",
                "country": "GB",
            }
        },
        token=scene.staff.token,
    )
    assert response["data"] is None
    assert response["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert await snapshot(session) == before
