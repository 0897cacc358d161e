"""A session's register (staff only): booking several contacts at once, the waiting list with
"confirm now", attendance at the door with walk-ins, and issuing, revoking and reissuing
certificates. Every post is checked for its CSRF token, refusals show the register again (422)
with the message where it belongs, and successes redirect (303) back with a short message."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.certificates.enums import CertificateStatus
from network.certificates.models import Certificate
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.enums import Role
from network.members.models import Member
from network.training.enums import BookingStatus
from network.training.models import Booking, TrainingSession
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import csrf_of, sign_in
from tests.support.training import Attended, TrainingFactory


async def staff_signed_in(client: httpx.AsyncClient, make: Factory, session: AsyncSession) -> None:
    user = await make.user(Role.STAFF)
    await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    await session.commit()
    assert (await sign_in(client, user.email, PASSWORD)).status_code == 303


async def two_councils(make: Factory) -> tuple[Member, Member, list[Contact]]:
    """Two members of two partners, three contacts named Register-<n>."""
    wales, france = await make.partner(), await make.partner()
    powys = await make.member("Powys County Council", partner=wales)
    lyon = await make.member("Ville de Lyon", partner=france, country="FR")
    people = [
        await make.contact(powys, first_name="Ann", last_name="Registerone"),
        await make.contact(powys, first_name="Bryn", last_name="Registertwo"),
        await make.contact(lyon, first_name="Chloé", last_name="Registerthree"),
    ]
    return powys, lyon, people


def url(training: TrainingSession, tail: str = "") -> str:
    return f"/portal/sessions/{training.id}/register{tail}"


async def post(client: httpx.AsyncClient, page_url: str, to: str, data: Any) -> httpx.Response:
    """Post a form of the register with the page's CSRF token."""
    token = csrf_of((await client.get(page_url)).text)
    fields: dict[str, list[str]] = {}
    for name, value in data.items() if isinstance(data, dict) else data:
        fields.setdefault(name, []).append(value)
    return await client.post(to, data={**fields, "csrf": token})


async def statuses(session: AsyncSession, training: TrainingSession) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(Booking.contact_id, Booking.status).where(Booking.session_id == training.id)
    )
    return {contact_id: str(status) for contact_id, status in rows.all()}


async def move_into_the_past(
    session: AsyncSession, training: TrainingSession, *, ended: bool
) -> None:
    """The session started an hour ago (and ended, or ends in an hour)."""
    now = utcnow().replace(microsecond=0)
    training.starts_at = now - timedelta(hours=3 if ended else 1)
    training.ends_at = now - timedelta(hours=1) if ended else now + timedelta(hours=1)
    await session.commit()


def error_of(page: str, name: str) -> str:
    found = re.search(rf'id="{re.escape(name)}-error" class="error">([^<]*)<', page)
    assert found, f"no error shown for {name}"
    return found.group(1)


# -- who may see it -----------------------------------------------------------------------------


