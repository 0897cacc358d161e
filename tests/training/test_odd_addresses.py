"""A contact whose stored address is odd never stops a booking or a reminder batch: their own
email is FAILED with the reason, everyone else's goes out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from network.kit.enums import Role
from network.training import service as training
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.messaging import ODD_ADDRESS, ODD_REASON, outbox_states, store_address_as_is
from tests.support.training import TrainingFactory

BOOK = """
mutation($input: BookTrainingInput!) {
  bookTraining(input: $input) {
    booking { status contact { email } }
    userErrors { field code message }
  }
}"""


async def test_bookings_and_their_reminders_go_ahead_around_an_odd_address(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    course_session = await train.session_of(capacity=5)
    member = await make.member()
    anna = await make.contact(member, email="anna@powys.example")
    odd = await make.contact(member, email="odd@powys.example")
    jose = await make.contact(member, email="José@Powys.example")  # internationalised: valid
    await store_address_as_is(session, odd, ODD_ADDRESS)
    token = await make.token(Role.STAFF)

    answers = []
    for person in (anna, odd, jose):
        variables = {
            "input": {
                "sessionId": gid("TrainingSession", course_session),
                "contactId": gid("Contact", person),
            }
        }
        answers.append((await gql(BOOK, variables, token=token))["data"]["bookTraining"])
    assert answers == [
        {"booking": {"status": "CONFIRMED", "contact": {"email": email}}, "userErrors": []}
        for email in ("anna@powys.example", ODD_ADDRESS, "josé@powys.example")
    ]
    assert await outbox_states(session, "training_booking_confirmed") == [
        ("anna@powys.example", "PENDING", None),
        ("josé@powys.example", "PENDING", None),
        (ODD_ADDRESS, "FAILED", ODD_REASON),
    ]

    due = course_session.starts_at - timedelta(hours=48)
    assert await training.queue_due_reminders(session, now=due) == 3
    assert await outbox_states(session, "training_reminder") == [
        ("anna@powys.example", "PENDING", None),
        ("josé@powys.example", "PENDING", None),
        (ODD_ADDRESS, "FAILED", ODD_REASON),
    ]
