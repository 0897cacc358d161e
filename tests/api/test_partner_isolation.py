"""Partner isolation: another partner's objects look exactly like objects that do not exist.

The world: partners Alpha and Bravo, each with its own cohort, members, contacts and progress;
a member assigned to Alpha that also sits in Bravo's cohort (shared); an unassigned member in a
staff-run cohort. A Bravo token reaching for Alpha's objects must get the answer it gets for a
random id, through every query and every mutation, and change nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from network.auth.principal import SYSTEM
from network.db import PRINCIPAL
from network.kit.enums import Role, StarStep, StepStatus
from network.kit.ids import to_global_id
from network.programme import service as programme
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import snapshot


def random_id(type_name: str) -> str:
    return to_global_id(type_name, uuid.uuid4())


@dataclass
class World:
    ids: dict[str, str]
    staff: str
    alpha: str
    bravo: str
    member_user: str


@pytest.fixture(scope="module")
async def world_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One transaction for the whole module, holding the world; rolled back at the end."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        await transaction.rollback()


@pytest.fixture
async def connection(
    world_connection: AsyncConnection, world: World
) -> AsyncIterator[AsyncConnection]:
    """Each test runs in a savepoint of the module's transaction, rolled back after it."""
    savepoint = await world_connection.begin_nested()
    yield world_connection
    if savepoint.is_active:
        await savepoint.rollback()


@pytest.fixture(scope="module")
async def world(world_connection: AsyncConnection) -> World:
    """Built once per module (it takes some forty service calls), shared by every test."""
    sessions = async_sessionmaker(
        bind=world_connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
        info={PRINCIPAL: SYSTEM},  # the world is built by the system (row-level security)
    )
    async with sessions() as session:
        return await _build_world(Factory(session), session)


async def _build_world(make: Factory, session: AsyncSession) -> World:
    alpha = await make.partner("alpha", name="Alpha Partner")
    bravo = await make.partner("bravo", name="Bravo Partner")
    member_a = await make.member("Alpha Council", partner=alpha)
    peer_a = await make.member("Alpha Peer Council", partner=alpha)
    shared = await make.member("Shared Council", partner=alpha)
    member_b = await make.member("Bravo Council", partner=bravo)
    unassigned = await make.member("Unassigned Council")
    cohort_a = await make.cohort("Alpha Cohort", partner=alpha, members=[member_a, peer_a, shared])
    cohort_b = await make.cohort("Bravo Cohort", partner=bravo, members=[member_b, shared])
    cohort_s = await make.cohort("Staff Cohort", members=[unassigned])
    contact_a = await make.contact(member_a, "ann@alpha.example", first_name="Ann", last_name="A")
    colleague_a = await make.contact(
        member_a, "col@alpha.example", first_name="Col", last_name="Aa"
    )
    await make.contact(peer_a, "pam@alpha.example", first_name="Pam", last_name="Ab")
    contact_shared = await make.contact(
        shared, "sam@shared.example", first_name="Sam", last_name="S"
    )
    contact_b = await make.contact(member_b, "bob@bravo.example", first_name="Bob", last_name="B")
    contact_u = await make.contact(unassigned, "uma@u.example", first_name="Uma", last_name="U")

    async def progress(cohort: Any, member: Any) -> Any:
        return await programme.record_step_progress(
            session,
            SYSTEM,
            cohort_id=cohort.id,
            member_id=member.id,
            step=StarStep.MAP_IT,
            status=StepStatus.IN_PROGRESS,
        )

    progress_a = await progress(cohort_a, member_a)
    progress_peer = await progress(cohort_a, peer_a)
    progress_b = await progress(cohort_b, member_b)
    progress_u = await progress(cohort_s, unassigned)
    ids = {
        "alpha": gid("Partner", alpha),
        "bravo": gid("Partner", bravo),
        "member_a": gid("Member", member_a),
        "peer_a": gid("Member", peer_a),
        "shared": gid("Member", shared),
        "member_b": gid("Member", member_b),
        "unassigned": gid("Member", unassigned),
        "cohort_a": gid("Cohort", cohort_a),
        "cohort_b": gid("Cohort", cohort_b),
        "cohort_s": gid("Cohort", cohort_s),
        "contact_a": gid("Contact", contact_a),
        "colleague_a": gid("Contact", colleague_a),
        "contact_shared": gid("Contact", contact_shared),
        "contact_b": gid("Contact", contact_b),
        "contact_u": gid("Contact", contact_u),
        "progress_a": gid("StepProgress", progress_a),
        "progress_peer": gid("StepProgress", progress_peer),
        "progress_b": gid("StepProgress", progress_b),
        "progress_u": gid("StepProgress", progress_u),
    }
    return World(
        ids=ids,
        staff=await make.token(Role.STAFF),
        alpha=await make.token(Role.PARTNER, partner=alpha),
        bravo=await make.token(Role.PARTNER, partner=bravo),
        member_user=await make.token(Role.MEMBER, contact=contact_a),
    )