async def test_only_staff_have_the_register(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    partner = await make.partner()
    member = await make.member("Aberdare Council", partner=partner)
    contact = await make.contact(member, first_name="Siân", last_name="Pryce")
    partner_user = await make.user(Role.PARTNER, partner=partner)
    member_user = await make.user(Role.MEMBER, contact=contact)
    for user in (partner_user, member_user):
        await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    course = await train.course("Outcome-Based Commissioning training")
    training = await train.session_of(course, capacity=2, venue="Neuadd y Sir")
    await train.book(training, contact)
    await session.commit()

    assert (await client.get(url(training))).headers["location"] == "/portal/login"
    for user in (partner_user, member_user):
        await sign_in(client, user.email, PASSWORD)
        assert (await client.get(url(training))).status_code == 404
        await client.post(
            "/portal/logout", data={"csrf": csrf_of((await client.get("/portal/login")).text)}
        )

    await staff_signed_in(client, make, session)
    page = await client.get(url(training))
    assert page.status_code == 200
    text = page.text
    assert "Outcome-Based Commissioning training" in text
    assert "Neuadd y Sir" in text
    assert re.search(r'id="seats">1 / 2<', text)
    assert "over capacity" not in text
    assert re.search(r'id="session-status">Scheduled<', text)
    assert "(Europe/London)" in text or "London" in text
    assert "Attendance can be marked once the session starts" in text
    assert (await client.get(f"/portal/sessions/{uuid.uuid4()}/register")).status_code == 404
    assert (await client.get("/portal/sessions/not-an-id/register")).status_code == 404


async def test_the_search_finds_contacts_across_members_and_leaves_out_the_booked(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    _, _, (ann, bryn, chloe) = await two_councils(make)
    training = await train.session_of(capacity=5)
    await train.book(training, ann)
    await staff_signed_in(client, make, session)

    blank = (await client.get(url(training))).text
    assert 'name="contact"' not in blank  # nobody listed before a search
    page = (await client.get(url(training, "?q=register"))).text
    assert f'value="{bryn.id}"' in page and f'value="{chloe.id}"' in page
    assert f'value="{ann.id}"' not in page  # already booked
    assert "Powys County Council" in page and "Ville de Lyon" in page
    by_email = (await client.get(url(training, f"?q={chloe.email}"))).text
    assert f'value="{chloe.id}"' in by_email and f'value="{bryn.id}"' not in by_email
    assert "No contact left to book matches" in (await client.get(url(training, "?q=zzzz"))).text


# -- booking, the waiting list ------------------------------------------------------------------


async def test_booking_three_at_once_confirms_while_seats_last_then_waitlists(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    _, _, people = await two_councils(make)
    training = await train.session_of(capacity=2)
    await staff_signed_in(client, make, session)

    answer = await post(
        client,
        url(training, "?q=register"),
        url(training, "/book"),
        [("q", "register"), *(("contact", str(p.id)) for p in people)],
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(url(training, "?booked="))
    assert await statuses(session, training) == {
        people[0].id: "CONFIRMED",
        people[1].id: "CONFIRMED",
        people[2].id: "WAITLISTED",
    }
    page = (await client.get(answer.headers["location"])).text
    results = [
        re.sub(r"\s+", " ", r).strip()
        for r in re.findall(r'<li class="result">(.*?)</li>', page, re.S)
    ]
    assert results == [
        "Ann Registerone: confirmed",
        "Bryn Registertwo: confirmed",
        "Chloé Registerthree: waiting list, position 1",
    ]
    assert re.search(r'id="seats">2 / 2<', page)
    waiting = re.findall(r'<li class="waiting-row" id="booking-([^"]+)">', page)
    assert len(waiting) == 1


async def test_a_refused_contact_is_named_and_nobody_is_booked(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    _, _, (ann, bryn, chloe) = await two_councils(make)
    training = await train.session_of(capacity=5)
    await train.book(training, bryn)
    await staff_signed_in(client, make, session)
    before = await statuses(session, training)

    answer = await post(
        client,
        url(training),
        url(training, "/book"),
        [("q", "register"), ("contact", str(ann.id)), ("contact", str(bryn.id))],
    )
    assert answer.status_code == 422
    assert error_of(answer.text, f"contact-{bryn.id}")
    assert await statuses(session, training) == before  # all or nothing
    assert f'id="contact-{ann.id}" name="contact" value="{ann.id}" checked' in answer.text

    nobody = await post(client, url(training), url(training, "/book"), {"q": "register"})
    assert nobody.status_code == 422
    assert error_of(nobody.text, "book") == "Tick at least one contact."
    _ = chloe


async def test_confirm_now_asks_again_when_no_seat_is_free_then_confirms_over_capacity(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    _, _, (ann, bryn, _) = await two_councils(make)
    training = await train.session_of(capacity=1)
    await train.book(training, ann)
    waiting = await train.book(training, bryn)
    await staff_signed_in(client, make, session)
    confirm = url(training, f"/bookings/{waiting.id}/confirm")

    asked = await post(client, url(training), confirm, {})
    assert asked.status_code == 422
    assert "Confirm over capacity" in asked.text
    assert await statuses(session, training) == {ann.id: "CONFIRMED", bryn.id: "WAITLISTED"}

    done = await post(client, url(training), confirm, {"over_capacity": "yes"})
    assert done.status_code == 303
    assert done.headers["location"] == url(training, "?done=confirmed#waiting")
    assert await statuses(session, training) == {ann.id: "CONFIRMED", bryn.id: "CONFIRMED"}
    page = (await client.get(done.headers["location"])).text
    assert "Confirmed from the waiting list." in page
    assert re.search(r'id="seats">2 / 1 <strong class="register-over">over capacity<', page)
    assert "Nobody is waiting." in page
    # A booking of another session is not this register's.
    other = await train.session_of(capacity=1)
    assert (
        await post(client, url(training), url(other, f"/bookings/{waiting.id}/confirm"), {})
    ).status_code == 404


# -- attendance ---------------------------------------------------------------------------------


async def test_attendance_at_the_door_with_a_walk_in(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    _, _, (ann, bryn, chloe) = await two_councils(make)
    training = await train.session_of(capacity=1)
    seated = await train.book(training, ann)
    waiting = await train.book(training, bryn)
    await staff_signed_in(client, make, session)
    attendance = url(training, "/attendance")

    early = await post(
        client, url(training), attendance, {"booking": str(seated.id), "action": "attended"}
    )
    assert early.status_code == 422  # the session has not started
    assert await statuses(session, training) == {ann.id: "CONFIRMED", bryn.id: "WAITLISTED"}

    await move_into_the_past(session, training, ended=False)
    page = (await client.get(url(training))).text
    assert f'id="attend-{seated.id}"' in page and f'id="attend-{waiting.id}"' in page
    nobody = await post(client, url(training), attendance, {"action": "attended"})
    assert nobody.status_code == 422
    assert error_of(nobody.text, "attendance") == "Tick at least one person."

    marked = await post(
        client,
        url(training),
        attendance,
        [("booking", str(seated.id)), ("booking", str(waiting.id)), ("action", "attended")],
    )
    assert marked.status_code == 303
    assert marked.headers["location"] == url(training, "?done=attendance#attendance")
    assert await statuses(session, training) == {ann.id: "ATTENDED", bryn.id: "ATTENDED"}

    # A walk-in who did not come is never a no-show: their mark is cleared instead.
    walk_in_no_show = await post(
        client, url(training), attendance, {"booking": str(waiting.id), "action": "no_show"}
    )
    assert walk_in_no_show.status_code == 422
    assert error_of(walk_in_no_show.text, "attendance") == (
        "A walk-in who did not attend: clear the mark instead."
    )
    no_show = await post(
        client, url(training), attendance, {"booking": str(seated.id), "action": "no_show"}
    )
    assert no_show.status_code == 303
    cleared = await post(
        client, url(training), attendance, {"booking": str(waiting.id), "action": "clear"}
    )
    assert cleared.status_code == 303
    assert await statuses(session, training) == {ann.id: "NO_SHOW", bryn.id: "CANCELLED"}

    found = (await client.get(url(training, "?walk_in=registerthree"))).text
    assert f'name="contact" value="{chloe.id}"' in found
    walked = await post(
        client, url(training), url(training, "/walk-in"), {"contact": str(chloe.id)}
    )
    assert walked.status_code == 303
    assert walked.headers["location"] == url(training, "?done=walk_in#attendance")
    assert (await statuses(session, training))[chloe.id] == "ATTENDED"
    page = (await client.get(walked.headers["location"])).text
    assert "Walk-in recorded." in page
    assert "(walk-in)" in page
    again = await post(client, url(training), url(training, "/walk-in"), {"contact": str(chloe.id)})
    assert again.status_code == 422
    assert error_of(again.text, "walk-in")


# -- certificates -------------------------------------------------------------------------------


async def test_issuing_revoking_and_reissuing_certificates(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, attended: Attended
) -> None:
    _, _, (ann, bryn, _) = await two_councils(make)
    training = await attended.session_with([ann, bryn], title="Co-Production Star training")
    await staff_signed_in(client, make, session)

    issued = await post(client, url(training), url(training, "/certificates"), {})
    assert issued.status_code == 303
    assert issued.headers["location"] == url(training, "?done=issued#certificates")
    made = {
        c.contact_id: c
        for c in (
            await session.scalars(select(Certificate).where(Certificate.session_id == training.id))
        ).all()
    }
    assert set(made) == {ann.id, bryn.id}
    page = (await client.get(issued.headers["location"])).text
    assert "Certificates issued." in page
    first = made[ann.id]
    assert f'href="/portal/certificates/{first.id}.pdf"' in page
    assert f'href="/verify/{first.verification_code}"' in page
    pdf = await client.get(f"/portal/certificates/{first.id}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    revoke = url(training, f"/certificates/{first.id}/revoke")
    no_reason = await post(client, url(training), revoke, {"reason": " "})
    assert no_reason.status_code == 422
    assert error_of(no_reason.text, f"certificate-{first.id}-reason")
    await session.refresh(first)
    assert first.status is CertificateStatus.VALID

    revoked = await post(client, url(training), revoke, {"reason": "Left after ten minutes"})
    assert revoked.status_code == 303
    await session.refresh(first)
    assert first.status is CertificateStatus.REVOKED
    assert first.revoked_reason == "Left after ten minutes"
    verify = await client.get(f"/verify/{first.verification_code}")
    assert "REVOKED" in verify.text.upper()

    second = made[bryn.id]
    reissued = await post(
        client, url(training), url(training, f"/certificates/{second.id}/reissue"), {}
    )
    assert reissued.status_code == 303
    await session.refresh(second)
    assert second.status is CertificateStatus.SUPERSEDED and second.replaced_by_id is not None
    new = await session.get(Certificate, second.replaced_by_id)
    assert new is not None
    page = (await client.get(reissued.headers["location"])).text
    assert "Certificate reissued under a new number." in page
    assert new.number in page and f'href="/verify/{new.verification_code}"' in page
    # A certificate of another session is not this register's.
    other = await attended.session_with([await make.contact(await make.member("Elsewhere"))])
    elsewhere = await post(
        client, url(training), url(other, f"/certificates/{first.id}/reissue"), {}
    )
    assert elsewhere.status_code == 404


async def test_issuing_before_the_end_is_refused_on_the_page(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    training = await train.session_of(capacity=2)
    await staff_signed_in(client, make, session)
    page = (await client.get(url(training))).text
    assert "Certificates can be issued once the session has ended." in page
    assert 'action="' + url(training, "/certificates") + '"' not in page
    refused = await post(client, url(training), url(training, "/certificates"), {})
    assert refused.status_code == 422
    assert error_of(refused.text, "certificates")
    assert (
        await session.scalars(select(Certificate).where(Certificate.session_id == training.id))
    ).all() == []


async def test_posts_without_the_csrf_token_change_nothing(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, train: TrainingFactory
) -> None:
    _, _, (ann, bryn, _) = await two_councils(make)
    training = await train.session_of(capacity=1)
    await train.book(training, ann)
    waiting = await train.book(training, bryn)
    await staff_signed_in(client, make, session)
    before = await statuses(session, training)
    for tail, form in (
        ("/book", {"contact": str(bryn.id)}),
        (f"/bookings/{waiting.id}/confirm", {"over_capacity": "yes"}),
        ("/attendance", {"booking": str(waiting.id), "action": "attended"}),
        ("/walk-in", {"contact": str(bryn.id)}),
        ("/certificates", {}),
    ):
        answer = await client.post(url(training, tail), data={**form, "csrf": "wrong"})
        assert answer.status_code == 403, tail
    assert await statuses(session, training) == before
    assert BookingStatus.WAITLISTED.value == before[bryn.id]


async def test_correcting_an_attendee_to_no_show_revokes_the_certificate(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, attended: Attended
) -> None:
    _, _, (ann, bryn, _) = await two_councils(make)
    training = await attended.session_with([ann, bryn])
    await staff_signed_in(client, make, session)
    assert (
        await post(client, url(training), url(training, "/certificates"), {})
    ).status_code == 303
    booking = next(b for b in attended.bookings if b.contact_id == ann.id)

    answer = await post(
        client,
        url(training),
        url(training, "/attendance"),
        {"booking": str(booking.id), "action": "no_show", "reason": "Not in the room"},
    )
    assert answer.status_code == 303
    revoked = await session.scalar(select(Certificate).where(Certificate.booking_id == booking.id))
    assert revoked is not None
    await session.refresh(revoked)
    assert (revoked.status, revoked.revoked_reason) == (
        CertificateStatus.REVOKED,
        "Not in the room",
    )
    page = (await client.get(answer.headers["location"])).text
    assert "Attendance saved." in page
    assert re.search(
        rf'{revoked.number}</span>:\s*<strong class="certificate-status certificate-REVOKED">'
        r"Revoked</strong> <span class=\"muted\">\(Not in the room\)</span>",
        page,
    )
    assert await statuses(session, training) == {ann.id: "NO_SHOW", bryn.id: "ATTENDED"}
