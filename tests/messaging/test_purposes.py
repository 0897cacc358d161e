"""Every email knows its purpose; a caller's kind must agree with it."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.kit.enums import TRANSACTIONAL, ConsentPurpose
from network.messaging.models import OutboxMessage
from network.messaging.purposes import PURPOSES, purpose_of
from network.messaging.rendering import EMAILS_DIR
from network.messaging.service import queue_email


def test_every_template_has_a_purpose() -> None:
    templates = {p.stem for p in (EMAILS_DIR / "en").glob("*.txt") if not p.stem.startswith("_")}
    assert len(templates) > 10
    assert templates == set(PURPOSES), "add the new template to network/messaging/purposes.py"


def test_the_registry_labels_what_needs_consent() -> None:
    assert purpose_of("meeting_reminder", None) == "MEETING_INVITATIONS"
    assert purpose_of("meeting_invitation", "programme") == "MEETING_INVITATIONS"
    assert purpose_of("training_reminder", None) == "TRAINING_OFFERS"
    for template in ("training_booking_confirmed", "certificate_issued", "login_link"):
        assert purpose_of(template, None) == TRANSACTIONAL
    assert purpose_of("notice", None) == TRANSACTIONAL
    assert purpose_of("notice", "newsletter") == "NETWORK_NEWS"
    with pytest.raises(ValueError, match="is a MEETING_INVITATIONS email"):
        purpose_of("meeting_reminder", "training")
    with pytest.raises(ValueError, match="is transactional"):
        purpose_of("certificate_issued", "programme")


async def test_the_outbox_stores_the_purpose_and_refuses_a_contradicting_kind(
    session: AsyncSession,
) -> None:
    context = {"recipient_name": "Anna", "title": "Hello", "paragraphs": ["One."]}
    await queue_email(
        session,
        template="notice",
        to_email="anna@example.org",
        language="en",
        context=context,
        dedup_key="purpose:notice",
        kind="newsletter",
    )
    with pytest.raises(ValueError, match="takes no kind"):
        await queue_email(
            session,
            template="login_link",
            to_email="anna@example.org",
            language="en",
            context={},
            dedup_key="purpose:login",
            kind="programme",
        )
    rows = (await session.execute(select(OutboxMessage.kind, OutboxMessage.purpose))).all()
    assert [tuple(r) for r in rows] == [("newsletter", ConsentPurpose.NETWORK_NEWS.value)]
