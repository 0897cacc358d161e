"""My data: a member contact sees what we hold, asks for a copy and downloads it."""

from __future__ import annotations

import io
import zipfile

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.consent.models import ConsentEvent
from network.kit.enums import ConsentChannel, ConsentPurpose
from network.privacy import exports
from network.privacy.models import ExportStatus, PersonalDataExport
from tests.support.factories import Factory
from tests.support.portal import csrf_of
from tests.support.portal_certs import as_user, certificate_scene


async def test_my_data_shows_what_we_hold_and_gives_a_copy(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    scene = await certificate_scene(session, make)
    session.add(
        ConsentEvent(
            contact_id=scene.holder.id,
            purpose=ConsentPurpose.TRAINING_OFFERS,
            given=False,
            wording_version="v1",
            channel=ConsentChannel.EMAIL_LINK,
        )
    )
    await session.commit()
    await as_user(client, scene, "member")
    training = await client.get("/portal/training")
    assert 'href="/portal/my-data"' in training.text
    assert 'id="my-data-download"' in training.text  # the button, right on My training

    page = await client.get("/portal/my-data")
    assert page.status_code == 200
    assert scene.holder.email in page.text and "Isle of Anglesey County Council" in page.text
    assert '<dd id="count-certificates">1</dd>' in page.text
    assert '<dd id="count-bookings">1</dd>' in page.text
    offers = page.text.split('id="consent-TRAINING_OFFERS"')[1].split("</tr>")[0]
    news = page.text.split('id="consent-NETWORK_NEWS"')[1].split("</tr>")[0]
    assert "No (withdrawn)" in offers and "Yes" in news
    assert "You have not asked for a copy yet." in page.text

    asked = await client.post("/portal/my-data/export", data={"csrf": csrf_of(page.text)})
    assert asked.status_code == 303
    assert asked.headers["location"] == "/portal/my-data?asked=1"
    export = await session.scalar(select(PersonalDataExport))
    assert export is not None and export.contact_id == scene.holder.id
    pending = await client.get("/portal/my-data?asked=1")
    assert "Being prepared" in pending.text and "/download/" not in pending.text

    built = await exports.build_export(session, export.id)
    await session.commit()
    assert built is not None and built.status is ExportStatus.READY
    ready = await client.get("/portal/my-data")
    link = ready.text.split('href="/portal/my-data/exports/')[1].split('"')[0]
    answer = await client.get(f"/portal/my-data/exports/{link}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["cache-control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert archive.read(f"certificates/{scene.mine.number}.pdf")[:4] == b"%PDF"

    # The same link is nobody else's: partner A (who may see the holder) gets the 404.
    await as_user(client, scene, "partner A")
    assert (await client.get(f"/portal/my-data/exports/{link}")).status_code == 404


async def test_the_button_on_my_training_asks_for_a_copy(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    scene = await certificate_scene(session, make)
    await session.commit()
    await as_user(client, scene, "member")
    training = await client.get("/portal/training")
    form = training.text.split('action="/portal/my-data/export"')[1].split("</form>")[0]
    assert 'id="my-data-download"' in form

    asked = await client.post("/portal/my-data/export", data={"csrf": csrf_of(training.text)})
    assert asked.status_code == 303 and asked.headers["location"] == "/portal/my-data?asked=1"
    export = await session.scalar(select(PersonalDataExport))
    assert export is not None and export.contact_id == scene.holder.id
    assert export.status is ExportStatus.PENDING
