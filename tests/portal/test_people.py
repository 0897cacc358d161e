"""Members and contacts in the portal: lists, contact forms, a cohort's members, CSV exports."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.enums import Network, Role
from network.members.models import Member
from network.portal.web import PAGE_SIZE
from network.programme.models import CohortMember
from network.usecases import attendance, exports
from network.usecases import contacts as contact_cases
from tests.support.config import PASSWORD
from tests.support.database import StatementCounter
from tests.support.factories import Factory
from tests.support.portal import csrf_of, sign_in
from tests.support.training import TrainingFactory


async def two_partners(make: Factory, session: AsyncSession) -> dict[str, Any]:
    """Partner A (signed-in user, a cohort of two members with contacts) and partner B."""
    wales, france = await make.partner(), await make.partner()
    aberdare = await make.member("Aberdare Council", partner=wales)
    bangor = await make.member("Bangor Council", partner=wales, country="GB")
    outside = await make.member("Cardiff Council", partner=wales)  # not in the cohort
    siân = await make.contact(
        aberdare, "sian@aberdare.example", first_name="Siân", last_name="Llŷr", language="cy"
    )
    cohort = await make.cohort("Cymru cohort", partner=wales, members=[aberdare, bangor])
    lyon = await make.member("Ville de Lyon", partner=france, country="FR")
    hélène = await make.contact(lyon, "helene@lyon.example", first_name="Hélène")
    other_cohort = await make.cohort(
        "Cohorte France", partner=france, network=Network.CITIZEN_POWERED_COUNCIL, members=[lyon]
    )
    user_a = await make.user(Role.PARTNER, partner=wales)
    user_b = await make.user(Role.PARTNER, partner=france)
    for user in (user_a, user_b):
        await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    await session.commit()
    return {
        "a": user_a.email,
        "b": user_b.email,
        "wales": wales,
        "aberdare": aberdare,
        "bangor": bangor,
        "outside": outside,
        "sian": siân,
        "cohort": cohort,
        "lyon": lyon,
        "helene": hélène,
        "other_cohort": other_cohort,
    }


async def contact_row(session: AsyncSession, **where: Any) -> Any:
    """The contact as the database has it now (not the session's cached copy)."""
    statement = select(Contact).filter_by(**where).execution_options(populate_existing=True)
    return (await session.scalars(statement)).one_or_none()


async def test_members_list_searches_filters_and_pages(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    world = await two_partners(make, session)
    for n in range(PAGE_SIZE):
        await make.member(f"Zed Town {n:02d}", partner=world["wales"])
    await make.member("Paris", partner=world["wales"], country="FR")
    await session.commit()
    await sign_in(client, world["a"], PASSWORD)

    first = await client.get("/portal/members")
    assert first.status_code == 200
    names = re.findall(r'<a href="/portal/members/[^"]+">([^<]+)</a>', first.text)
    assert len(names) == PAGE_SIZE
    assert names[:4] == ["Aberdare Council", "Bangor Council", "Cardiff Council", "Paris"]
    assert "Ville de Lyon" not in first.text  # partner B's member
    aberdare_row = first.text.split(f'/portal/members/{world["aberdare"].id}"', 1)[1]
    assert "<td>1</td>" in aberdare_row.split("</tr>", 1)[0]  # Siân, its one contact
    cursor = re.search(r'rel="next" href="\?after=([^"]+)"', first.text)
    assert cursor is not None
    second = await client.get(f"/portal/members?after={cursor.group(1)}")
    rest = re.findall(r'<a href="/portal/members/[^"]+">([^<]+)</a>', second.text)
    assert rest == ["Zed Town 21", "Zed Town 22", "Zed Town 23", "Zed Town 24"]
    assert 'rel="next"' not in second.text

    found = await client.get("/portal/members?q=bang")
    assert re.findall(r'<a href="/portal/members/[^"]+">([^<]+)</a>', found.text) == [
        "Bangor Council"
    ]
    in_cohort = await client.get(f"/portal/members?cohort={world['cohort'].id}")
    assert re.findall(r'<a href="/portal/members/[^"]+">([^<]+)</a>', in_cohort.text) == [
        "Aberdare Council",
        "Bangor Council",
    ]
    hidden = await client.get(f"/portal/members?cohort={world['other_cohort'].id}")
    assert "No members to show." in hidden.text
    french = await client.get("/portal/members?country=fr")
    assert re.findall(r'<a href="/portal/members/[^"]+">([^<]+)</a>', french.text) == ["Paris"]
    welsh = await client.get("/portal/members?lang=cy&q=zzz")
    assert "Dim aelodau i&#39;w dangos." in welsh.text


async def test_member_page_shows_cohorts_and_contacts(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    world = await two_partners(make, session)
    await sign_in(client, world["a"], PASSWORD)
    page = await client.get(f"/portal/members/{world['aberdare'].id}")
    assert page.status_code == 200
    assert "Siân Llŷr" in page.text and "sian@aberdare.example" in page.text
    assert "Cymru cohort" in page.text and "Cymraeg" in page.text
    assert f'href="/portal/members/{world["aberdare"].id}/contacts/new"' in page.text
    assert f'href="/portal/contacts/{world["sian"].id}/edit"' in page.text
    assert (await client.get(f"/portal/members/{world['lyon'].id}")).status_code == 404
    pages = {
        "/portal/members": ("Chwilio yn ôl enw", "Rechercher par nom"),
        f"/portal/members/{world['aberdare'].id}": ("Ychwanegu cyswllt", "Ajouter un contact"),
        f"/portal/members/{world['aberdare'].id}/contacts/new": ("Cyfenw", "Nom de famille"),
        f"/portal/contacts/{world['sian'].id}/edit": ("Golygu cyswllt", "Modifier le contact"),
        f"/portal/cohorts/{world['cohort'].id}/members": ("Aelodau'r garfan", "Membres de la"),
    }
    for url, (welsh, french) in pages.items():
        for lang, text in (("cy", welsh), ("fr", french)):
            answer = await client.get(f"{url}?lang={lang}")
            assert answer.status_code == 200
            assert f'<html lang="{lang}">' in answer.text
            assert text.replace("'", "&#39;") in answer.text, (url, lang)
    assert (await client.get("/portal/members/not-a-uuid")).status_code == 404
    assert (await client.get(f"/portal/contacts/{world['helene'].id}/edit")).status_code == 404


async def test_add_edit_archive_and_restore_a_contact(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    world = await two_partners(make, session)
    member = world["bangor"]
    await sign_in(client, world["a"], PASSWORD)
    form_page = await client.get(f"/portal/members/{member.id}/contacts/new")
    assert form_page.status_code == 200
    for field in ("first_name", "last_name", "email", "job_title", "language", "consent_scope"):
        assert f'<label for="{field}">' in form_page.text
    token = csrf_of(form_page.text)
    made = await client.post(
        f"/portal/members/{member.id}/contacts/new",
        data={
            "csrf": token,
            "first_name": "Gwen",
            "last_name": "Owen",
            "email": "Gwen@Bangor.example",
            "job_title": "Community officer",
            "language": "cy",
            "consent_scope": "Programme emails",
            "consent_given_on": "2026-01-10",
            "consent_method": "Signed form",
            "opt_out": ["newsletter", "training"],
        },
    )
    assert made.status_code == 303
    assert made.headers["location"] == f"/portal/members/{member.id}?saved=contact"
    gwen = await contact_row(session, email="gwen@bangor.example")
    assert (gwen.member_id, gwen.first_name, gwen.language) == (member.id, "Gwen", "cy")
    assert gwen.email_opt_outs == ["newsletter", "training"]
    assert gwen.consent_given_at.date().isoformat() == "2026-01-10"
    assert gwen.consent_method == "Signed form"

    edit = await client.get(f"/portal/contacts/{gwen.id}/edit")
    assert 'value="Gwen"' in edit.text and 'value="2026-01-10"' in edit.text
    assert 'value="newsletter" checked' in edit.text
    changed = await client.post(
        f"/portal/contacts/{gwen.id}/edit",
        data={
            "csrf": token,
            "first_name": "Gwenllian",
            "last_name": "Owen",
            "email": "gwen@bangor.example",
            "job_title": "",
            "language": "fr",
            "consent_scope": "Programme emails",
            "consent_given_on": "2026-01-10",
            "consent_method": "Signed form",
            "opt_out": "programme",
        },
    )
    assert changed.status_code == 303
    gwen = await contact_row(session, id=gwen.id)
    assert (gwen.first_name, gwen.job_title, gwen.language) == ("Gwenllian", None, "fr")
    assert gwen.email_opt_outs == ["programme"]

    archived = await client.post(f"/portal/contacts/{gwen.id}/archive", data={"csrf": token})
    assert archived.headers["location"] == f"/portal/members/{member.id}?saved=archived"
    assert (await contact_row(session, id=gwen.id)).archived_at is not None
    page = await client.get(archived.headers["location"])
    archived_part = page.text.split("Archived contacts", 1)[1]
    assert "Gwenllian Owen" in archived_part
    assert f'action="/portal/contacts/{gwen.id}/restore"' in archived_part
    assert "You can restore it below." in page.text

    restored = await client.post(f"/portal/contacts/{gwen.id}/restore", data={"csrf": token})
    assert restored.headers["location"] == f"/portal/members/{member.id}?saved=restored"
    assert (await contact_row(session, id=gwen.id)).archived_at is None

    # Another partner's contact cannot be archived: 404 and unchanged.
    other = await client.post(
        f"/portal/contacts/{world['helene'].id}/archive", data={"csrf": token}
    )
    assert other.status_code == 404
    assert (await contact_row(session, id=world["helene"].id)).archived_at is None


async def test_contact_form_errors_are_next_to_the_fields_and_keep_the_input(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    world = await two_partners(make, session)
    member = world["aberdare"]
    await sign_in(client, world["a"], PASSWORD)
    token = csrf_of((await client.get(f"/portal/members/{member.id}/contacts/new")).text)
    form = {
        "csrf": token,
        "first_name": "Rhys",
        "last_name": "",
        "email": "not an email",
        "job_title": "Clerc",
        "language": "cy",
        "consent_given_on": "yesterday",
    }
    bad = await client.post(f"/portal/members/{member.id}/contacts/new", data=form)
    assert bad.status_code == 422
    assert '<div id="consent_given_on-error" class="error">Not a date (YYYY-MM-DD).' in bad.text
    assert 'value="Rhys"' in bad.text and 'value="not an email"' in bad.text
    assert 'value="Clerc"' in bad.text and 'value="cy" lang="cy" selected' in bad.text

    form["consent_given_on"] = ""
    bad = await client.post(f"/portal/members/{member.id}/contacts/new?lang=cy", data=form)
    assert bad.status_code == 422
    assert '<div id="email-error" class="error">Nid yw&#39;n gyfeiriad e-bost dilys.' in bad.text
    assert '<div id="last_name-error" class="error">Gofynnol.' in bad.text
    assert 'aria-describedby="email-error" aria-invalid="true"' in bad.text

    duplicate = {**form, "last_name": "Jones", "email": "sian@aberdare.example"}
    taken = await client.post(f"/portal/members/{member.id}/contacts/new?lang=en", data=duplicate)
    assert taken.status_code == 422
    assert (
        '<div id="email-error" class="error">This member already has a contact with this email.'
        in taken.text
    )
    count = select(func.count()).select_from(Contact).where(Contact.member_id == member.id)
    assert (await session.execute(count)).scalar_one() == 1

    # Editing into a colleague's email is refused the same way.
    other = await make.contact(member, "other@aberdare.example")
    await session.commit()
    edit = await client.post(
        f"/portal/contacts/{other.id}/edit",
        data={**duplicate, "first_name": "Other", "language": "en"},
    )
    assert edit.status_code == 422
    assert 'id="email-error"' in edit.text and 'value="Other"' in edit.text
    assert (await contact_row(session, id=other.id)).email == "other@aberdare.example"


async def test_consent_scope_and_date_errors_are_next_to_their_fields_in_the_page_language(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    world = await two_partners(make, session)
    member = world["aberdare"]
    await sign_in(client, world["a"], PASSWORD)
    token = csrf_of((await client.get(f"/portal/members/{member.id}/contacts/new")).text)
    form = {
        "csrf": token,
        "first_name": "Rhys",
        "last_name": "Jones",
        "email": "rhys.jones@aberdare.example",
        "language": "cy",
        "consent_given_on": "1850-05-01",
        "consent_scope": "x" * 2001,
    }
    bad = await client.post(f"/portal/members/{member.id}/contacts/new?lang=cy", data=form)
    assert bad.status_code == 422
    assert '<div id="consent_given_on-error" class="error">Rhy bell yn y gorffennol.' in bad.text
    assert '<div id="consent_scope-error" class="error">Rhy hir.' in bad.text
    count = select(func.count()).select_from(Contact).where(Contact.member_id == member.id)
    assert (await session.execute(count)).scalar_one() == 1


async def test_add_existing_and_new_members_to_a_cohort_and_remove_one(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    world = await two_partners(make, session)
    cohort = world["cohort"]
    await sign_in(client, world["a"], PASSWORD)
    page = await client.get(f"/portal/cohorts/{cohort.id}/members")
    assert page.status_code == 200
    assert f'<option value="{world["outside"].id}">Cardiff Council (GB)</option>' in page.text
    assert f'<option value="{world["aberdare"].id}"' not in page.text  # already in it
    assert "Ville de Lyon" not in page.text
    assert f'href="/portal/cohorts/{cohort.id}/contacts.csv' in page.text
    assert f'href="/portal/cohorts/{cohort.id}/bookings.csv' in page.text
    token = csrf_of(page.text)

    url = f"/portal/cohorts/{cohort.id}/members"
    added = await client.post(
        url, data={"csrf": token, "mode": "existing", "member": str(world["outside"].id)}
    )
    assert added.status_code == 303
    assert added.headers["location"] == f"{url}?saved=added"
    in_cohort = select(CohortMember.member_id).where(CohortMember.cohort_id == cohort.id)
    assert world["outside"].id in (await session.scalars(in_cohort)).all()

    # Partner B's member cannot be added, whatever id is posted.
    hidden = await client.post(
        url, data={"csrf": token, "mode": "existing", "member": str(world["lyon"].id)}
    )
    assert hidden.status_code == 422
    assert '<div id="member-error" class="error">Not found' in hidden.text
    nothing = await client.post(url, data={"csrf": token, "mode": "existing", "member": ""})
    assert nothing.status_code == 422 and "Please choose one." in nothing.text

    wrong = await client.post(
        url, data={"csrf": token, "mode": "new", "new_name": "Tenby Town", "new_country": "XX"}
    )
    assert wrong.status_code == 422
    assert '<div id="new_country-error" class="error">Not a two-letter' in wrong.text
    assert 'value="Tenby Town"' in wrong.text
    named = select(Member).where(Member.name == "Tenby Town")
    assert (await session.scalars(named)).all() == []

    new = await client.post(
        url, data={"csrf": token, "mode": "new", "new_name": "Tenby Town", "new_country": "gb"}
    )
    assert new.status_code == 303
    tenby = (await session.scalars(named)).one()
    assert (tenby.partner_id, tenby.country, tenby.network) == (
        world["wales"].id,
        "GB",
        cohort.network,
    )
    assert tenby.id in (await session.scalars(in_cohort)).all()

    confirm = await client.get(f"{url}/{world['bangor'].id}/remove")
    assert confirm.status_code == 200
    assert "Remove Bangor Council from Cymru cohort?" in confirm.text
    removed = await client.post(f"{url}/{world['bangor'].id}/remove", data={"csrf": token})
    assert removed.headers["location"] == f"{url}?saved=removed"
    assert world["bangor"].id not in (await session.scalars(in_cohort)).all()
    assert (await client.get(f"{url}/{world['bangor'].id}/remove")).status_code == 404


async def test_restoring_a_contact_whose_email_is_taken_again_says_so(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    world = await two_partners(make, session)
    sian = world["sian"]
    await contact_cases.archive_contact(session, SYSTEM, sian.id)
    await make.contact(world["aberdare"], "sian@aberdare.example", first_name="New")
    await session.commit()
    await sign_in(client, world["a"], PASSWORD)
    page = await client.get(f"/portal/members/{world['aberdare'].id}")
    answer = await client.post(
        f"/portal/contacts/{sian.id}/restore", data={"csrf": csrf_of(page.text)}
    )
    assert answer.status_code == 422
    assert (
        f'<div id="contact-{sian.id}-error" class="error">'
        "This member already has a contact with this email." in answer.text
    )
    assert (await contact_row(session, id=sian.id)).archived_at is not None


async def test_exports_are_scoped_and_cost_a_fixed_number_of_statements(
    make: Factory,
    session: AsyncSession,
    count_statements: Callable[[], StatementCounter],
) -> None:
    world = await two_partners(make, session)
    for n in range(5):
        await make.contact(world["bangor"], f"extra{n}@bangor.example")
    await session.commit()
    users = {email: await auth.find_user(session, email) for email in (world["a"], world["b"])}
    a = auth.principal_for(users[world["a"]])
    b = auth.principal_for(users[world["b"]])
    cohort_id = world["cohort"].id
    assert await exports.cohort_contacts(session, b, cohort_id) is None
    assert await exports.cohort_bookings(session, b, cohort_id) is None
    counter = count_statements()
    counter.reset()
    rows = await exports.cohort_contacts(session, a, cohort_id)
    assert rows is not None and len(rows) == 6
    assert counter.count == 2  # the cohort check, then every row at once
    counter.reset()
    assert await exports.cohort_bookings(session, a, cohort_id) == []
    assert counter.count == 2


def read_csv(answer: httpx.Response) -> list[list[str]]:
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel looks for
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


async def test_csv_exports_of_a_cohort(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    world = await two_partners(make, session)
    cohort, bangor = world["cohort"], world["bangor"]
    tricky = await make.contact(
        bangor, "x@bangor.example", first_name="=HYPERLINK()", last_name="Jones", job_title="-2+3"
    )
    gone = await make.contact(bangor, "gone@bangor.example", first_name="Ann", last_name="Gone")
    await make.contact(world["outside"], "cardiff@example.org")  # not in the cohort
    train = TrainingFactory(session)
    course = await train.course("Outcome-Based Commissioning")
    now = utcnow()
    past = await train.session_of(
        course, starts_at=(now - timedelta(days=2)).replace(microsecond=0), now=now - timedelta(10)
    )
    attended = await train.book(past, world["sian"], now=now - timedelta(days=9))
    await attendance.mark_attendance(session, SYSTEM, booking_ids=[attended.id], attended=True)
    issued = await certificates.issue_certificates(session, SYSTEM, session_id=past.id)
    full = await train.session_of(course, capacity=1, time_zone="Europe/Paris")
    await train.book(full, tricky)
    await train.book(full, gone)
    await contact_cases.archive_contact(session, SYSTEM, gone.id)
    await session.commit()
    await sign_in(client, world["a"], PASSWORD)

    answer = await client.get(f"/portal/cohorts/{cohort.id}/contacts.csv")
    assert answer.status_code == 200
    assert (
        answer.headers["content-disposition"] == 'attachment; filename="cymru-cohort-contacts.csv"'
    )
    rows = read_csv(answer)
    assert rows[0][:6] == [
        "Member",
        "First name",
        "Last name",
        "Email",
        "Job title",
        "Preferred language",
    ]
    assert rows[0][-1] == "Archived"
    body = [(r[0], r[1], r[2], r[3], r[4], r[5], r[-1]) for r in rows[1:]]
    assert body == [
        ("Aberdare Council", "Siân", "Llŷr", "sian@aberdare.example", "", "cy", "no"),
        ("Bangor Council", "Ann", "Gone", "gone@bangor.example", "", "en", "yes"),
        ("Bangor Council", "'=HYPERLINK()", "Jones", "x@bangor.example", "'-2+3", "en", "no"),
    ]

    answer = await client.get(f"/portal/cohorts/{cohort.id}/bookings.csv?lang=fr")
    assert answer.status_code == 200
    rows = read_csv(answer)
    assert rows[0][0] == "Membre" and rows[0][-1] == "Numéro du certificat"
    start = past.starts_at.astimezone(ZoneInfo("Europe/London"))
    assert rows[1] == [
        "Aberdare Council",
        "Siân Llŷr",
        "sian@aberdare.example",
        "Outcome-Based Commissioning",
        f"{start:%Y-%m-%d %H:%M}",
        "Europe/London",
        "ATTENDED",
        "",
        "oui",
        issued[0].number,
    ]
    assert [r[1] for r in rows[2:]] == ["Ann Gone", "'=HYPERLINK() Jones"]
    assert [r[6] for r in rows[2:]] == ["WAITLISTED", "CONFIRMED"]
    assert [r[7] for r in rows[2:]] == ["1", ""]  # Jones took the only seat; Ann waits
    assert [r[5] for r in rows[2:]] == ["Europe/Paris", "Europe/Paris"]

    for name in ("contacts.csv", "bookings.csv"):
        other = await client.get(f"/portal/cohorts/{world['other_cohort'].id}/{name}")
        assert other.status_code == 404
        assert (await client.get(f"/portal/cohorts/nonsense/{name}")).status_code == 404


async def test_forms_posted_without_their_token_are_refused_and_change_nothing(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    world = await two_partners(make, session)
    cohort, member, sian = world["cohort"], world["bangor"], world["sian"]
    await sign_in(client, world["a"], PASSWORD)
    posts = [
        (
            f"/portal/members/{member.id}/contacts/new",
            {"first_name": "A", "last_name": "B", "email": "ab@example.org", "language": "en"},
        ),
        (
            f"/portal/contacts/{sian.id}/edit",
            {"first_name": "Changed", "last_name": "B", "email": "c@example.org"},
        ),
        (f"/portal/contacts/{sian.id}/archive", {}),
        (f"/portal/cohorts/{cohort.id}/members", {"mode": "existing", "member": "x"}),
        (
            f"/portal/cohorts/{cohort.id}/members",
            {"mode": "new", "new_name": "Sneaky", "new_country": "GB"},
        ),
        (f"/portal/cohorts/{cohort.id}/members/{member.id}/remove", {}),
    ]
    for url, form in posts:
        for sent in (form, {**form, "csrf": "wrong"}):
            answer = await client.post(url, data=sent)
            assert answer.status_code == 403, url
    sian_now = await contact_row(session, id=sian.id)
    assert (sian_now.first_name, sian_now.archived_at) == ("Siân", None)
    assert await contact_row(session, email="ab@example.org") is None
    assert (await session.scalars(select(Member).where(Member.name == "Sneaky"))).all() == []
    in_cohort = select(CohortMember.member_id).where(CohortMember.cohort_id == cohort.id)
    assert set((await session.scalars(in_cohort)).all()) == {world["aberdare"].id, member.id}