# ---------------------------------------------------------------- reading one object

ONE = {
    "member": "query($id: ID!) { member(id: $id) { id name } }",
    "contact": "query($id: ID!) { contact(id: $id) { id email } }",
    "cohort": "query($id: ID!) { cohort(id: $id) { id name } }",
    "node": "query($id: ID!) { node(id: $id) { id __typename } }",
}

# (query, key of Alpha's object in the world, GraphQL type of the random id)
REACH_ONE = [
    ("member", "member_a", "Member"),
    ("member", "unassigned", "Member"),
    ("contact", "contact_a", "Contact"),
    ("contact", "contact_u", "Contact"),
    ("cohort", "cohort_a", "Cohort"),
    ("cohort", "cohort_s", "Cohort"),
    ("node", "alpha", "Partner"),
    ("node", "member_a", "Member"),
    ("node", "unassigned", "Member"),
    ("node", "contact_a", "Contact"),
    ("node", "contact_u", "Contact"),
    ("node", "cohort_a", "Cohort"),
    ("node", "cohort_s", "Cohort"),
    ("node", "progress_a", "StepProgress"),
    ("node", "progress_u", "StepProgress"),
]


@pytest.mark.parametrize(("query", "key", "type_name"), REACH_ONE)
async def test_another_partners_object_reads_as_missing(
    gql: GraphQL, world: World, query: str, key: str, type_name: str
) -> None:
    theirs = await gql(ONE[query], {"id": world.ids[key]}, token=world.bravo)
    missing = await gql(ONE[query], {"id": random_id(type_name)}, token=world.bravo)
    assert theirs == missing == {"data": {query: None}}
    # Staff (and Alpha, for its own) do see it: the null above is the scope, not a broken id.
    owners = [world.staff] + ([world.alpha] if key.endswith("_a") or key == "alpha" else [])
    for token in owners:
        seen = await gql(ONE[query], {"id": world.ids[key]}, token=token)
        assert seen["data"][query]["id"] == world.ids[key]


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("member", "member_b"),
        ("member", "shared"),
        ("contact", "contact_b"),
        ("contact", "contact_shared"),
        ("cohort", "cohort_b"),
        ("node", "bravo"),
        ("node", "member_b"),
        ("node", "contact_b"),
        ("node", "cohort_b"),
        ("node", "progress_b"),
    ],
)
async def test_a_partner_reads_its_own_objects(
    gql: GraphQL, world: World, query: str, key: str
) -> None:
    result = await gql(ONE[query], {"id": world.ids[key]}, token=world.bravo)
    assert result["data"][query]["id"] == world.ids[key]


# ---------------------------------------------------------------- lists

LISTS = """
query {
  partners { totalCount edges { node { slug } } }
  members { totalCount edges { node { name } } }
  contacts { totalCount edges { node { email } } }
  cohorts { totalCount edges { node { name } } }
}"""


