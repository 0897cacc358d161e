"""A person's data, on request: who may ask, what the ZIP holds, who may download it."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from arq.jobs import Job
from redis.asyncio import Redis
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from network.audit.models import AuditEvent
from network.auth import login_links
from network.auth.models import User
from network.auth.principal import SYSTEM, Principal, PrincipalKind
from network.certificates import service as certificates
from network.certificates.models import Certificate
from network.config import Settings
from network.consent.models import ConsentEvent
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.enums import ConsentChannel, ConsentPurpose, Role, RsvpResponse
from network.kit.errors import DomainError
from network.kit.ids import from_global_id
from network.kit.owed import Job as JobName
from network.meetings import service as meetings
from network.members.models import Member
from network.messaging.models import OutboxMessage
from network.messaging.service import queue_email
from network.partners.models import Partner
from network.privacy import exports
from network.privacy.erasure import erase_person
from network.privacy.models import ExportStatus, PersonalDataExport
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.meetings import schedule, upcoming
from tests.support.messaging import wait_for
from tests.support.training import Attended

EXPORT = """
mutation($input: ExportPersonalDataInput!) {
  exportPersonalData(input: $input) {
    export { id status contact { email } readyAt expiresAt sizeBytes downloadUrl }
    userErrors { field code message }
  }
}"""
NODE = """
query($id: ID!) {
  node(id: $id) { ... on PersonalDataExport { id status sizeBytes downloadUrl } }
}"""


@dataclass
class Scene:
    """Partner A's member Aberdare with Siân (a member user: booked, attended, certified,
    invited, answered, written to, with consent events) and her colleague Gareth; partner B."""

    partner_a: Partner
    partner_b: Partner
    aberdare: Member
    sian: Contact
    gareth: Contact
    certificate: Certificate
    tokens: dict[str, str]
    users: dict[str, User]


async def build_scene(session: AsyncSession, make: Factory, attended: Attended) -> Scene:
    partner_a, partner_b = await make.partner(), await make.partner()
    aberdare = await make.member("Aberdare Council", partner=partner_a)
    await make.member("Ville de Lyon", partner=partner_b, country="FR")
    sian = await make.contact(
        aberdare, first_name="Siân", last_name="Pryce", language="cy", job_title="Swyddog"
    )
    gareth = await make.contact(aberdare, first_name="Gareth", last_name="Morgan")
    held = await attended.session_with([sian], title=f"Map It {uuid.uuid4().hex[:6]}")
    (certificate,) = await certificates.issue_certificates(session, SYSTEM, session_id=held.id)
    cohort = await make.cohort("Cymru cohort", partner=partner_a, members=[aberdare])
    meeting = await schedule(
        session, cohort, starts_at=upcoming(days=12), title="Focus It gathering"
    )
    await meetings.rsvp(
        session, SYSTEM, meeting_id=meeting.id, contact_id=sian.id, response=RsvpResponse.MAYBE
    )
    await queue_email(
        session,
        template="notice",
        to_email=sian.email,
        language="en",
        context={"recipient_name": "Siân", "title": "Hello", "paragraphs": ["Llanfair news."]},
        dedup_key=f"test-notice:{sian.id}",
        contact_id=sian.id,
    )
    session.add_all(
        [
            ConsentEvent(
                contact_id=sian.id,
                purpose=ConsentPurpose.NETWORK_NEWS,
                given=True,
                wording_version="v1",
                channel=ConsentChannel.FORM,
            ),
            ConsentEvent(
                contact_id=sian.id,
                purpose=ConsentPurpose.NETWORK_NEWS,
                given=False,
                wording_version="v1",
                channel=ConsentChannel.EMAIL_LINK,
            ),
        ]
    )
    users = {
        "staff": await make.user(Role.STAFF),
        "partner A": await make.user(Role.PARTNER, partner=partner_a),
        "partner B": await make.user(Role.PARTNER, partner=partner_b),
        "member": await make.user(Role.MEMBER, contact=sian),
        "colleague": await make.user(Role.MEMBER, contact=gareth),
    }
    tokens = {who: await make.token_for(user) for who, user in users.items()}
    return Scene(partner_a, partner_b, aberdare, sian, gareth, certificate, tokens, users)


@pytest.fixture
async def scene(session: AsyncSession, make: Factory, attended: Attended) -> Scene:
    return await build_scene(session, make, attended)


async def ask(gql: GraphQL, scene: Scene, who: str, contact: Contact) -> dict[str, Any]:
    body = await gql(
        EXPORT, {"input": {"contactId": gid("Contact", contact)}}, token=scene.tokens[who]
    )
    result: dict[str, Any] = body["data"]["exportPersonalData"]
    return result


async def counts(session: AsyncSession) -> tuple[int, int]:
    made = await session.scalar(select(func.count()).select_from(PersonalDataExport))
    audited = await session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "personal_data.export_requested")
    )
    return int(made or 0), int(audited or 0)


async def build(session: AsyncSession, export_gid: str) -> PersonalDataExport:
    parsed = from_global_id(export_gid)
    assert parsed is not None and parsed[0] == "PersonalDataExport"
    export_id = parsed[1]
    built = await exports.build_export(session, export_id)
    await session.commit()
    assert built is not None
    return built


@pytest.mark.parametrize("who", ["staff", "partner A", "member"])
async def test_staff_the_partner_and_the_person_may_ask(
    gql: GraphQL, session: AsyncSession, scene: Scene, who: str
) -> None:
    result = await ask(gql, scene, who, scene.sian)
    assert result["userErrors"] == []
    export = result["export"]
    assert (export["status"], export["contact"], export["downloadUrl"]) == (
        "PENDING",
        {"email": scene.sian.email},
        None,
    )
    row = await session.scalar(select(PersonalDataExport))
    assert row is not None
    assert (row.contact_id, row.requested_by_user_id) == (scene.sian.id, scene.users[who].id)
    audit = await session.scalar(
        select(AuditEvent).where(AuditEvent.action == "personal_data.export_requested")
    )
    assert audit is not None
    assert (audit.entity_id, audit.actor_user_id) == (row.id, scene.users[who].id)


@pytest.mark.parametrize(("who", "whom"), [("partner B", "sian"), ("colleague", "sian")])
async def test_others_get_not_found_and_nothing_is_made(
    gql: GraphQL, session: AsyncSession, scene: Scene, who: str, whom: str
) -> None:
    result = await ask(gql, scene, who, getattr(scene, whom))
    assert result["export"] is None
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [("contactId", "NOT_FOUND")]
    assert await counts(session) == (0, 0)


async def test_an_erased_person_has_nothing_to_export(
    gql: GraphQL, session: AsyncSession, scene: Scene
) -> None:
    await session.execute(
        update(Contact).where(Contact.id == scene.gareth.id).values(erased_at=utcnow())
    )
    result = await ask(gql, scene, "staff", scene.gareth)
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [("contactId", "ERASED")]
    assert await counts(session) == (0, 0)


async def test_asking_owes_the_build_job_after_the_commit(
    gql: GraphQL, session: AsyncSession, scene: Scene, settings: Settings
) -> None:
    redis = Redis.from_url(settings.redis_url)
    try:
        before = set(await redis.zrange(settings.worker_queue_name, 0, -1))
        result = await ask(gql, scene, "member", scene.sian)
        new = set(await redis.zrange(settings.worker_queue_name, 0, -1)) - before
        infos = [
            await Job(raw.decode(), redis, _queue_name=settings.worker_queue_name).info()
            for raw in new
        ]
        row = await session.scalar(select(PersonalDataExport))
        assert row is not None
        jobs = [(i.function, i.args) for i in infos if i is not None]
        assert (JobName.BUILD_PERSONAL_DATA_EXPORT.value, (str(row.id),)) in jobs
        assert result["export"]["id"] == gid("PersonalDataExport", row)
        if new:
            await redis.zrem(settings.worker_queue_name, *new)
    finally:
        await redis.aclose()


async def test_a_lost_job_is_found_by_the_sweep(
    gql: GraphQL, session: AsyncSession, scene: Scene
) -> None:
    await ask(gql, scene, "staff", scene.sian)
    row = await session.scalar(select(PersonalDataExport))
    assert row is not None
    assert await exports.lost_exports(session) == []
    assert await exports.lost_exports(session, now=utcnow() + timedelta(minutes=2)) == [row.id]


def read_zip(content: bytes) -> tuple[dict[str, Any], zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return orjson.loads(archive.read("personal-data.json")), archive


async def test_the_zip_holds_everything_about_the_person(
    gql: GraphQL, session: AsyncSession, scene: Scene
) -> None:
    result = await ask(gql, scene, "partner A", scene.sian)
    built = await build(session, result["export"]["id"])
    assert built.status is ExportStatus.READY
    assert built.content is not None and built.size_bytes == len(built.content)
    assert built.expires_at == built.ready_at + timedelta(days=7)  # type: ignore[operator]
    data, archive = read_zip(built.content)

    assert data["contact"]["id"] == str(scene.sian.id)
    assert data["contact"]["email"] == scene.sian.email
    assert data["contact"]["member_name"] == "Aberdare Council"
    assert [(u["email"], u["role"]) for u in data["user_accounts"]] == [
        (scene.users["member"].email, "MEMBER")
    ]
    assert all("password_hash" not in u for u in data["user_accounts"])
    assert all("token_hash" not in t for t in data["api_tokens"])
    assert len(data["api_tokens"]) == 1
    assert [(e["purpose"], e["given"]) for e in data["consent_events"]] == [
        ("NETWORK_NEWS", True),
        ("NETWORK_NEWS", False),
    ]
    assert {c["purpose"]: c["given"] for c in data["current_consents"]} == {
        "NETWORK_NEWS": False,
        "MEETING_INVITATIONS": True,
        "TRAINING_OFFERS": True,
    }
    (booking,) = data["bookings"]
    assert booking["status"] == "ATTENDED" and booking["course_title"].startswith("Map It ")
    assert [a["attended"] for a in data["attendance"]] == [True]
    (certificate,) = data["certificates"]
    assert certificate["number"] == scene.certificate.number
    assert certificate["file"] == f"certificates/{scene.certificate.number}.pdf"
    (invitation,) = data["meeting_invitations"]
    assert (invitation["meeting_title"], invitation["response"]) == ("Focus It gathering", "MAYBE")
    notice = next(e for e in data["emails"] if e["template"] == "notice")
    assert "Llanfair news." in notice["text_body"] and "Llanfair news." in notice["html_body"]
    assert notice["subject"]
    # The booking, certificate and invitation emails too, each with its body.
    assert len(data["emails"]) >= 3
    assert all(e["to_email"] == scene.sian.email for e in data["emails"])
    actions = {e["action"] for e in data["audit_entries"]}
    assert "personal_data.export_requested" in actions
    assert "meeting.rsvp" in actions
    assert any(a.startswith("booking.") for a in actions)
    # ISO dates with their offset, UUIDs as text.
    assert data["contact"]["created_at"].endswith("+00:00")

    names = set(archive.namelist())
    assert {
        "README.txt",
        "personal-data.json",
        "contact.csv",
        "bookings.csv",
        "emails.csv",
    } <= names
    rows = list(csv.DictReader(io.StringIO(archive.read("bookings.csv").decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == [booking["id"]]
    contact_rows = list(
        csv.DictReader(io.StringIO(archive.read("contact.csv").decode("utf-8-sig")))
    )
    assert contact_rows[0]["email"] == scene.sian.email


async def test_the_zip_holds_the_certificates_pdfs_byte_for_byte(
    gql: GraphQL, session: AsyncSession, scene: Scene
) -> None:
    result = await ask(gql, scene, "member", scene.sian)
    built = await build(session, result["export"]["id"])
    assert built.content is not None
    _, archive = read_zip(built.content)
    stored = await session.scalar(
        select(Certificate.pdf).where(Certificate.id == scene.certificate.id)
    )
    assert stored is not None and stored.startswith(b"%PDF")
    assert archive.read(f"certificates/{scene.certificate.number}.pdf") == stored


async def test_building_twice_leaves_a_ready_export_alone(
    gql: GraphQL, session: AsyncSession, scene: Scene
) -> None:
    result = await ask(gql, scene, "staff", scene.sian)
    first = await build(session, result["export"]["id"])
    sha, ready = first.sha256, first.ready_at
    again = await build(session, result["export"]["id"])
    assert (again.status, again.sha256, again.ready_at) == (ExportStatus.READY, sha, ready)


def path_of(url: str) -> str:
    """The link's path (an absolute URL under BASE_URL)."""
    path = httpx.URL(url).path
    assert path.startswith("/exports/") and "/download/" in path
    return path


