"""Staff in the portal: the whole network with a partner filter, and the staff-only pages
(partners, users, the outbox, the audit trail)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.app import create_app
from network.audit.models import AuditEvent
from network.auth import service as auth
from network.auth.models import ApiToken, PortalSignIn, User
from network.auth.principal import SYSTEM
from network.kit.enums import Network, Role
from network.members.models import Member
from network.messaging.models import OutboxMessage, OutboxStatus
from network.messaging.service import queue_email
from network.partners.models import Partner
from network.portal.web import PAGE_SIZE
from network.programme.models import Cohort, CohortMember
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import csrf_of, page_token, sign_in


async def network_of_two(make: Factory, session: AsyncSession) -> dict[str, Any]:
    """Partner A (a cohort, members, a contact, a user), partner B (the same), and staff;
    everyone has PASSWORD."""
    wales = await make.partner(name="Wales partner")
    france = await make.partner(name="France partner", countries=["FR"])
    aberdare = await make.member("Aberdare Council", partner=wales)
    lyon = await make.member("Ville de Lyon", partner=france, country="FR")
    gareth = await make.contact(aberdare, "gareth@aberdare.example", first_name="Gareth")
    await make.cohort("Cymru cohort", partner=wales, members=[aberdare])
    await make.cohort(
        "Cohorte France", partner=france, network=Network.CITIZEN_POWERED_COUNCIL, members=[lyon]
    )
    staff = await make.user(Role.STAFF)
    user_a = await make.user(Role.PARTNER, partner=wales)
    user_b = await make.user(Role.PARTNER, partner=france)
    first = await auth.set_password(session, SYSTEM, staff.email, PASSWORD)
    for user in (user_a, user_b):
        user.password_hash = first.password_hash
    await session.commit()
    return {
        "wales": wales,
        "france": france,
        "gareth": gareth,
        "staff": staff,
        "a": user_a,
        "b": user_b,
    }


async def signed_in_as(client: httpx.AsyncClient, user: User) -> None:
    answer = await sign_in(client, user.email, PASSWORD)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/portal/"


async def post(client: httpx.AsyncClient, url: str, form: dict[str, str]) -> httpx.Response:
    """Post a form with the CSRF token of the session (read from the sign-in page)."""
    token = csrf_of((await client.get("/portal/login")).text)
    return await client.post(url, data={**form, "csrf": token})


# -- the whole network, with a partner filter -------------------------------------------------


async def test_staff_see_every_partner_and_filter_by_one(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    w = await network_of_two(make, session)
    await signed_in_as(client, w["staff"])
    home = (await client.get("/portal/")).text
    assert "Cymru cohort" in home and "Cohorte France" in home
    assert 'href="/portal/partners"' in home and 'href="/portal/outbox"' in home  # the menu
    only_a = (await client.get(f"/portal/?partner={w['wales'].slug}")).text
    assert "Cymru cohort" in only_a and "Cohorte France" not in only_a
    members = (await client.get(f"/portal/members?partner={w['france'].id}")).text
    assert "Ville de Lyon" in members and "Aberdare Council" not in members
    assert f'<option value="{w["france"].slug}" selected>' in members
    nobody = (await client.get("/portal/members?partner=no-such-partner")).text
    assert "Ville de Lyon" not in nobody and "Aberdare Council" not in nobody


async def test_the_partner_filter_keeps_its_place_across_pages(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    w = await network_of_two(make, session)
    for n in range(PAGE_SIZE):
        await make.member(f"Welsh Council {n:02d}", partner=w["wales"])
    await session.commit()
    await signed_in_as(client, w["staff"])
    first = (await client.get(f"/portal/members?partner={w['wales'].slug}")).text
    link = re.search(r'rel="next" href="\?([^"]+)"', first)
    assert link is not None
    assert f"partner={w['wales'].slug}" in link.group(1)
    second = (await client.get("/portal/members?" + link.group(1).replace("&amp;", "&"))).text
    assert "Welsh Council 24" in second and "Ville de Lyon" not in second


async def test_a_partner_never_sees_the_filter_nor_another_partner_through_it(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    w = await network_of_two(make, session)
    await signed_in_as(client, w["a"])
    for url in ("/portal/", "/portal/members", "/portal/certificates"):
        page = await client.get(f"{url}?partner={w['france'].slug}")
        assert page.status_code == 200, url
        assert 'name="partner"' not in page.text
        assert "Ville de Lyon" not in page.text and "Cohorte France" not in page.text
    assert "Cymru cohort" in (await client.get(f"/portal/?partner={w['france'].slug}")).text
    for url in ("/portal/partners", "/portal/users", "/portal/outbox"):
        assert (await client.get(url)).status_code == 404, url


# -- partners ---------------------------------------------------------------------------------


async def test_staff_create_a_partner_and_a_bad_form_changes_nothing(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    w = await network_of_two(make, session)
    await signed_in_as(client, w["staff"])
    count = select(func.count()).select_from(Partner)
    before = await session.scalar(count)
    bad = await post(
        client, "/portal/partners/new", {"slug": "Not A Slug", "name": "", "countries": "GB, XX"}
    )
    assert bad.status_code == 422
    assert 'id="slug-error"' in bad.text and 'id="name-error"' in bad.text
    assert 'id="countries-error"' in bad.text
    assert 'value="Not A Slug"' in bad.text  # what was typed is shown again
    assert await session.scalar(count) == before
    made = await post(
        client,
        "/portal/partners/new",
        {"slug": "gwynedd-partner", "name": "Gwynedd", "countries": "gb fr"},
    )
    assert made.status_code == 303
    partner = await session.scalar(select(Partner).where(Partner.slug == "gwynedd-partner"))
    assert partner is not None
    assert (partner.name, partner.countries) == ("Gwynedd", ["GB", "FR"])
    assert made.headers["location"] == f"/portal/partners/{partner.id}?saved=1"


async def test_staff_edit_a_partner_but_never_its_slug(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    w = await network_of_two(make, session)
    wales: Partner = w["wales"]
    await signed_in_as(client, w["staff"])
    page = (await client.get(f"/portal/partners/{wales.id}")).text
    assert w["a"].email in page and "Cymru cohort" in page and "Cohorte France" not in page
    answer = await post(
        client,
        f"/portal/partners/{wales.id}/edit",
        {"name": "Partner in Wales", "countries": "GB, IE", "slug": "stolen"},
    )
    assert answer.status_code == 303
    await session.refresh(wales)
    assert (wales.name, wales.countries, wales.slug.startswith("partner-")) == (
        "Partner in Wales",
        ["GB", "IE"],
        True,
    )
    history = (await client.get(f"/portal/audit/partner/{wales.id}")).text
    assert "Partner changed" in history and "Partner in Wales" in history
    assert "Partner created" in history


# -- users ------------------------------------------------------------------------------------


async def test_inviting_a_partner_user_emails_a_link_to_choose_a_password(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    w = await network_of_two(make, session)
    await signed_in_as(client, w["staff"])
    form = {
        "role": "PARTNER",
        "partner": w["wales"].slug,
        "name": "Nia Jones",
        "email": "nia@wales.example",
        "language": "cy",
    }
    answer = await post(client, "/portal/users/invite", form)
    assert answer.status_code == 303
    user = await auth.find_user(session, "nia@wales.example")
    assert user is not None
    assert (user.role, user.partner_id, user.language) == (Role.PARTNER, w["wales"].id, "cy")
    assert answer.headers["location"] == f"/portal/users/{user.id}?saved=invited"
    message = await session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_email == "nia@wales.example")
    )
    assert message is not None
    assert (message.template, message.language) == ("user_invitation", "cy")
    link = message.context["password_url"]
    assert link.startswith("http") and "/portal/password/reset/" in link
    assert (await client.get(link.split("testserver", 1)[-1])).status_code == 200
    again = await post(client, "/portal/users/invite", form)
    assert again.status_code == 422 and 'id="email-error"' in again.text


async def test_inviting_a_member_contact_points_them_to_the_sign_in_page(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    w = await network_of_two(make, session)
    await signed_in_as(client, w["staff"])
    missing = await post(client, "/portal/users/invite", {"role": "MEMBER", "contact": ""})
    assert missing.status_code == 422 and 'id="contact-error"' in missing.text
    answer = await post(
        client, "/portal/users/invite", {"role": "MEMBER", "contact": "gareth@aberdare.example"}
    )
    assert answer.status_code == 303
    user = await auth.find_user(session, "gareth@aberdare.example")
    assert user is not None
    assert (user.role, user.contact_id) == (Role.MEMBER, w["gareth"].id)
    assert user.name.startswith("Gareth ")
    message = await session.scalar(
        select(OutboxMessage).where(OutboxMessage.template == "user_invitation")
    )
    assert message is not None
    assert message.context["password_url"] is None
    assert message.context["sign_in_url"].endswith("/portal/login")
    assert message.contact_id == w["gareth"].id


async def test_the_user_page_sends_a_reset_ends_sessions_and_revokes_tokens(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    settings: Any,
    session_factory: Any,
) -> None:
    w = await network_of_two(make, session)
    user_a: User = w["a"]
    secret = await make.token_for(user_a)
    await signed_in_as(client, w["staff"])
    # Partner A signs in elsewhere.
    app = create_app(settings, session_factory=session_factory)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as other,
    ):
        await signed_in_as(other, user_a)
        page = (await client.get(f"/portal/users/{user_a.id}")).text
        assert user_a.email in page and secret[:13] in page and secret not in page
        assert 'id="live-sessions">1<' in page
        reset = await post(client, f"/portal/users/{user_a.id}/password-reset", {})
        assert reset.headers["location"] == f"/portal/users/{user_a.id}?saved=reset"
        sent = await session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.to_email == user_a.email, OutboxMessage.template == "password_reset"
            )
        )
        assert sent is not None
        ended = await post(client, f"/portal/users/{user_a.id}/sessions/end", {})
        assert ended.headers["location"] == f"/portal/users/{user_a.id}?ended=1"
        shown = (await client.get(ended.headers["location"])).text
        assert "Portal sessions ended: 1" in shown
        assert (await other.get("/portal/")).headers["location"] == "/portal/login"
    token = await session.scalar(select(ApiToken).where(ApiToken.user_id == user_a.id))
    assert token is not None and token.revoked_at is None
    revoked = await post(client, f"/portal/users/{user_a.id}/tokens/{token.id}/revoke", {})
    assert revoked.status_code == 303
    assert await auth.authenticate_token(session, secret) is None
    # Another user's token through this user's page: not found, nothing changes.
    other_token = await make.token_for(w["b"])
    row = await session.scalar(
        select(ApiToken).where(ApiToken.token_hash == auth.hash_token(other_token))
    )
    assert row is not None
    wrong = await post(client, f"/portal/users/{user_a.id}/tokens/{row.id}/revoke", {})
    assert wrong.status_code == 404
    assert await auth.authenticate_token(session, other_token) is not None


async def test_staff_do_not_sign_themselves_out_by_accident(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    w = await network_of_two(make, session)
    staff: User = w["staff"]
    await signed_in_as(client, staff)
    refused = await post(client, f"/portal/users/{staff.id}/sessions/end", {})
    assert refused.status_code == 422 and 'id="confirm-error"' in refused.text
    assert (await client.get("/portal/")).status_code == 200
    live = select(func.count()).where(
        PortalSignIn.user_id == staff.id, PortalSignIn.revoked_at.is_(None)
    )
    assert await session.scalar(live) == 1
    done = await post(client, f"/portal/users/{staff.id}/sessions/end", {"confirm": "yes"})
    assert done.headers["location"] == "/portal/login"
    assert await session.scalar(live) == 0


async def test_users_are_listed_by_partner_role_and_state(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    w = await network_of_two(make, session)
    w["b"].is_active = False
    await session.commit()
    await signed_in_as(client, w["staff"])
    by_partner = (await client.get(f"/portal/users?partner={w['wales'].slug}")).text
    assert w["a"].email in by_partner and w["b"].email not in by_partner
    staff_only = (await client.get("/portal/users?role=STAFF")).text
    assert w["staff"].email in staff_only and w["a"].email not in staff_only
    inactive = (await client.get("/portal/users?active=no")).text
    assert w["b"].email in inactive and w["a"].email not in inactive


# -- the outbox -------------------------------------------------------------------------------


async def owed(session: AsyncSession, to: str, template: str, context: dict[str, Any]) -> Any:
    await queue_email(
        session, template=template, to_email=to, language="en", context=context, dedup_key=to
    )
    found = await session.scalar(select(OutboxMessage).where(OutboxMessage.to_email == to))
    assert found is not None
    return found


async def test_the_outbox_lists_what_did_not_go_out_and_retries_it(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    w = await network_of_two(make, session)
    notice = {"recipient_name": "Ann", "title": "Hello", "paragraphs": ["Hi"]}
    failed = await owed(session, "bounced@example.org", "notice", notice)
    failed.status, failed.last_error = OutboxStatus.FAILED, "550 no such mailbox"
    skipped = await owed(session, "optedout@example.org", "notice", notice)
    skipped.status, skipped.last_error = OutboxStatus.SKIPPED, "opted out"
    sent = await owed(session, "fine@example.org", "notice", notice)
    sent.status = OutboxStatus.SENT
    await session.commit()
    await signed_in_as(client, w["staff"])
    listed = (await client.get("/portal/outbox")).text
    assert "bounced@example.org" in listed and "550 no such mailbox" in listed
    assert "optedout@example.org" in listed and "fine@example.org" not in listed
    only_failed = (await client.get("/portal/outbox?status=FAILED&to=bounced")).text
    assert "bounced@example.org" in only_failed and "optedout@example.org" not in only_failed
    page = (await client.get(f"/portal/outbox/{failed.id}")).text
    assert "Hello" in page and "550 no such mailbox" in page
    answer = await post(client, f"/portal/outbox/{failed.id}/retry", {})
    assert answer.headers["location"] == f"/portal/outbox/{failed.id}?saved=retried"
    await session.refresh(failed)
    assert failed.status is OutboxStatus.PENDING
    twice = await post(client, f"/portal/outbox/{sent.id}/retry", {})
    assert twice.status_code == 422 and "would send it twice" in twice.text
    await session.refresh(sent)
    assert sent.status is OutboxStatus.SENT


async def test_a_message_page_withholds_secret_links(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    w = await network_of_two(make, session)
    secret = "https://testserver/portal/password/reset/very-secret-token"
    message = await owed(
        session,
        "someone@example.org",
        "password_reset",
        {"name": "Someone", "reset_url": secret, "minutes": 60},
    )
    await session.commit()
    await signed_in_as(client, w["staff"])
    page = (await client.get(f"/portal/outbox/{message.id}")).text
    assert "Reset your password" in page and "[link withheld]" in page
    assert "very-secret-token" not in page


# -- the audit trail --------------------------------------------------------------------------


async def test_the_audit_trail_reads_as_sentences_for_staff_only(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    w = await network_of_two(make, session)
    gareth = w["gareth"]
    events = select(func.count()).where(AuditEvent.entity_id == gareth.id)
    assert await session.scalar(events) >= 1
    await signed_in_as(client, w["staff"])
    page = await client.get(f"/portal/audit/contact/{gareth.id}")
    assert page.status_code == 200
    assert "Contact added" in page.text and "System" in page.text and "UTC" in page.text
    assert "gareth@aberdare.example" in page.text  # the recorded values
    welsh = (await client.get(f"/portal/audit/contact/{gareth.id}?lang=cy")).text
    assert "Hanes" in welsh  # the page's language
    member = await client.get(f"/portal/members/{gareth.member_id}")
    assert f'href="/portal/audit/contact/{gareth.id}"' in member.text
    assert (await client.get(f"/portal/audit/nothing/{gareth.id}")).status_code == 404
    await client.post("/portal/logout", data={"csrf": await page_token(client, "/portal/")})
    await signed_in_as(client, w["a"])
    assert (await client.get(f"/portal/audit/contact/{gareth.id}")).status_code == 404
    shown = await client.get(f"/portal/members/{gareth.member_id}")
    assert shown.status_code == 200 and "/portal/audit/" not in shown.text


# -- staff on a partner's pages ---------------------------------------------------------------


async def test_staff_add_a_new_member_to_a_cohort_for_the_cohorts_partner(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    w = await network_of_two(make, session)
    wales_id = w["wales"].id
    cohort_id = await session.scalar(select(Cohort.id).where(Cohort.partner_id == wales_id))
    await signed_in_as(client, w["staff"])
    url = f"/portal/cohorts/{cohort_id}/members"
    token = csrf_of((await client.get(url)).text)
    named = select(Member).where(Member.name == "Newport Council")
    # The cohort's partner works in GB only: a member elsewhere is refused, as for its users.
    abroad = await client.post(
        url, data={"csrf": token, "mode": "new", "new_name": "Newport Council", "new_country": "FR"}
    )
    assert abroad.status_code == 422 and 'id="new_country-error"' in abroad.text
    assert (await session.scalars(named)).all() == []
    made = await client.post(
        url, data={"csrf": token, "mode": "new", "new_name": "Newport Council", "new_country": "GB"}
    )
    assert made.status_code == 303
    session.expire_all()
    newport = (await session.scalars(named)).one()
    assert (newport.partner_id, newport.country) == (wales_id, "GB")
    in_cohort = select(CohortMember.member_id).where(CohortMember.cohort_id == cohort_id)
    assert newport.id in (await session.scalars(in_cohort)).all()


async def test_inviting_a_contact_whose_address_another_member_shares(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    w = await network_of_two(make, session)
    lyon = (await session.scalars(select(Member).where(Member.name == "Ville de Lyon"))).one()
    await make.contact(lyon, "gareth@aberdare.example", first_name="Gareth")
    await session.commit()
    await signed_in_as(client, w["staff"])
    gareth = str(w["gareth"].id)
    other = await post(
        client,
        "/portal/users/invite",
        {"role": "MEMBER", "contact": gareth, "email": "gareth@gmail.example"},
    )
    assert other.status_code == 422 and 'id="email-error"' in other.text
    assert 'value="gareth@gmail.example"' in other.text
    assert await auth.find_user(session, "gareth@aberdare.example") is None
    answer = await post(client, "/portal/users/invite", {"role": "MEMBER", "contact": gareth})
    assert answer.status_code == 303
    user = await auth.find_user(session, "gareth@aberdare.example")
    assert user is not None and user.contact_id == w["gareth"].id
    again = await post(client, "/portal/users/invite", {"role": "MEMBER", "contact": gareth})
    assert again.status_code == 422 and 'id="contact-error"' in again.text


async def test_a_staff_users_page_offers_no_password_reset(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    w = await network_of_two(make, session)
    colleague = await make.user(Role.STAFF)
    await session.commit()
    await signed_in_as(client, w["staff"])
    page = (await client.get(f"/portal/users/{colleague.id}")).text
    assert "/password-reset" not in page
    assert "/password-reset" in (await client.get(f"/portal/users/{w['a'].id}")).text
    refused = await post(client, f"/portal/users/{colleague.id}/password-reset", {})
    assert refused.status_code == 422
    assert "network users set-password" in refused.text
    sent = select(OutboxMessage).where(OutboxMessage.template == "password_reset")
    assert (await session.scalars(sent)).all() == []