def _names(result: dict[str, Any]) -> dict[str, list[str]]:
    data = result["data"]
    out = {
        "partners": [e["node"]["slug"] for e in data["partners"]["edges"]],
        "members": [e["node"]["name"] for e in data["members"]["edges"]],
        "contacts": [e["node"]["email"] for e in data["contacts"]["edges"]],
        "cohorts": [e["node"]["name"] for e in data["cohorts"]["edges"]],
    }
    for name, values in out.items():
        assert data[name]["totalCount"] == len(values)
    return out


async def test_lists_exclude_other_partners_rows(gql: GraphQL, world: World) -> None:
    assert _names(await gql(LISTS, token=world.bravo)) == {
        "partners": ["bravo"],
        "members": ["Bravo Council", "Shared Council"],
        "contacts": ["bob@bravo.example", "sam@shared.example"],
        "cohorts": ["Bravo Cohort"],
    }
    assert _names(await gql(LISTS, token=world.alpha)) == {
        "partners": ["alpha"],
        "members": ["Alpha Council", "Alpha Peer Council", "Shared Council"],
        "contacts": [
            "ann@alpha.example",
            "col@alpha.example",
            "pam@alpha.example",
            "sam@shared.example",
        ],
        "cohorts": ["Alpha Cohort"],
    }


async def test_staff_see_everything(gql: GraphQL, world: World) -> None:
    assert _names(await gql(LISTS, token=world.staff)) == {
        "partners": ["alpha", "bravo"],
        "members": [
            "Alpha Council",
            "Alpha Peer Council",
            "Bravo Council",
            "Shared Council",
            "Unassigned Council",
        ],
        "contacts": [
            "ann@alpha.example",
            "col@alpha.example",
            "pam@alpha.example",
            "bob@bravo.example",
            "sam@shared.example",
            "uma@u.example",
        ],
        "cohorts": ["Alpha Cohort", "Bravo Cohort", "Staff Cohort"],
    }
    for key in ("member_a", "contact_u", "cohort_s", "progress_u", "alpha", "bravo"):
        result = await gql(ONE["node"], {"id": world.ids[key]}, token=world.staff)
        assert result["data"]["node"]["id"] == world.ids[key]


# (query, filter reaching for Alpha, the same filter naming nothing that exists)
FILTERS = [
    pytest.param(
        "members",
        lambda w: {"cohortId": w.ids["cohort_a"]},
        lambda w: {"cohortId": random_id("Cohort")},
        id="members-by-their-cohort",
    ),
    pytest.param(
        "members",
        lambda w: {"partnerId": w.ids["alpha"]},
        lambda w: {"partnerId": random_id("Partner")},
        id="members-by-their-partner-id",
    ),
    pytest.param(
        "members",
        lambda w: {"partnerSlug": "alpha"},
        lambda w: {"partnerSlug": "no-such-partner"},
        id="members-by-their-partner-slug",
    ),
    pytest.param(
        "members",
        lambda w: {"search": "Alpha"},
        lambda w: {"search": "no such text"},
        id="members-by-name",
    ),
    pytest.param(
        "contacts",
        lambda w: {"memberId": w.ids["member_a"]},
        lambda w: {"memberId": random_id("Member")},
        id="contacts-by-their-member",
    ),
    pytest.param(
        "contacts",
        lambda w: {"email": "ann@alpha.example"},
        lambda w: {"email": "nobody@nowhere.example"},
        id="contacts-by-email",
    ),
    pytest.param(
        "contacts",
        lambda w: {"search": "alpha", "includeArchived": True},
        lambda w: {"search": "no such text", "includeArchived": True},
        id="contacts-by-text",
    ),
    pytest.param(
        "cohorts",
        lambda w: {"partnerSlug": "alpha"},
        lambda w: {"partnerSlug": "no-such-partner"},
        id="cohorts-by-their-partner",
    ),
    pytest.param(
        "cohorts",
        lambda w: {"search": "Alpha"},
        lambda w: {"search": "no such text"},
        id="cohorts-by-name",
    ),
]