async def test_the_download_works_for_the_requester_only(
    gql: GraphQL, client: httpx.AsyncClient, session: AsyncSession, scene: Scene
) -> None:
    result = await ask(gql, scene, "partner A", scene.sian)
    export_gid = result["export"]["id"]
    built = await build(session, export_gid)
    mine = await gql(NODE, {"id": export_gid}, token=scene.tokens["partner A"])
    url = mine["data"]["node"]["downloadUrl"]
    assert mine["data"]["node"]["status"] == "READY"
    # Staff may see the export, not download it; partner B and the person do not see it.
    staff = await gql(NODE, {"id": export_gid}, token=scene.tokens["staff"])
    assert staff["data"]["node"] == {
        "id": export_gid,
        "status": "READY",
        "sizeBytes": built.size_bytes,
        "downloadUrl": None,
    }
    for other in ("partner B", "member"):
        hidden = await gql(NODE, {"id": export_gid}, token=scene.tokens[other])
        assert hidden["data"]["node"] is None, other

    path = path_of(url)
    answer = await client.get(
        path, headers={"Authorization": f"Bearer {scene.tokens['partner A']}"}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert answer.content == built.content
    downloads = await session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == "personal_data.export_downloaded",
            AuditEvent.entity_id == built.id,
            AuditEvent.actor_user_id == scene.users["partner A"].id,
        )
    )
    assert downloads == 1

    for who in ("staff", "partner B", "member"):
        refused = await client.get(path, headers={"Authorization": f"Bearer {scene.tokens[who]}"})
        assert refused.status_code == 404, who
    assert (await client.get(path)).status_code == 404  # anonymous
    stamp, _, signature = path.rsplit("/", 1)[1].partition(".")
    forged = path.rsplit("/", 1)[0] + f"/{int(stamp) + 86400}.{signature}"
    bad = f"{path.rsplit('/', 1)[0]}/not-a-token"
    for wrong in (forged, bad, path.replace(str(built.id), str(uuid.uuid4()))):
        answer = await client.get(
            wrong, headers={"Authorization": f"Bearer {scene.tokens['partner A']}"}
        )
        assert answer.status_code == 404, wrong
    downloads_after = await session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "personal_data.export_downloaded")
    )
    assert downloads_after == 1


