"""The outbox through GraphQL: staff list it and retry a message; nobody else sees it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from arq.jobs import Job
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit.models import AuditEvent
from network.jobs import JobQueue
from network.kit.enums import Role
from network.kit.ids import to_global_id
from network.messaging.models import OutboxMessage, OutboxStatus
from network.messaging.service import queue_email, take_queued_ids
from tests.support.app import GraphQL
from tests.support.factories import Factory
from tests.support.helpers import snapshot
from tests.support.messaging import queued_jobs

LIST = """
query($first: Int, $after: String, $filter: OutboxMessageFilter) {
  outboxMessages(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage }
    edges { node { toEmail template status attempts sentAt lastError } }
  }
}"""

RETRY = """
mutation($input: RetryOutboxMessageInput!) {
  retryOutboxMessage(input: $input) {
    message { id status attempts lastError }
    userErrors { field code message }
  }
}"""

SENT_AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def gql(api: httpx.AsyncClient, session: AsyncSession) -> GraphQL:
    return GraphQL(api, session)


async def owe(
    session: AsyncSession, to_email: str, template: str = "notice", **state: Any
) -> OutboxMessage:
    """An outbox message in the given state (committed within the test's transaction)."""
    message_id = await queue_email(
        session,
        template=template,
        to_email=to_email,
        language="en",
        context={"recipient_name": "A", "title": "T", "paragraphs": []},
        dedup_key=f"test:{uuid.uuid4()}",
    )
    assert message_id is not None
    message = await session.get(OutboxMessage, message_id)
    assert message is not None
    for key, value in state.items():
        setattr(message, key, value)
    await session.flush()
    take_queued_ids(session)  # these rows are test fixtures, not owed by a mutation
    return message


async def test_staff_list_filter_and_page_through_the_outbox(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    await owe(session, "a@example.org", status=OutboxStatus.SENT, attempts=1, sent_at=SENT_AT)
    await owe(
        session,
        "b@example.org",
        status=OutboxStatus.FAILED,
        attempts=1,
        last_error="550 5.1.1 No such user",
    )
    await owe(session, "c@example.org", attempts=2, last_error="421 try later")
    token = await make.token(Role.STAFF)

    everything = await gql(LIST, {"first": 2}, token=token)
    assert everything == {
        "data": {
            "outboxMessages": {
                "totalCount": 3,
                "pageInfo": {"hasNextPage": True},
                "edges": [
                    {
                        "node": {
                            "toEmail": "a@example.org",
                            "template": "notice",
                            "status": "SENT",
                            "attempts": 1,
                            "sentAt": "2026-11-20T09:30:00+00:00",
                            "lastError": None,
                        }
                    },
                    {
                        "node": {
                            "toEmail": "b@example.org",
                            "template": "notice",
                            "status": "FAILED",
                            "attempts": 1,
                            "sentAt": None,
                            "lastError": "550 5.1.1 No such user",
                        }
                    },
                ],
            }
        }
    }
    pending = await gql(LIST, {"filter": {"status": "PENDING"}}, token=token)
    assert [e["node"]["toEmail"] for e in pending["data"]["outboxMessages"]["edges"]] == [
        "c@example.org"
    ]
    by_address = await gql(LIST, {"filter": {"toEmail": "B@example.org"}}, token=token)
    assert by_address["data"]["outboxMessages"]["totalCount"] == 1
    by_template = await gql(LIST, {"filter": {"template": "other"}}, token=token)
    assert by_template["data"]["outboxMessages"]["totalCount"] == 0


@pytest.mark.parametrize("role", [Role.PARTNER, Role.MEMBER])
async def test_only_staff_see_the_outbox(
    gql: GraphQL, make: Factory, session: AsyncSession, role: Role
) -> None:
    message = await owe(session, "a@example.org")
    partner = await make.partner()
    contact = await make.contact(await make.member(partner=partner))
    token = await make.token(
        role,
        partner=partner if role is Role.PARTNER else None,
        contact=contact if role is Role.MEMBER else None,
    )
    listed = await gql(LIST, {}, token=token)
    assert listed["data"] is None
    assert [(e["message"], e["extensions"]) for e in listed["errors"]] == [
        ("Only network staff may do this.", {"code": "FORBIDDEN", "field": "outboxMessages"})
    ]
    node = await gql(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": to_global_id("OutboxMessage", message.id)},
        token=token,
    )
    assert node == {"data": {"node": None}}


async def test_anonymous_callers_are_asked_to_authenticate(gql: GraphQL) -> None:
    result = await gql(LIST, {})
    assert result["data"] is None
    assert [e["extensions"]["code"] for e in result["errors"]] == ["UNAUTHENTICATED"]


async def test_staff_resolve_a_message_by_global_id(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    contact = await make.contact(await make.member(), email="anna@example.org")
    message = await owe(session, "anna@example.org", contact_id=contact.id)
    token = await make.token(Role.STAFF)
    gid = to_global_id("OutboxMessage", message.id)
    result = await gql(
        "query($id: ID!) { node(id: $id) { id ... on OutboxMessage "
        "{ status dedupKey contact { email } } } }",
        {"id": gid},
        token=token,
    )
    assert result == {
        "data": {
            "node": {
                "id": gid,
                "status": "PENDING",
                "dedupKey": message.dedup_key,
                "contact": {"email": "anna@example.org"},
            }
        }
    }


async def test_retrying_a_failed_message_queues_it_after_commit(
    gql: GraphQL, make: Factory, session: AsyncSession, jobs: JobQueue
) -> None:
    message = await owe(
        session,
        "b@example.org",
        status=OutboxStatus.FAILED,
        attempts=10,
        last_error="gave up after 10 attempts; last: 421 busy",
    )
    token = await make.token(Role.STAFF)
    gid = to_global_id("OutboxMessage", message.id)
    result = await gql(RETRY, {"input": {"id": gid}}, token=token)
    assert result == {
        "data": {
            "retryOutboxMessage": {
                "message": {
                    "id": gid,
                    "status": "PENDING",
                    "attempts": 10,
                    "lastError": "gave up after 10 attempts; last: 421 busy",
                },
                "userErrors": [],
            }
        }
    }
    await session.refresh(message)
    assert (message.status, message.max_attempts) == (OutboxStatus.PENDING, 20)
    events = (
        await session.scalars(select(AuditEvent).where(AuditEvent.entity_id == message.id))
    ).all()
    assert [(e.action, e.changes) for e in events] == [
        ("outbox_message.retried", {"previous_status": "FAILED", "attempts": 10})
    ]
    job_id = f"outbox:{message.id}:0"
    assert await queued_jobs(jobs) == [job_id]
    info = await Job(job_id, jobs.redis, _queue_name=jobs.queue_name).info()
    assert info is not None
    assert (info.function, info.args) == ("deliver_outbox", ([str(message.id)],))


async def test_a_sent_message_cannot_be_sent_again(
    gql: GraphQL, make: Factory, session: AsyncSession, jobs: JobQueue
) -> None:
    message = await owe(session, "a@example.org", status=OutboxStatus.SENT, sent_at=SENT_AT)
    token = await make.token(Role.STAFF)
    await session.commit()
    before = await snapshot(session)
    result = await gql(
        RETRY, {"input": {"id": to_global_id("OutboxMessage", message.id)}}, token=token
    )
    payload = result["data"]["retryOutboxMessage"]
    assert payload["message"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("id", "ALREADY_SENT")]
    assert await snapshot(session) == before
    assert await queued_jobs(jobs) == []


@pytest.mark.parametrize("role", [Role.PARTNER, Role.MEMBER])
async def test_only_staff_may_retry(
    gql: GraphQL, make: Factory, session: AsyncSession, jobs: JobQueue, role: Role
) -> None:
    message = await owe(session, "a@example.org", status=OutboxStatus.FAILED)
    partner = await make.partner()
    contact = await make.contact(await make.member(partner=partner))
    token = await make.token(
        role,
        partner=partner if role is Role.PARTNER else None,
        contact=contact if role is Role.MEMBER else None,
    )
    before = await snapshot(session)
    result = await gql(
        RETRY, {"input": {"id": to_global_id("OutboxMessage", message.id)}}, token=token
    )
    payload = result["data"]["retryOutboxMessage"]
    assert payload == {
        "message": None,
        "userErrors": [
            {"field": "id", "code": "FORBIDDEN", "message": "Only network staff may do this."}
        ],
    }
    assert await snapshot(session) == before
    assert await queued_jobs(jobs) == []


@pytest.mark.parametrize(
    "bad_id", [to_global_id("OutboxMessage", uuid.uuid4()), to_global_id("Member", uuid.uuid4())]
)
async def test_retrying_an_unknown_message_is_not_found(
    gql: GraphQL, make: Factory, bad_id: str
) -> None:
    token = await make.token(Role.STAFF)
    result = await gql(RETRY, {"input": {"id": bad_id}}, token=token)
    assert result["data"]["retryOutboxMessage"] == {
        "message": None,
        "userErrors": [
            {"field": "id", "code": "NOT_FOUND", "message": "No outbox message with this id."}
        ],
    }
