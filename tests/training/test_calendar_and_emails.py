"""Calendar files and the emails that carry them: stable UID, rising SEQUENCE, METHOD."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.kit.enums import Role
from network.messaging.models import OutboxAttachment, OutboxMessage
from network.messaging.service import default_renderer
from network.training.models import TrainingSession
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.training import TrainingFactory

UPDATE = """
mutation($input: UpdateTrainingSessionInput!) {
  updateTrainingSession(input: $input) {
    trainingSession { calendarSequence status icsUrl }
    userErrors { field code message }
  }
}"""
BOOK = """
mutation($input: BookTrainingInput!) {
  bookTraining(input: $input) { booking { status } userErrors { code } }
}"""


def fields(ics: bytes) -> dict[str, str]:
    """The first value of each property (parameters dropped), after unfolding the lines."""
    assert ics.endswith(b"\r\n")
    text = ics.decode().removesuffix("\r\n").replace("\r\n ", "")
    found: dict[str, str] = {}
    for line in text.split("\r\n"):
        name, _, value = line.partition(":")
        found.setdefault(name.split(";")[0], value)
    return found


async def _download(client: httpx.AsyncClient, url: str) -> httpx.Response:
    return await client.get(url.removeprefix("http://testserver"))


async def test_calendar_file_keeps_its_uid_and_counts_staff_changes(
    gql: GraphQL, make: Factory, train: TrainingFactory, client: httpx.AsyncClient
) -> None:
    start = datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    course = await train.course("Outcome-Based Commissioning", description="CPD certified.")
    course_session = await train.session_of(course, starts_at=start, hours=6)
    token = await make.token(Role.STAFF)
    session_id = gid("TrainingSession", course_session)
    url = f"http://testserver/training/sessions/{course_session.id}.ics"
    info = await gql(
        "query($id: ID!) { node(id: $id) { ... on TrainingSession { icsUrl } } }",
        {"id": session_id},
        token=token,
    )
    assert info["data"]["node"]["icsUrl"] == url

    first = await _download(client, url)
    assert first.status_code == 200
    assert first.headers["content-type"] == "text/calendar; charset=utf-8"
    assert first.headers["content-disposition"] == (
        f'attachment; filename="training-{course_session.id}.ics"'
    )
    uid = f"training-session-{course_session.id}@training.network-crm"
    assert {k: v for k, v in fields(first.content).items() if k != "DTSTAMP"} == {
        "BEGIN": "VCALENDAR",
        "VERSION": "2.0",
        "PRODID": "-//CitizenPowered networks//Network CRM training//EN",
        "CALSCALE": "GREGORIAN",
        "METHOD": "REQUEST",
        "X-WR-TIMEZONE": "Europe/London",
        "UID": uid,
        "SEQUENCE": "0",
        "DTSTART": "20270329T080000Z",
        "DTEND": "20270329T140000Z",
        "SUMMARY": "Outcome-Based Commissioning",
        "STATUS": "CONFIRMED",
        "DESCRIPTION": "CPD certified.",
        "LOCATION": "Council Chamber\\, Llandrindod Wells",
        "ORGANIZER": "mailto:no-reply@citizenpowered.example",
        "TRANSP": "OPAQUE",
        "END": "VEVENT",
    }
    again = await _download(client, url)
    assert again.content == first.content

    capacity = await gql(UPDATE, {"input": {"id": session_id, "capacity": 30}}, token=token)
    assert capacity["data"]["updateTrainingSession"]["trainingSession"]["calendarSequence"] == 0
    moved = await gql(UPDATE, {"input": {"id": session_id, "venue": "Y Gaer, Brecon"}}, token=token)
    assert moved["data"]["updateTrainingSession"]["trainingSession"] == {
        "calendarSequence": 1,
        "status": "SCHEDULED",
        "icsUrl": url,
    }
    changed = fields((await _download(client, url)).content)
    assert (changed["UID"], changed["SEQUENCE"], changed["METHOD"], changed["LOCATION"]) == (
        uid,
        "1",
        "REQUEST",
        "Y Gaer\\, Brecon",
    )
    cancelled = await gql(
        UPDATE,
        {"input": {"id": session_id, "status": "CANCELLED", "cancellationReason": "Trainer ill"}},
        token=token,
    )
    assert cancelled["data"]["updateTrainingSession"]["trainingSession"]["calendarSequence"] == 2
    gone = fields((await _download(client, url)).content)
    assert (gone["UID"], gone["SEQUENCE"], gone["METHOD"], gone["STATUS"]) == (
        uid,
        "2",
        "CANCEL",
        "CANCELLED",
    )
    after = await gql(UPDATE, {"input": {"id": session_id, "capacity": 31}}, token=token)
    assert after["data"]["updateTrainingSession"]["userErrors"] == [
        {
            "field": "id",
            "code": "SESSION_CANCELLED",
            "message": "A cancelled session cannot be changed.",
        }
    ]


async def test_unknown_calendar_files_are_not_found(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"/training/sessions/{uuid.uuid4()}.ics")).status_code == 404
    assert (await client.get("/training/sessions/not-an-id.ics")).status_code == 404


async def _outbox(session: AsyncSession) -> list[OutboxMessage]:
    found = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.template.like("training_%"))
        .order_by(OutboxMessage.created_at, OutboxMessage.dedup_key)
    )
    return list(found.all())


async def _attachments(session: AsyncSession, message: OutboxMessage) -> list[OutboxAttachment]:
    found = await session.scalars(
        select(OutboxAttachment)
        .where(OutboxAttachment.message_id == message.id)
        .order_by(OutboxAttachment.position)
    )
    return list(found.all())


async def test_each_booking_event_owes_one_email_in_the_contacts_language(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    start = datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    course_session = await train.session_of(starts_at=start, hours=3, capacity=1)
    member = await make.member()
    sian = await make.contact(member, email="sian@powys.example", first_name="Siân", language="cy")
    marie = await make.contact(member, email="marie@example.fr", first_name="Marie", language="fr")
    token = await make.token(Role.STAFF)
    session_id = gid("TrainingSession", course_session)
    for person in (sian, marie):
        result = await gql(
            BOOK,
            {"input": {"sessionId": session_id, "contactId": gid("Contact", person)}},
            token=token,
        )
        assert result["data"]["bookTraining"]["userErrors"] == []
    sian_booking = (
        await gql("query { bookings(first: 1) { edges { node { id } } } }", token=token)
    )["data"]["bookings"]["edges"][0]["node"]["id"]
    await gql(
        """mutation($input: CancelBookingInput!) {
             cancelBooking(input: $input) { userErrors { code } } }""",
        {"input": {"bookingId": sian_booking, "reason": "Diary clash"}},
        token=token,
    )
    await gql(
        UPDATE, {"input": {"id": session_id, "onlineUrl": "https://meet.example/obc"}}, token=token
    )

    messages = await _outbox(session)
    assert [(m.template, m.to_email, m.language) for m in messages] == [
        ("training_booking_confirmed", "sian@powys.example", "cy"),
        ("training_booking_waitlisted", "marie@example.fr", "fr"),
        ("training_booking_cancelled", "sian@powys.example", "cy"),
        ("training_booking_promoted", "marie@example.fr", "fr"),
        ("training_session_changed", "marie@example.fr", "fr"),
    ]
    confirmed, waitlisted, cancelled, promoted, changed = messages
    assert waitlisted.context["waitlist_position"] == 1
    assert cancelled.context["reason"] == "Diary clash"
    calendars = {}
    for message in (confirmed, cancelled, promoted, changed):
        [attachment] = await _attachments(session, message)
        assert attachment.filename == f"training-{course_session.id}.ics"
        calendars[message.template] = fields(attachment.content)
    assert await _attachments(session, waitlisted) == []
    assert calendars["training_booking_confirmed"]["METHOD"] == "REQUEST"
    assert calendars["training_booking_confirmed"]["ATTENDEE"] == "mailto:sian@powys.example"
    assert calendars["training_booking_cancelled"]["METHOD"] == "CANCEL"
    assert calendars["training_booking_promoted"]["ATTENDEE"] == "mailto:marie@example.fr"
    assert [calendars[t]["SEQUENCE"] for t in sorted(calendars)] == ["0", "0", "0", "1"]
    assert {calendars[t]["UID"] for t in calendars} == {
        f"training-session-{course_session.id}@training.network-crm"
    }

    renderer = default_renderer()
    welsh = renderer.render(confirmed.template, confirmed.language, confirmed.context)
    assert welsh.languages == ("cy", "en")
    assert welsh.subject.startswith("Archeb wedi\u2019i chadarnhau: ")
    assert welsh.subject.endswith(
        " / Booking confirmed: " + confirmed.context["course_title"] + ", Monday 29 March 2027"
    )
    assert welsh.text.index("Annwyl Siân") < welsh.text.index("Dear Siân")
    assert "Pryd: Dydd Llun 29 Mawrth 2027, 09:00\u201312:00 BST (Europe/London)" in welsh.text
    assert "When: Monday 29 March 2027, 09:00\u201312:00 BST (Europe/London)" in welsh.text
    french = renderer.render(waitlisted.template, waitlisted.language, waitlisted.context)
    assert "en position 1" in french.text
    assert "Quand: lundi 29 mars 2027, 09:00" in french.text
    for message in messages:
        for language in ("en", "cy", "fr", "es", "de"):
            rendered = renderer.render(message.template, language, message.context)
            assert message.context["course_title"] in rendered.html


async def test_staff_cancelling_a_session_tells_everyone_booked(
    make: Factory, train: TrainingFactory, session: AsyncSession, gql: GraphQL
) -> None:
    course_session = await train.session_of(capacity=1)
    member = await make.member()
    seated = await make.contact(member, email="seated@kent.example", language="de")
    waiting = await make.contact(member, email="waiting@kent.example", language="es")
    await train.book(course_session, seated)
    await train.book(course_session, waiting)
    token = await make.token(Role.STAFF)
    result = await gql(
        UPDATE,
        {
            "input": {
                "id": gid("TrainingSession", course_session),
                "status": "CANCELLED",
                "cancellationReason": "Venue closed",
            }
        },
        token=token,
    )
    assert result["data"]["updateTrainingSession"]["trainingSession"]["status"] == "CANCELLED"
    cancellations = [
        m for m in await _outbox(session) if m.template == "training_session_cancelled"
    ]
    assert sorted((m.to_email, m.context["was_waitlisted"]) for m in cancellations) == [
        ("seated@kent.example", False),
        ("waiting@kent.example", True),
    ]
    by_email = {m.to_email: m for m in cancellations}
    [seat_file] = await _attachments(session, by_email["seated@kent.example"])
    assert fields(seat_file.content)["METHOD"] == "CANCEL"
    assert await _attachments(session, by_email["waiting@kent.example"]) == []
    german = default_renderer().render(
        "training_session_cancelled", "de", by_email["seated@kent.example"].context
    )
    assert "Grund: Venue closed" in german.text
    statuses = (
        await session.scalars(
            select(TrainingSession.status).where(TrainingSession.id == course_session.id)
        )
    ).one()
    assert statuses == "CANCELLED"


async def test_the_open_calendar_file_leaves_out_the_online_link_the_invitation_carries(
    gql: GraphQL,
    make: Factory,
    train: TrainingFactory,
    session: AsyncSession,
    client: httpx.AsyncClient,
) -> None:
    link = "https://meet.example/secret-room"
    start = datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    online = await train.session_of(starts_at=start, hours=3, venue=None, online_url=link)
    member = await make.member()
    sian = await make.contact(member, email="sian@powys.example", first_name="Siân")
    await session.commit()
    # Anyone holding the id (public sessions' ids are published) gets the file, not the link.
    served = await client.get(f"/training/sessions/{online.id}.ics")
    assert served.status_code == 200
    assert link not in served.content.decode().replace("\r\n ", "")
    anonymous = fields(served.content)
    assert anonymous["LOCATION"] == "Online"
    assert "URL" not in anonymous
    assert "booking confirmation" in anonymous["DESCRIPTION"]
    # The booked person's invitation carries it.
    result = await gql(
        BOOK,
        {"input": {"sessionId": gid("TrainingSession", online), "contactId": gid("Contact", sian)}},
        token=await make.token(Role.STAFF),
    )
    assert result["data"]["bookTraining"]["userErrors"] == []
    [confirmed] = await _outbox(session)
    [attachment] = await _attachments(session, confirmed)
    invitation = fields(attachment.content)
    assert (invitation["URL"], invitation["LOCATION"]) == (link, link)
    assert link in invitation["DESCRIPTION"]