@pytest.mark.parametrize(("field", "theirs", "missing"), FILTERS)
async def test_filters_naming_another_partners_objects_read_as_missing(
    gql: GraphQL,
    world: World,
    field: str,
    theirs: Callable[[World], Any],
    missing: Callable[[World], Any],
) -> None:
    filter_type = {"members": "MemberFilter", "contacts": "ContactFilter"}.get(
        field, "CohortFilter"
    )
    query = f"""query($filter: {filter_type}) {{
      {field}(filter: $filter) {{ totalCount edges {{ node {{ id }} }} }}
    }}"""
    reached = await gql(query, {"filter": theirs(world)}, token=world.bravo)
    absent = await gql(query, {"filter": missing(world)}, token=world.bravo)
    assert reached == absent


async def test_nested_fields_hide_the_other_partner(gql: GraphQL, world: World) -> None:
    query = """query($id: ID!) {
      member(id: $id) {
        name partner { slug } cohorts { name }
        contacts { totalCount edges { node { email } } }
      }
    }"""
    bravo_view = await gql(query, {"id": world.ids["shared"]}, token=world.bravo)
    assert bravo_view == {
        "data": {
            "member": {
                "name": "Shared Council",
                "partner": None,
                "cohorts": [{"name": "Bravo Cohort"}],
                "contacts": {"totalCount": 1, "edges": [{"node": {"email": "sam@shared.example"}}]},
            }
        }
    }
    staff_view = await gql(query, {"id": world.ids["shared"]}, token=world.staff)
    assert staff_view["data"]["member"]["partner"] == {"slug": "alpha"}
    assert staff_view["data"]["member"]["cohorts"] == [
        {"name": "Alpha Cohort"},
        {"name": "Bravo Cohort"},
    ]
    cohort = await gql(
        """query($id: ID!) {
          cohort(id: $id) { members { name } progress { member { name } } memberCount }
        }""",
        {"id": world.ids["cohort_b"]},
        token=world.bravo,
    )
    assert cohort == {
        "data": {
            "cohort": {
                "members": [{"name": "Bravo Council"}, {"name": "Shared Council"}],
                "progress": [
                    {"member": {"name": "Bravo Council"}},
                    {"member": {"name": "Shared Council"}},
                ],
                "memberCount": 2,
            }
        }
    }


# ---------------------------------------------------------------- mutations

MUTATIONS = {
    "createMember": (
        "CreateMemberInput",
        "member { name }",
    ),
    "updateMember": ("UpdateMemberInput", "member { name }"),
    "createContact": ("CreateContactInput", "contact { email }"),
    "updateContact": ("UpdateContactInput", "contact { email }"),
    "archiveContact": ("ArchiveContactInput", "contact { email }"),
    "createCohort": ("CreateCohortInput", "cohort { name }"),
    "addCohortMember": ("CohortMemberInput", "cohort { name }"),
    "removeCohortMember": ("CohortMemberInput", "cohort { name }"),
    "recordStepProgress": ("RecordStepProgressInput", "progress { status }"),
    "createPartner": ("CreatePartnerInput", "partner { slug }"),
}


def mutation(name: str) -> str:
    input_type, fields = MUTATIONS[name]
    return f"""mutation($input: {input_type}!) {{
      {name}(input: $input) {{ {fields} userErrors {{ field code message }} }}
    }}"""


Inputs = Callable[[World], dict[str, Any]]


def new_member(slug: str) -> Inputs:
    return lambda w: {
        "name": "New Council",
        "network": "CITIZEN_POWERED_COUNCIL",
        "country": "GB",
        "partnerSlug": slug,
    }


def new_contact(member: Callable[[World], str]) -> Inputs:
    return lambda w: {
        "memberId": member(w),
        "email": "new@example.org",
        "firstName": "New",
        "lastName": "Person",
    }


def new_cohort(slug: str) -> Inputs:
    return lambda w: {
        "name": "New Cohort",
        "network": "CITIZEN_POWERED_COUNCIL",
        "partnerSlug": slug,
    }


