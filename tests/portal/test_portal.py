"""The partner portal over HTTP: sign in and out, CSRF, lockout, isolation, recording progress."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.config import Settings
from network.kit.enums import Role, StarStep, StepStatus
from network.kit.signing import sign, unsign
from network.portal.web import SESSION_SECONDS, PortalSession
from network.portal.web import decode_session as _decode
from network.portal.web import encode_session as _encode
from network.programme.models import StepProgress
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import csrf_of, partner_user, sign_in
from tests.support.training import TrainingFactory


async def test_login_page_has_the_contract_labels_in_every_language(
    client: httpx.AsyncClient,
) -> None:
    for lang in ("en", "cy", "fr"):
        page = await client.get(f"/portal/login?lang={lang}")
        assert page.status_code == 200
        assert '<label for="email">Email' in page.text
        assert '<label for="password">Password' in page.text
        assert ">Sign in</button>" in page.text
    assert "Cyfrinair" in (await client.get("/portal/login?lang=cy")).text
    assert "Mot de passe" in (await client.get("/portal/login?lang=fr")).text


async def test_sign_in_and_out(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    wales = await partner_user(make, session)
    answer = await sign_in(client, wales["email"], PASSWORD)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/portal/"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    home = await client.get("/portal/")
    assert home.status_code == 200
    assert wales["cohort"].name in home.text

    out = await client.post("/portal/logout", data={"csrf": csrf_of(home.text)})
    assert out.status_code == 303
    assert (await client.get("/portal/")).headers["location"] == "/portal/login"


async def test_wrong_password_and_a_forged_cookie_do_not_sign_in(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    # A fresh email: failures are counted in Redis, which outlives the test's transaction.
    wales = await partner_user(make, session, email=f"wrong-{uuid.uuid4().hex[:10]}@example.org")
    answer = await sign_in(client, wales["email"], "not the password")
    assert answer.status_code == 401
    assert "not right" in answer.text
    assert 'value="' + wales["email"] + '"' in answer.text  # the form keeps what was typed
    client.cookies.set("portal_session", "eyJ1Ijoi.forged", path="/portal")
    assert (await client.get("/portal/")).status_code == 303


async def test_a_session_older_than_a_working_day_is_signed_out(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, settings: Settings
) -> None:
    wales = await partner_user(make, session)
    await sign_in(client, wales["email"], PASSWORD)
    assert (await client.get("/portal/")).status_code == 200
    old = PortalSession(
        csrf="x", user_id=None, email=None, issued=int(time.time()) - SESSION_SECONDS - 5
    )
    cookie = client.cookies.get("portal_session", path="/portal")
    assert cookie is not None
    value = unsign(settings.secret_key, "portal-session", cookie)
    assert value is not None
    fresh = _decode(value)
    assert fresh is not None
    old.user_id, old.email, old.session_id = fresh.user_id, fresh.email, fresh.session_id
    client.cookies.clear()
    client.cookies.set(
        "portal_session", sign(settings.secret_key, "portal-session", _encode(fresh))
    )
    assert (await client.get("/portal/")).status_code == 200  # the same cookie, made now
    client.cookies.clear()
    client.cookies.set("portal_session", sign(settings.secret_key, "portal-session", _encode(old)))
    assert (await client.get("/portal/")).headers["location"] == "/portal/login"


async def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    wales = await partner_user(make, session)
    assert (await sign_in(client, wales["email"], PASSWORD)).status_code == 303
    cohort, member = wales["cohort"], wales["members"][0]
    form = {"member": str(member.id), "step": "MAP_IT", "status": "IN_PROGRESS"}
    for sent in (form, {**form, "csrf": "wrong"}):
        answer = await client.post(f"/portal/cohorts/{cohort.id}/progress", data=sent)
        assert answer.status_code == 403
    rows = await session.scalars(select(StepProgress).where(StepProgress.cohort_id == cohort.id))
    assert rows.all() == []
    # Sign-in without a token is refused too.
    login = await client.post("/portal/login", data={"email": wales["email"], "password": PASSWORD})
    assert login.status_code == 403


async def test_five_failures_in_a_row_slow_the_account_down(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    wales = await partner_user(make, session, email=f"lock-{uuid.uuid4().hex[:10]}@example.org")
    for _ in range(5):
        assert (await sign_in(client, wales["email"], "wrong password")).status_code == 401
    # Now even the right password is not checked.
    locked = await sign_in(client, wales["email"], PASSWORD)
    assert locked.status_code == 429
    assert "try again in a minute" in locked.text


async def test_home_lists_only_the_partners_own_cohorts(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    wales = await partner_user(make, session)
    france = await partner_user(make, session)
    await sign_in(client, wales["email"], PASSWORD)
    home = await client.get("/portal/")
    assert wales["cohort"].name in home.text
    assert france["cohort"].name not in home.text
    assert "Map It" in home.text  # the current step
    assert "0%" in home.text


@pytest.mark.parametrize("whose", ["other partner", "missing", "not an id"])
async def test_another_partners_cohort_answers_404(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, whose: str
) -> None:
    wales = await partner_user(make, session)
    france = await partner_user(make, session)
    await sign_in(client, wales["email"], PASSWORD)
    target = {
        "other partner": str(france["cohort"].id),
        "missing": str(uuid.uuid4()),
        "not an id": "nope",
    }[whose]
    page = await client.get(f"/portal/cohorts/{target}")
    assert page.status_code == 404
    assert france["cohort"].name not in page.text
    home = await client.get("/portal/")
    answer = await client.post(
        f"/portal/cohorts/{target}/progress",
        data={
            "csrf": csrf_of(home.text),
            "member": str(france["members"][0].id),
            "step": "MAP_IT",
            "status": "IN_PROGRESS",
        },
    )
    assert answer.status_code == 404


async def test_anonymous_is_sent_to_sign_in(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    wales = await partner_user(make, session)
    for path in ("/portal/", f"/portal/cohorts/{wales['cohort'].id}"):
        answer = await client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/portal/login"


async def test_staff_sign_in_to_the_whole_network(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    staff = await make.user(Role.STAFF)
    await auth.set_password(session, SYSTEM, staff.email, PASSWORD)
    await session.commit()
    answer = await sign_in(client, staff.email, PASSWORD)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/portal/"
    assert 'href="/portal/partners"' in (await client.get("/portal/")).text  # the staff menu


async def test_a_member_contact_lands_on_my_training(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    partner = await make.partner()
    member = await make.member(partner=partner)
    contact = await make.contact(member)
    colleague = await make.contact(member)
    user = await make.user(Role.MEMBER, contact=contact)
    await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    await session.commit()
    answer = await sign_in(client, user.email, PASSWORD)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/portal/training"
    page = await client.get("/portal/training")
    assert page.status_code == 200
    assert "My training" in page.text and "No bookings yet." in page.text
    assert "CPD hours this year" in page.text

    train = TrainingFactory(session)
    full = await train.session_of(await train.course("Full course"), capacity=1)
    await train.book(full, colleague)
    await train.book(full, contact)
    await train.book(await train.session_of(await train.course("Open course")), contact)
    await session.commit()
    page = await client.get("/portal/training")
    assert "Full course" in page.text and "On the waiting list (1)" in page.text
    assert "Open course" in page.text and "Confirmed" in page.text


async def test_record_progress_through_the_form(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    wales = await partner_user(make, session)
    await sign_in(client, wales["email"], PASSWORD)
    cohort, member = wales["cohort"], wales["members"][0]
    page = await client.get(f"/portal/cohorts/{cohort.id}")
    assert page.status_code == 200
    assert "Aberdare Council" in page.text and "Grow It" in page.text
    saved = await client.post(
        f"/portal/cohorts/{cohort.id}/progress",
        data={
            "csrf": csrf_of(page.text),
            "member": str(member.id),
            "step": "MAP_IT",
            "status": "COMPLETED",
            "completed_on": "2026-01-15",
            "notes": "Mapped the town's assets.",
        },
    )
    assert saved.status_code == 303
    record = (
        await session.scalars(
            select(StepProgress).where(
                StepProgress.cohort_id == cohort.id, StepProgress.member_id == member.id
            )
        )
    ).one()
    assert record.step == StarStep.MAP_IT and record.status == StepStatus.COMPLETED
    assert record.notes == "Mapped the town's assets."
    matrix = await client.get(saved.headers["location"])
    assert 'class="COMPLETED"' in matrix.text and "2026-01-15" in matrix.text


async def test_errors_show_next_to_the_field_and_keep_what_was_typed(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    wales = await partner_user(make, session)
    await sign_in(client, wales["email"], PASSWORD)
    cohort, member = wales["cohort"], wales["members"][0]
    page = await client.get(f"/portal/cohorts/{cohort.id}")
    answer = await client.post(
        f"/portal/cohorts/{cohort.id}/progress",
        data={
            "csrf": csrf_of(page.text),
            "member": str(member.id),
            "step": "FOCUS_IT",
            "status": "IN_PROGRESS",
            "completed_on": "2026-01-15",
            "notes": "Kept <notes>",
        },
    )
    assert answer.status_code == 422
    assert 'id="completed_on-error"' in answer.text
    assert "Kept &lt;notes&gt;" in answer.text
    rows = await session.scalars(select(StepProgress).where(StepProgress.cohort_id == cohort.id))
    assert rows.all() == []
