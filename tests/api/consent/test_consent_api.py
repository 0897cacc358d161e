"""The consent ledger in the API: Contact.consents and consentLedger, recordConsent, and the
outbox's purpose."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from network.kit.enums import Role
from network.messaging.service import queue_email
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid

RECORD = """
mutation Record($input: RecordConsentInput!) {
  recordConsent(input: $input) {
    contact { emailOptOuts consents { purpose given wordingVersion channel } }
    event { purpose given channel wordingVersion recordedBy recordedByEmail }
    userErrors { field code message }
  }
}
"""
LEDGER = """
query Ledger($id: ID!) {
  node(id: $id) {
    ... on Contact {
      consentLedger(first: 10) {
        totalCount
        edges { node { purpose given channel recordedBy recordedByEmail } }
      }
    }
  }
}
"""


def record(contact_id: str, purpose: str, given: bool, channel: str) -> dict[str, Any]:
    return {
        "input": {"contactId": contact_id, "purpose": purpose, "given": given, "channel": channel}
    }


async def test_staff_record_a_withdrawal_and_read_the_ledger(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    contact = await make.contact(await make.member(), "ledger@example.org")
    staff = await make.user(Role.STAFF)
    token = await make.token_for(staff)
    cid = gid("Contact", contact)
    body = await gql(RECORD, record(cid, "MEETING_INVITATIONS", False, "PHONE"), token=token)
    assert body == {
        "data": {
            "recordConsent": {
                "contact": {
                    "emailOptOuts": ["programme"],
                    "consents": [
                        {
                            "purpose": "NETWORK_NEWS",
                            "given": True,
                            "wordingVersion": None,
                            "channel": None,
                        },
                        {
                            "purpose": "MEETING_INVITATIONS",
                            "given": False,
                            "wordingVersion": "meetings-2026-12",
                            "channel": "PHONE",
                        },
                        {
                            "purpose": "TRAINING_OFFERS",
                            "given": True,
                            "wordingVersion": None,
                            "channel": None,
                        },
                    ],
                },
                "event": {
                    "purpose": "MEETING_INVITATIONS",
                    "given": False,
                    "channel": "PHONE",
                    "wordingVersion": "meetings-2026-12",
                    "recordedBy": "STAFF",
                    "recordedByEmail": staff.email,
                },
                "userErrors": [],
            }
        }
    }
    again = await gql(RECORD, record(cid, "MEETING_INVITATIONS", False, "EMAIL"), token=token)
    assert again["data"]["recordConsent"]["event"] is None  # already withdrawn: nothing appended
    await gql(RECORD, record(cid, "MEETING_INVITATIONS", True, "EMAIL"), token=token)
    ledger = await gql(LEDGER, {"id": cid}, token=token)
    assert ledger["data"]["node"]["consentLedger"] == {
        "totalCount": 2,
        "edges": [
            {
                "node": {
                    "purpose": "MEETING_INVITATIONS",
                    "given": True,
                    "channel": "EMAIL",
                    "recordedBy": "STAFF",
                    "recordedByEmail": staff.email,
                }
            },
            {
                "node": {
                    "purpose": "MEETING_INVITATIONS",
                    "given": False,
                    "channel": "PHONE",
                    "recordedBy": "STAFF",
                    "recordedByEmail": staff.email,
                }
            },
        ],
    }


async def test_who_may_record(gql: GraphQL, make: Factory) -> None:
    wales = await make.partner("wales")
    france = await make.partner("france")
    contact = await make.contact(await make.member("Powys", partner=wales), "own@powys.example")
    other = await make.contact(await make.member("Kent"), "other@kent.example")
    mine = await make.token(Role.MEMBER, contact=contact)
    outsider = await make.token(Role.PARTNER, partner=france)
    cid, other_id = gid("Contact", contact), gid("Contact", other)

    def codes(body: dict[str, Any]) -> list[tuple[str, str]]:
        return [(e["field"], e["code"]) for e in body["data"]["recordConsent"]["userErrors"]]

    refused = await gql(RECORD, record(cid, "NETWORK_NEWS", False, "PHONE"), token=outsider)
    assert codes(refused) == [("contactId", "NOT_FOUND")]
    refused = await gql(RECORD, record(other_id, "NETWORK_NEWS", False, "FORM"), token=mine)
    assert codes(refused) == [("contactId", "NOT_FOUND")]
    refused = await gql(RECORD, record(cid, "NETWORK_NEWS", False, "PHONE"), token=mine)
    assert codes(refused) == [("channel", "CHANNEL_NOT_ALLOWED")]
    refused = await gql(RECORD, record(cid, "NETWORK_NEWS", False, "EMAIL_LINK"), token=mine)
    assert codes(refused) == [("channel", "CHANNEL_NOT_ALLOWED")]
    done = await gql(RECORD, record(cid, "NETWORK_NEWS", False, "FORM"), token=mine)
    assert done["data"]["recordConsent"]["contact"]["emailOptOuts"] == ["newsletter"]
    assert codes(done) == []


async def test_the_person_and_partners_see_the_recorder_as_a_kind_only(
    gql: GraphQL, make: Factory
) -> None:
    wales = await make.partner("wales")
    contact = await make.contact(await make.member("Powys", partner=wales), "me@powys.example")
    staff = await make.user(Role.STAFF)
    partner = await make.user(Role.PARTNER, partner=wales)
    person = await make.user(Role.MEMBER, contact=contact)
    tokens = {
        "staff": await make.token_for(staff),
        "partner": await make.token_for(partner),
        "person": await make.token_for(person),
    }
    cid = gid("Contact", contact)
    await gql(RECORD, record(cid, "NETWORK_NEWS", False, "PHONE"), token=tokens["staff"])
    mine = await gql(RECORD, record(cid, "NETWORK_NEWS", True, "FORM"), token=tokens["person"])
    assert mine["data"]["recordConsent"]["event"]["recordedBy"] == "PERSON"
    assert mine["data"]["recordConsent"]["event"]["recordedByEmail"] is None
    theirs = await gql(
        RECORD, record(cid, "MEETING_INVITATIONS", False, "EMAIL"), token=tokens["partner"]
    )
    assert (
        theirs["data"]["recordConsent"]["event"]["recordedBy"],
        theirs["data"]["recordConsent"]["event"]["recordedByEmail"],
    ) == ("PARTNER", None)
    for who in ("person", "partner"):
        body = await gql(LEDGER, {"id": cid}, token=tokens[who])
        nodes = [e["node"] for e in body["data"]["node"]["consentLedger"]["edges"]]
        assert [(n["recordedBy"], n["recordedByEmail"]) for n in nodes] == [
            ("PARTNER", None),
            ("PERSON", None),
            ("STAFF", None),
        ], who
    body = await gql(LEDGER, {"id": cid}, token=tokens["staff"])
    nodes = [e["node"] for e in body["data"]["node"]["consentLedger"]["edges"]]
    assert [n["recordedByEmail"] for n in nodes] == [partner.email, person.email, staff.email]


async def test_the_outbox_shows_each_messages_purpose(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    token = await make.token(Role.STAFF)
    for key, kind in (("bulk", "training"), ("service", None)):
        await queue_email(
            session,
            template="notice",
            to_email=f"{key}@example.org",
            language="en",
            context={"recipient_name": "A", "title": "T", "paragraphs": []},
            dedup_key=f"purpose-api:{key}",
            kind=kind,
        )
    body = await gql(
        "{ outboxMessages(first: 10) { edges { node { toEmail kind purpose } } } }", token=token
    )
    assert [e["node"] for e in body["data"]["outboxMessages"]["edges"]] == [
        {"toEmail": "bulk@example.org", "kind": "training", "purpose": "TRAINING_OFFERS"},
        {"toEmail": "service@example.org", "kind": None, "purpose": "TRANSACTIONAL"},
    ]
