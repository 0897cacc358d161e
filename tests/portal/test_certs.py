"""Certificates in the portal: the partner's list, its filters and totals, and the downloads."""

from __future__ import annotations

import io
import uuid
import zipfile
from decimal import Decimal

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.portal.labels import certs as certs_labels
from network.portal.labels import mine as mine_labels
from tests.support.factories import Factory
from tests.support.portal_certs import as_user, certificate_scene, principal_of


async def test_a_partner_lists_only_its_members_certificates_with_the_total_hours(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    scene = await certificate_scene(session, make)
    await as_user(client, scene, "partner A")
    page = await client.get("/portal/certificates")
    assert page.status_code == 200
    for certificate in (scene.mine, scene.theirs):
        assert certificate.number in page.text
        assert f'href="/portal/certificates/{certificate.id}.pdf"' in page.text
    assert scene.foreign.number not in page.text
    assert "Gwenllian Ellis" in page.text and "Isle of Anglesey County Council" in page.text
    assert '<strong id="cpd-total">12.0</strong>' in page.text
    assert "certificates.zip" not in page.text  # the ZIP is offered for one session

    await as_user(client, scene, "partner B")
    page = await client.get("/portal/certificates")
    assert page.status_code == 200
    assert scene.foreign.number in page.text
    assert scene.mine.number not in page.text and scene.theirs.number not in page.text
    assert '<strong id="cpd-total">3.0</strong>' in page.text


async def test_the_filters_narrow_the_list_and_the_total(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    scene = await certificate_scene(session, make)
    await as_user(client, scene, "partner A")

    by_member = await client.get(f"/portal/certificates?member={scene.powys.id}")
    assert scene.theirs.number in by_member.text and scene.mine.number not in by_member.text
    assert '<strong id="cpd-total">6.0</strong>' in by_member.text

    by_name = await client.get("/portal/certificates?q=gwenll")
    assert scene.mine.number in by_name.text and scene.theirs.number not in by_name.text

    year = scene.held.starts_at.year
    this_year = await client.get(f"/portal/certificates?year={year}")
    assert scene.mine.number in this_year.text and scene.theirs.number in this_year.text
    other_year = await client.get(f"/portal/certificates?year={year - 5}")
    assert scene.mine.number not in other_year.text
    assert '<strong id="cpd-total">0</strong>' in other_year.text

    by_session = await client.get(f"/portal/certificates?session={scene.held.id}")
    assert scene.mine.number in by_session.text and scene.theirs.number in by_session.text
    assert f'href="/portal/sessions/{scene.held.id}/certificates.zip"' in by_session.text
    assert f"Training session: <strong>{scene.mine.course_title}, " in by_session.text

    bad_year = await client.get("/portal/certificates?year=soon&q=gwen")
    assert bad_year.status_code == 422
    assert '<div id="year-error" class="error">Not a year (for example 2026).</div>' in (
        bad_year.text
    )
    assert 'value="soon"' in bad_year.text and 'value="gwen"' in bad_year.text
    welsh = await client.get("/portal/certificates?year=soon&lang=cy")
    assert "Nid yw hon yn flwyddyn" in welsh.text

    # Another partner's session or member as a filter shows nothing of theirs.
    foreign = await client.get(f"/portal/certificates?session={scene.other_held.id}")
    assert foreign.status_code == 200 and scene.foreign.number not in foreign.text
    assert (await client.get("/portal/certificates?member=not-an-id")).status_code == 404


async def test_the_list_is_paginated(
    client: httpx.AsyncClient,
    session: AsyncSession,
    make: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scene = await certificate_scene(session, make)
    monkeypatch.setattr("network.portal.certs.PAGE_SIZE", 1)
    await as_user(client, scene, "partner A")
    first = await client.get("/portal/certificates")
    numbers = sorted([scene.mine.number, scene.theirs.number])
    assert numbers[0] in first.text and numbers[1] not in first.text
    assert 'rel="next"' in first.text
    href = first.text.split('rel="next" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = await client.get(f"/portal/certificates{href}")
    assert numbers[1] in second.text and numbers[0] not in second.text
    assert 'rel="next"' not in second.text
    assert '<strong id="cpd-total">12.0</strong>' in second.text  # the total is of every page
    assert (await client.get("/portal/certificates?after=garbage")).status_code == 404


async def test_pdf_downloads_are_real_pdfs_for_the_entitled_only(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    scene = await certificate_scene(session, make)
    await as_user(client, scene, "partner A")
    answer = await client.get(f"/portal/certificates/{scene.theirs.id}.pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="{scene.theirs.number}.pdf"'
    )
    assert answer.content.startswith(b"%PDF")
    assert answer.content == scene.theirs.pdf
    foreign = await client.get(f"/portal/certificates/{scene.foreign.id}.pdf")
    assert foreign.status_code == 404
    assert "Page not found" in foreign.text  # the portal's own 404 page
    assert (await client.get(f"/portal/certificates/{uuid.uuid4()}.pdf")).status_code == 404
    assert (await client.get("/portal/certificates/nonsense.pdf")).status_code == 404

    await as_user(client, scene, "member")
    own = await client.get(f"/portal/certificates/{scene.mine.id}.pdf")
    assert own.status_code == 200 and own.content.startswith(b"%PDF")
    assert (await client.get(f"/portal/certificates/{scene.theirs.id}.pdf")).status_code == 404


async def test_a_sessions_zip_holds_the_partners_pdfs(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    scene = await certificate_scene(session, make)
    await as_user(client, scene, "partner A")
    answer = await client.get(f"/portal/sessions/{scene.held.id}/certificates.zip")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="certificates-{scene.held.id}.zip"'
    )
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert sorted(archive.namelist()) == sorted(
            [f"{scene.mine.number}.pdf", f"{scene.theirs.number}.pdf"]
        )
        assert archive.read(f"{scene.mine.number}.pdf") == scene.mine.pdf
    other = await client.get(f"/portal/sessions/{scene.other_held.id}/certificates.zip")
    assert other.status_code == 404
    assert (await client.get("/portal/sessions/bad/certificates.zip")).status_code == 404

    await as_user(client, scene, "partner B")
    answer = await client.get(f"/portal/sessions/{scene.held.id}/certificates.zip")
    assert answer.status_code == 404


async def test_a_revoked_certificate_is_listed_as_such_and_left_out_of_the_total(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    scene = await certificate_scene(session, make)
    await certificates.revoke_certificate(
        session, SYSTEM, certificate_id=scene.theirs.id, reason="Issued in error"
    )
    await session.commit()
    await as_user(client, scene, "partner A")
    page = await client.get("/portal/certificates?lang=fr")
    assert "Révoqué" in page.text and "Valide" in page.text
    assert '<strong id="cpd-total">6.0</strong>' in page.text


async def test_the_total_and_the_filters_keep_to_the_principals_scope(
    session: AsyncSession, make: Factory
) -> None:
    scene = await certificate_scene(session, make)
    partner_a = await principal_of(session, scene.emails["partner A"])
    partner_b = await principal_of(session, scene.emails["partner B"])
    held = certificates.CertificateQuery(session_id=scene.held.id)
    assert await certificates.total_cpd_hours(session, partner_a, held) == Decimal("12.0")
    assert await certificates.total_cpd_hours(session, partner_b, held) == Decimal(0)
    page = await certificates.list_certificates(
        session,
        partner_b,
        certificates.CertificateQuery(member_id=scene.anglesey.id),
        first=10,
        after=None,
    )
    assert list(page.rows) == []
    found = await certificates.list_certificates(
        session,
        partner_a,
        certificates.CertificateQuery(search="100%_\\", year=scene.held.starts_at.year),
        first=10,
        after=None,
    )
    assert list(found.rows) == []  # %, _ and \ are taken literally


def test_every_label_of_the_area_is_in_english_welsh_and_french() -> None:
    for area in (certs_labels, mine_labels):
        english = set(area.LABELS["en"])
        assert set(area.LABELS["cy"]) == english
        assert set(area.LABELS["fr"]) == english