def pair(cohort: Callable[[World], str], member: Callable[[World], str]) -> Inputs:
    return lambda w: {"cohortId": cohort(w), "memberId": member(w)}


def progress(cohort: Callable[[World], str], member: Callable[[World], str]) -> Inputs:
    return lambda w: {
        "cohortId": cohort(w),
        "memberId": member(w),
        "step": "MAP_IT",
        "status": "COMPLETED",
        "notes": "Taken over.",
    }


def key(name: str) -> Callable[[World], str]:
    return lambda w: w.ids[name]


def rand(type_name: str) -> Callable[[World], str]:
    return lambda w: random_id(type_name)


# (mutation, input reaching for another partner's object, the same input naming nothing)
REACH_MUTATIONS = [
    pytest.param("createMember", new_member("alpha"), new_member("no-such"), id="createMember"),
    pytest.param(
        "updateMember",
        lambda w: {"id": w.ids["member_a"], "name": "Renamed"},
        lambda w: {"id": random_id("Member"), "name": "Renamed"},
        id="updateMember",
    ),
    pytest.param(
        "updateMember",
        lambda w: {"id": w.ids["unassigned"], "partnerSlug": "bravo"},
        lambda w: {"id": random_id("Member"), "partnerSlug": "bravo"},
        id="updateMember-claim-unassigned",
    ),
    pytest.param(
        "updateMember",
        lambda w: {"id": w.ids["member_b"], "partnerSlug": "alpha"},
        lambda w: {"id": w.ids["member_b"], "partnerSlug": "no-such"},
        id="updateMember-give-to-other-partner",
    ),
    pytest.param(
        "createContact",
        new_contact(key("member_a")),
        new_contact(rand("Member")),
        id="createContact",
    ),
    pytest.param(
        "createContact",
        new_contact(key("unassigned")),
        new_contact(rand("Member")),
        id="createContact-unassigned",
    ),
    pytest.param(
        "updateContact",
        lambda w: {"id": w.ids["contact_a"], "email": "taken@over.example"},
        lambda w: {"id": random_id("Contact"), "email": "taken@over.example"},
        id="updateContact",
    ),
    pytest.param(
        "archiveContact",
        lambda w: {"id": w.ids["contact_a"]},
        lambda w: {"id": random_id("Contact")},
        id="archiveContact",
    ),
    pytest.param("createCohort", new_cohort("alpha"), new_cohort("no-such"), id="createCohort"),
    pytest.param(
        "addCohortMember",
        pair(key("cohort_a"), key("member_b")),
        pair(rand("Cohort"), key("member_b")),
        id="addCohortMember-their-cohort",
    ),
    pytest.param(
        "addCohortMember",
        pair(key("cohort_b"), key("member_a")),
        pair(key("cohort_b"), rand("Member")),
        id="addCohortMember-their-member",
    ),
    pytest.param(
        "addCohortMember",
        pair(key("cohort_b"), key("unassigned")),
        pair(key("cohort_b"), rand("Member")),
        id="addCohortMember-unassigned-member",
    ),
    pytest.param(
        "removeCohortMember",
        pair(key("cohort_a"), key("shared")),
        pair(rand("Cohort"), key("shared")),
        id="removeCohortMember-their-cohort",
    ),
    pytest.param(
        "removeCohortMember",
        pair(key("cohort_a"), key("member_a")),
        pair(rand("Cohort"), rand("Member")),
        id="removeCohortMember-their-cohort-and-member",
    ),
    pytest.param(
        "recordStepProgress",
        progress(key("cohort_a"), key("member_a")),
        progress(rand("Cohort"), key("member_a")),
        id="recordStepProgress-their-cohort",
    ),
    pytest.param(
        "recordStepProgress",
        progress(key("cohort_a"), key("shared")),
        progress(rand("Cohort"), key("shared")),
        id="recordStepProgress-their-cohort-shared-member",
    ),
    pytest.param(
        "recordStepProgress",
        progress(key("cohort_b"), key("member_a")),
        progress(key("cohort_b"), rand("Member")),
        id="recordStepProgress-their-member",
    ),
]


