"""A contact whose stored address is odd never stops a meeting's invitations or reminders:
their own email is FAILED with the reason, everyone else's goes out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth.principal import SYSTEM
from network.db import acting
from network.kit.enums import Role
from network.meetings.reminders import ReminderPass, send_due_reminders
from tests.support.app import GraphQL
from tests.support.factories import Factory
from tests.support.meetings import SCHEDULE, Scene, schedule_input, upcoming
from tests.support.messaging import ODD_ADDRESS, ODD_REASON, outbox_states, store_address_as_is


async def test_a_meeting_invites_and_reminds_everyone_around_an_odd_address(
    gql: GraphQL,
    make: Factory,
    scene: Scene,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await store_address_as_is(session, scene.tom, ODD_ADDRESS)
    await store_address_as_is(session, scene.marie, "Marie.Lefèvre@Anglesey.example")
    starts = upcoming(days=20)
    token = await make.token(Role.STAFF)

    answer = await gql(
        SCHEDULE,
        {
            "input": schedule_input(
                scene,
                startsAt=starts.isoformat(),
                endsAt=(starts + timedelta(hours=2)).isoformat(),
            )
        },
        token=token,
    )
    payload = answer["data"]["scheduleNetworkMeeting"]
    assert payload["userErrors"] == []
    invited = payload["meeting"]["invitations"]["edges"]
    assert sorted(edge["node"]["contact"]["email"] for edge in invited) == [
        "Marie.Lefèvre@Anglesey.example",
        ODD_ADDRESS,
        "sian@powys.example",
    ]
    # The stored odd-cased address is normalised on the way into the outbox.
    assert await outbox_states(session, "meeting_invitation") == [
        ("marie.lefèvre@anglesey.example", "PENDING", None),
        (ODD_ADDRESS, "FAILED", ODD_REASON),
        ("sian@powys.example", "PENDING", None),
    ]

    await session.commit()
    week_before = starts - timedelta(days=7)
    with acting(SYSTEM):  # as the reminder worker runs
        result = await send_due_reminders(session_factory, now=week_before, batch_size=10)
    assert result == ReminderPass(batches=1, sent=3)
    assert await outbox_states(session, "meeting_reminder") == [
        ("marie.lefèvre@anglesey.example", "PENDING", None),
        (ODD_ADDRESS, "FAILED", ODD_REASON),
        ("sian@powys.example", "PENDING", None),
    ]
