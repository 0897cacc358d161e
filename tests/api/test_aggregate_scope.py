"""Every count the API answers is scoped exactly like the list it counts: a caller who is shown
N items is told N, though more exist outside what it may see.

The world is the authorization matrix's (partner A's cohort and meetings, partner B's, a member
contact Siân), plus a meeting already held whose invitee's member has since left the cohort:
that invitee, its answer and its reminders stay on the meeting, outside partner A's view.
Staff see everything; their counts show what the others' leave out.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import SYSTEM
from network.db import utcnow
from network.kit.enums import RsvpResponse
from network.meetings import service as meetings
from network.meetings.models import NetworkMeeting
from network.usecases import cohorts as cohort_cases
from tests.support.app import GraphQL
from tests.support.factories import Factory
from tests.support.matrix_world import MatrixWorld, build_matrix_world
from tests.support.meetings import schedule, upcoming

SCOPED = ("member", "partner A", "partner B")
LISTS = (
    "members",
    "contacts",
    "cohorts",
    "networkMeetings",
    "trainingSessions",
    "bookings",
    "certificates",
    "initiatives",
    "courses",
    "partners",
)
# Lists that hold something each scoped caller may not see (the others are catalogues).
HIDING = ("members", "contacts", "cohorts", "networkMeetings", "bookings", "certificates")

MEETINGS = """{
  networkMeetings(first: 10) { edges { node {
    id
    invitations(first: 20) {
      totalCount edges { node { id response reminders { status } } }
    }
    yes: invitations(first: 20, response: YES) { totalCount edges { node { id } } }
    responseCounts { yes no maybe noResponse }
    reminders { status count }
  } } }
}"""
COHORTS = "{ cohorts(first: 20) { edges { node { id memberCount members { id } } } } }"
CONTACTS = """{
  members(first: 20) { edges { node { id
    contacts(first: 20) { totalCount edges { node { id } } }
    archivedToo: contacts(first: 20, includeArchived: true) { totalCount edges { node { id } } }
  } } }
}"""
BOOKINGS = """{
  trainingSessions(first: 20) { edges { node { id
    bookings(first: 20) { totalCount edges { node { id } } }
    attended: bookings(first: 20, status: ATTENDED) { totalCount edges { node { id } } }
  } } }
}"""


async def world_with_a_leaver(session: AsyncSession, make: Factory) -> MatrixWorld:
    """The matrix world, and a held meeting of partner A's cohort with an invitee (Conwy's
    Dafydd, who said yes) whose member has left the cohort since."""
    matrix = await build_matrix_world(session)
    w = matrix.world
    conwy = await make.member("Conwy County Borough Council")  # no partner of its own
    dafydd = await make.contact(conwy, first_name="Dafydd", last_name="Owen")
    await cohort_cases.add_cohort_member(session, SYSTEM, cohort_id=w.cohort.id, member_id=conwy.id)
    held = await schedule(session, w.cohort, starts_at=upcoming(days=3), title="Held meeting")
    for contact, answer in ((dafydd, RsvpResponse.YES), (w.sian, RsvpResponse.YES)):
        await meetings.rsvp(
            session, SYSTEM, meeting_id=held.id, contact_id=contact.id, response=answer
        )
    start = utcnow()
    await session.execute(
        update(NetworkMeeting).where(NetworkMeeting.id == held.id).values(starts_at=start)
    )
    await cohort_cases.remove_cohort_member(
        session, SYSTEM, cohort_id=w.cohort.id, member_id=conwy.id
    )
    await session.commit()
    return matrix


def edges(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


async def data_of(gql: GraphQL, query: str, token: str) -> dict[str, Any]:
    result = await gql(query, token=token)
    assert "errors" not in result, result
    data: dict[str, Any] = result["data"]
    return data


async def test_each_lists_total_count_is_the_number_of_items_the_caller_is_shown(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    matrix = await world_with_a_leaver(session, make)
    totals: dict[str, dict[str, int]] = {}
    for caller in ("staff", *SCOPED):
        totals[caller] = {}
        for name in LISTS:
            query = f"{{ {name}(first: 100) {{ totalCount edges {{ node {{ id }} }} }} }}"
            connection = (await data_of(gql, query, matrix.tokens[caller]))[name]
            assert connection["totalCount"] == len(connection["edges"]), (caller, name)
            totals[caller][name] = connection["totalCount"]
    for caller in SCOPED:
        for name in HIDING:
            assert totals[caller][name] < totals["staff"][name], (caller, name)


async def test_meeting_counts_are_those_of_the_invitations_the_caller_is_shown(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    matrix = await world_with_a_leaver(session, make)
    seen: dict[str, dict[str, tuple[int, int, int]]] = {}
    for caller in ("staff", *SCOPED):
        seen[caller] = {}
        data = await data_of(gql, MEETINGS, matrix.tokens[caller])
        for meeting in edges(data["networkMeetings"]):
            invited = edges(meeting["invitations"])
            assert meeting["invitations"]["totalCount"] == len(invited)
            answers = meeting["responseCounts"]
            assert sum(answers.values()) == len(invited)
            assert answers["yes"] == meeting["yes"]["totalCount"] == len(edges(meeting["yes"]))
            assert answers["yes"] == sum(1 for i in invited if i["response"] == "YES")
            listed = [r["status"] for i in invited for r in i["reminders"]]
            grouped = {
                status: sum(g["count"] for g in meeting["reminders"] if g["status"] == status)
                for status in ("PLANNED", "SENT")
            }
            assert grouped == {s: listed.count(s) for s in ("PLANNED", "SENT")}, caller
            seen[caller][meeting["id"]] = (len(invited), answers["yes"], len(listed))
    held = next(
        mid
        for mid, (_, yes, _) in seen["staff"].items()
        if yes == 2  # Dafydd and Siân said yes
    )
    # Partner A sees the held meeting without the leaver: one invitee, one yes and its
    # reminders fewer than staff; the member contact sees only its own invitation.
    staff_invited, _, staff_reminders = seen["staff"][held]
    partner_invited, partner_yes, partner_reminders = seen["partner A"][held]
    assert (partner_invited, partner_yes) == (staff_invited - 1, 1)
    assert 0 < partner_reminders < staff_reminders
    for meeting_id, (invitations, _, reminders) in seen["member"].items():
        assert invitations == 1
        assert reminders < seen["staff"][meeting_id][2]
    assert held not in seen["partner B"]


async def test_member_and_booking_counts_are_those_of_the_items_the_caller_is_shown(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    matrix = await world_with_a_leaver(session, make)
    counted: dict[str, dict[str, int]] = {}
    for caller in ("staff", *SCOPED):
        token = matrix.tokens[caller]
        found: dict[str, int] = {}
        for cohort in edges((await data_of(gql, COHORTS, token))["cohorts"]):
            assert cohort["memberCount"] == len(cohort["members"])
            found[cohort["id"]] = cohort["memberCount"]
        for member in edges((await data_of(gql, CONTACTS, token))["members"]):
            for key in ("contacts", "archivedToo"):
                connection = member[key]
                assert connection["totalCount"] == len(connection["edges"])
                found[f"{member['id']} {key}"] = connection["totalCount"]
        for run in edges((await data_of(gql, BOOKINGS, token))["trainingSessions"]):
            for key in ("bookings", "attended"):
                connection = run[key]
                assert connection["totalCount"] == len(connection["edges"])
                found[f"{run['id']} {key}"] = connection["totalCount"]
        counted[caller] = found
    ids = matrix.ids
    # Siân's view: one member of her cohort's two, her own record of Aberdare's contacts, and
    # her own bookings on the sessions she attended with Rhys.
    member = counted["member"]
    assert member[ids["cohort"]] == 1 < counted["staff"][ids["cohort"]] == 2
    assert member[f"{ids['aberdare']} archivedToo"] == 1
    assert counted["staff"][f"{ids['aberdare']} archivedToo"] == 3
    assert member[f"{ids['past']} attended"] == 1 < counted["staff"][f"{ids['past']} attended"]
    # Partner B sees none of partner A's people on the past session it may see.
    if f"{ids['past']} bookings" in counted["partner B"]:
        assert counted["partner B"][f"{ids['past']} bookings"] == 0