@pytest.mark.parametrize(("name", "theirs", "missing"), REACH_MUTATIONS)
async def test_mutations_on_another_partners_objects_answer_not_found_and_change_nothing(
    gql: GraphQL,
    world: World,
    session: AsyncSession,
    name: str,
    theirs: Inputs,
    missing: Inputs,
) -> None:
    before = await snapshot(session)
    reached = await gql(mutation(name), {"input": theirs(world)}, token=world.bravo)
    assert await snapshot(session) == before
    absent = await gql(mutation(name), {"input": missing(world)}, token=world.bravo)
    assert await snapshot(session) == before
    assert reached == absent
    payload = reached["data"][name]
    assert len(payload["userErrors"]) == 1
    assert payload["userErrors"][0]["code"] == "NOT_FOUND"
    assert payload[MUTATIONS[name][1].split()[0]] is None


async def test_a_partner_cannot_create_partners(
    gql: GraphQL, world: World, session: AsyncSession
) -> None:
    before = await snapshot(session)
    result = await gql(
        mutation("createPartner"),
        {"input": {"slug": "charlie", "name": "Charlie", "countries": ["FR"]}},
        token=world.bravo,
    )
    assert result == {
        "data": {
            "createPartner": {
                "partner": None,
                "userErrors": [
                    {
                        "field": "slug",
                        "code": "FORBIDDEN",
                        "message": "Only network staff may do this.",
                    }
                ],
            }
        }
    }
    assert await snapshot(session) == before


async def test_a_partner_cannot_take_a_shared_member_from_its_partner(
    gql: GraphQL, world: World, session: AsyncSession
) -> None:
    before = await snapshot(session)
    result = await gql(
        mutation("updateMember"),
        {"input": {"id": world.ids["shared"], "partnerSlug": "bravo"}},
        token=world.bravo,
    )
    assert result == {
        "data": {
            "updateMember": {
                "member": None,
                "userErrors": [
                    {
                        "field": "partnerSlug",
                        "code": "FORBIDDEN",
                        "message": "This member is assigned to another partner.",
                    }
                ],
            }
        }
    }
    assert await snapshot(session) == before


# The same mutations on Bravo's own objects succeed: the denials above are the scope at work.
OWN_MUTATIONS = [
    pytest.param("createMember", new_member("bravo"), id="createMember"),
    pytest.param(
        "updateMember", lambda w: {"id": w.ids["member_b"], "name": "Renamed"}, id="updateMember"
    ),
    pytest.param(
        "updateMember",
        lambda w: {"id": w.ids["shared"], "name": "Renamed"},
        id="updateMember-shared",
    ),
    pytest.param("createContact", new_contact(key("member_b")), id="createContact"),
    pytest.param(
        "updateContact",
        lambda w: {"id": w.ids["contact_b"], "email": "bob2@bravo.example"},
        id="updateContact",
    ),
    pytest.param("archiveContact", lambda w: {"id": w.ids["contact_b"]}, id="archiveContact"),
    pytest.param("createCohort", new_cohort("bravo"), id="createCohort"),
    pytest.param(
        "removeCohortMember", pair(key("cohort_b"), key("shared")), id="removeCohortMember"
    ),
    pytest.param(
        "recordStepProgress", progress(key("cohort_b"), key("member_b")), id="recordStepProgress"
    ),
]


@pytest.mark.parametrize(("name", "inputs"), OWN_MUTATIONS)
async def test_a_partner_changes_its_own_objects(
    gql: GraphQL, world: World, name: str, inputs: Inputs
) -> None:
    result = await gql(mutation(name), {"input": inputs(world)}, token=world.bravo)
    assert result["data"][name]["userErrors"] == []