async def test_an_expired_export_is_not_found(
    gql: GraphQL, client: httpx.AsyncClient, session: AsyncSession, scene: Scene
) -> None:
    result = await ask(gql, scene, "member", scene.sian)
    built = await build(session, result["export"]["id"])
    past = utcnow() - timedelta(minutes=1)
    await session.execute(
        update(PersonalDataExport).where(PersonalDataExport.id == built.id).values(expires_at=past)
    )
    await session.commit()
    # Even a link signed for the new expiry (which only the server could make) is refused.
    token = exports.download_token(built.id, scene.users["member"].id, past)
    answer = await client.get(
        f"/exports/{built.id}/download/{token}",
        headers={"Authorization": f"Bearer {scene.tokens['member']}"},
    )
    assert answer.status_code == 404
    node = await gql(NODE, {"id": result["export"]["id"]}, token=scene.tokens["member"])
    assert node["data"]["node"]["downloadUrl"] is None
    assert await exports.expire_exports(session) == 1
    content = await session.scalar(
        select(PersonalDataExport.content).where(PersonalDataExport.id == built.id)
    )
    assert content is None


# -- no secrets in the ZIP -----------------------------------------------------------------------


def every_file(content: bytes) -> bytes:
    """All the ZIP's files, decompressed, one after the other (to search for a secret)."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    return b"\n".join(archive.read(name) for name in archive.namelist())


async def context_of(session: AsyncSession, template: str, contact: Contact) -> dict[str, Any]:
    context = await session.scalar(
        select(OutboxMessage.context).where(
            OutboxMessage.template == template, OutboxMessage.contact_id == contact.id
        )
    )
    assert context is not None, template
    return dict(context)


async def test_no_live_link_reaches_the_zip(
    gql: GraphQL, session: AsyncSession, scene: Scene
) -> None:
    member = scene.users["member"]
    await login_links.request_login_link(session, member.email)
    await login_links.request_password_reset(session, member.email)
    secrets = {
        "sign-in": (await context_of(session, "login_link", scene.sian))["login_url"],
        "reset": (await context_of(session, "password_reset", scene.sian))["reset_url"],
        "RSVP": (await context_of(session, "meeting_invitation", scene.sian))["rsvp_yes_url"],
    }
    # The token parts themselves: the last piece of each link's path.
    tokens = {
        what: url.split("?")[0].rstrip("/").rsplit("/", 1)[1] for what, url in secrets.items()
    }
    assert all(len(token) >= 20 for token in tokens.values()), tokens
    # A partner asks for the person's export (the attack: reset, export, read the link).
    result = await ask(gql, scene, "partner A", scene.sian)
    built = await build(session, result["export"]["id"])
    assert built.status is ExportStatus.READY and built.content is not None
    everything = every_file(built.content)
    for what, token in tokens.items():
        assert token.encode() not in everything, what
        assert secrets[what].encode() not in everything, what
    data, _ = read_zip(built.content)
    shown = {e["template"]: e for e in data["emails"]}
    for template in ("login_link", "password_reset", "meeting_invitation"):
        email = shown[template]
        assert email["subject"] and email["created_at"], template
        assert "[link withheld]" in email["text_body"], template
        assert "[link withheld]" in email["html_body"], template
    assert {link["purpose"] for link in data["sign_in_links"]} == {"SIGN_IN", "PASSWORD_RESET"}


# -- whose emails --------------------------------------------------------------------------------


async def test_another_contact_at_the_same_address_keeps_their_emails(
    gql: GraphQL, session: AsyncSession, make: Factory, scene: Scene
) -> None:
    # The same address, as a contact of another member (the same person working for two).
    elsewhere = await make.contact(
        await make.member("Cardiff Council", partner=scene.partner_a), scene.sian.email
    )
    notices = {
        "theirs": elsewhere.id,
        "unnamed": None,  # written to the address without naming a contact: hers
    }
    for key, contact_id in notices.items():
        await queue_email(
            session,
            template="notice",
            to_email=scene.sian.email,
            language="en",
            context={"recipient_name": "S", "title": f"About {key}", "paragraphs": []},
            dedup_key=f"same-address:{key}",
            contact_id=contact_id,
        )
    result = await ask(gql, scene, "staff", scene.sian)
    built = await build(session, result["export"]["id"])
    assert built.content is not None
    data, _ = read_zip(built.content)
    subjects = {e["subject"] for e in data["emails"]}
    assert "About unnamed" in subjects
    assert "About theirs" not in subjects
    assert b"About theirs" not in every_file(built.content)


# -- asking again, and erasure ------------------------------------------------------------------


async def test_asking_again_returns_the_same_export_while_it_is_recent(
    gql: GraphQL, session: AsyncSession, scene: Scene
) -> None:
    first = await ask(gql, scene, "partner A", scene.sian)
    again = await ask(gql, scene, "partner A", scene.sian)
    assert again["export"]["id"] == first["export"]["id"]  # PENDING: the same one
    await build(session, first["export"]["id"])
    ready = await ask(gql, scene, "partner A", scene.sian)
    assert ready["userErrors"] == []
    assert (ready["export"]["id"], ready["export"]["status"]) == (first["export"]["id"], "READY")
    assert await counts(session) == (1, 1)
    # Another user's asking is their own export.
    staff = await ask(gql, scene, "staff", scene.sian)
    assert staff["export"]["id"] != first["export"]["id"]
    # A day later, asking makes a new one.
    await session.execute(
        update(PersonalDataExport)
        .where(PersonalDataExport.requested_by_user_id == scene.users["partner A"].id)
        .values(requested_at=utcnow() - timedelta(hours=25))
    )
    await session.commit()
    later = await ask(gql, scene, "partner A", scene.sian)
    assert later["export"]["id"] not in (first["export"]["id"], staff["export"]["id"])
    assert later["export"]["status"] == "PENDING"
    assert await counts(session) == (3, 3)


async def test_an_export_of_a_person_erased_since_fails_with_nothing_in_it(
    gql: GraphQL, session: AsyncSession, scene: Scene
) -> None:
    result = await ask(gql, scene, "staff", scene.sian)
    await session.execute(
        update(Contact).where(Contact.id == scene.sian.id).values(erased_at=utcnow())
    )
    built = await build(session, result["export"]["id"])
    row = (
        await session.execute(
            select(
                PersonalDataExport.status,
                PersonalDataExport.content,
                PersonalDataExport.size_bytes,
                PersonalDataExport.error,
            ).where(PersonalDataExport.id == built.id)
        )
    ).one()
    assert (row.status, row.content, row.size_bytes) == (ExportStatus.FAILED, None, None)
    assert row.error is not None and "Siân" not in row.error


async def lock_waiters(engine: AsyncEngine) -> int:
    """How many connections wait for a row lock."""
    statement = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
    async with engine.connect() as connection:
        return int((await connection.execute(statement)).scalar_one())


async def person_and_staff(
    committed: async_sessionmaker[AsyncSession],
) -> tuple[uuid.UUID, Principal]:
    async with committed() as session:
        make = Factory(session)
        contact = await make.contact(await make.member("Powys"), "erase-me@powys.example")
        user = await make.user(Role.STAFF)
        await session.commit()
        return contact.id, Principal(PrincipalKind.STAFF, user_id=user.id, email=user.email)


async def test_asking_while_the_person_is_being_erased_waits_and_is_refused(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine
) -> None:
    contact_id, staff = await person_and_staff(committed)
    async with committed() as erasing:
        await erase_person(erasing, SYSTEM, contact_id, "asked by phone")

        async def asking() -> None:
            async with committed() as session:
                await exports.request_export(session, staff, contact_id)
                await session.commit()

        asked = asyncio.create_task(asking())
        await wait_for(lambda: waiting(outbox_engine), within=10, what="the request to wait")
        await erasing.commit()
    with pytest.raises(DomainError) as refused:
        await asked
    assert [(e.field, e.code) for e in refused.value.errors] == [("contactId", "ERASED")]
    async with committed() as session:
        assert await session.scalar(select(func.count()).select_from(PersonalDataExport)) == 0


async def test_two_requests_at_once_make_one_export(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine
) -> None:
    contact_id, staff = await person_and_staff(committed)
    async with committed() as first:
        made = await exports.request_export(first, staff, contact_id)

        async def second() -> uuid.UUID:
            async with committed() as session:
                export = await exports.request_export(session, staff, contact_id)
                await session.commit()
                return export.id

        asked = asyncio.create_task(second())
        await wait_for(lambda: waiting(outbox_engine), within=10, what="the second to wait")
        await first.commit()
    assert await asked == made.id
    async with committed() as session:
        assert await session.scalar(select(func.count()).select_from(PersonalDataExport)) == 1


async def test_building_while_the_person_is_being_erased_waits_and_builds_nothing(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine
) -> None:
    contact_id, staff = await person_and_staff(committed)
    async with committed() as session:
        export = await exports.request_export(session, staff, contact_id)
        await session.commit()
        export_id = export.id
    async with committed() as erasing:
        await erase_person(erasing, SYSTEM, contact_id, "asked by phone")

        async def building() -> PersonalDataExport | None:
            async with committed() as session:
                built = await exports.build_export(session, export_id)
                await session.commit()
                return built

        built = asyncio.create_task(building())
        await wait_for(lambda: waiting(outbox_engine), within=10, what="the build to wait")
        await erasing.commit()
    assert await built is None  # erasure deleted the export before it was built
    async with committed() as session:
        assert await session.scalar(select(func.count()).select_from(PersonalDataExport)) == 0


async def waiting(engine: AsyncEngine) -> bool:
    return await lock_waiters(engine) > 0