async def test_a_partner_adds_its_own_member_to_its_cohort(gql: GraphQL, make: Factory) -> None:
    bravo = await make.partner("bravo-two")
    member = await make.member("Bravo Newcomer", partner=bravo)
    cohort = await make.cohort("Bravo Two Cohort", partner=bravo)
    token = await make.token(Role.PARTNER, partner=bravo)
    result = await gql(
        mutation("addCohortMember"),
        {"input": {"cohortId": gid("Cohort", cohort), "memberId": gid("Member", member)}},
        token=token,
    )
    assert result == {
        "data": {"addCohortMember": {"cohort": {"name": "Bravo Two Cohort"}, "userErrors": []}}
    }


# ---------------------------------------------------------------- member users


async def test_a_member_user_sees_only_its_own_member_and_contact(
    gql: GraphQL, world: World
) -> None:
    assert _names(await gql(LISTS, token=world.member_user)) == {
        "partners": [],
        "members": ["Alpha Council"],
        "contacts": ["ann@alpha.example"],
        "cohorts": ["Alpha Cohort"],
    }
    for query, key_name, type_name in [
        ("contact", "colleague_a", "Contact"),
        ("member", "peer_a", "Member"),
        ("node", "colleague_a", "Contact"),
        ("node", "peer_a", "Member"),
        ("node", "alpha", "Partner"),
        ("node", "progress_peer", "StepProgress"),
        ("node", "cohort_b", "Cohort"),
    ]:
        theirs = await gql(ONE[query], {"id": world.ids[key_name]}, token=world.member_user)
        missing = await gql(ONE[query], {"id": random_id(type_name)}, token=world.member_user)
        assert theirs == missing == {"data": {query: None}}, (query, key_name)
    own = await gql(
        """query($id: ID!) {
          member(id: $id) { name contacts { totalCount edges { node { email } } } }
        }""",
        {"id": world.ids["member_a"]},
        token=world.member_user,
    )
    assert own == {
        "data": {
            "member": {
                "name": "Alpha Council",
                "contacts": {"totalCount": 1, "edges": [{"node": {"email": "ann@alpha.example"}}]},
            }
        }
    }
    cohort = await gql(
        """query($id: ID!) { cohort(id: $id) { members { name } progress { member { name } } } }""",
        {"id": world.ids["cohort_a"]},
        token=world.member_user,
    )
    assert cohort == {
        "data": {
            "cohort": {
                "members": [{"name": "Alpha Council"}],
                "progress": [{"member": {"name": "Alpha Council"}}],
            }
        }
    }


MEMBER_USER_MUTATIONS = [
    pytest.param("createPartner", lambda w: {"slug": "x", "name": "X", "countries": []}, "slug"),
    pytest.param("createMember", new_member("alpha"), "name"),
    pytest.param("updateMember", lambda w: {"id": w.ids["member_a"], "name": "Mine"}, "id"),
    pytest.param("createContact", new_contact(key("member_a")), "memberId"),
    pytest.param("updateContact", lambda w: {"id": w.ids["contact_a"], "lastName": "Me"}, "id"),
    pytest.param("archiveContact", lambda w: {"id": w.ids["contact_a"]}, "id"),
    pytest.param("createCohort", new_cohort("alpha"), "name"),
    pytest.param("addCohortMember", pair(key("cohort_b"), key("member_a")), "cohortId"),
    pytest.param("removeCohortMember", pair(key("cohort_a"), key("member_a")), "cohortId"),
    pytest.param("recordStepProgress", progress(key("cohort_a"), key("member_a")), "cohortId"),
]


@pytest.mark.parametrize(("name", "inputs", "field"), MEMBER_USER_MUTATIONS)
async def test_a_member_user_changes_nothing_through_the_crm_mutations(
    gql: GraphQL, world: World, session: AsyncSession, name: str, inputs: Inputs, field: str
) -> None:
    before = await snapshot(session)
    result = await gql(mutation(name), {"input": inputs(world)}, token=world.member_user)
    payload = result["data"][name]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, "FORBIDDEN")]
    assert payload[MUTATIONS[name][1].split()[0]] is None
    assert await snapshot(session) == before
