"""Certificates through HTTP and GraphQL: who may download, verification, revoke, reissue."""

from __future__ import annotations

import io
import secrets
import uuid
import zipfile

import httpx
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.app import create_app
from network.audit.models import AuditEvent
from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.certificates.models import Certificate
from network.config import Settings
from network.kit.enums import Role
from network.kit.ratelimit import VERIFY_LIMIT, rate_key
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import error_codes
from tests.support.training import Attended

VERIFY = """
query($code: String!) {
  verifyCertificate(code: $code) {
    number holderName courseTitle cpdHours status revokedReason supersededByNumber
  }
}"""


async def _issued(
    session: AsyncSession, make: Factory, attended: Attended
) -> tuple[Certificate, object, object]:
    wales = await make.partner()
    member = await make.member(partner=wales)
    holder = await make.contact(member, first_name="Siân", last_name="Ŵyn")
    training_session = await attended.session_with([holder], title="Map It")
    (certificate,) = await certificates.issue_certificates(
        session, SYSTEM, session_id=training_session.id
    )
    return certificate, wales, holder


async def test_only_the_entitled_download_the_pdf(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory, attended: Attended
) -> None:
    certificate, wales, holder = await _issued(session, make, attended)
    document = certificate.pdf
    other_partner = await make.partner()
    colleague = await make.contact(await make.member(partner=wales))
    tokens = {
        "staff": await make.token(Role.STAFF),
        "own partner": await make.token(Role.PARTNER, partner=wales),
        "holder": await make.token(Role.MEMBER, contact=holder),  # type: ignore[arg-type]
        "other partner": await make.token(Role.PARTNER, partner=other_partner),
        "other member user": await make.token(Role.MEMBER, contact=colleague),
        "anonymous": None,
        "bad token": "not-a-token",
    }
    await session.commit()
    path = f"/certificates/{certificate.id}.pdf"
    missing = await client.get(f"/certificates/{uuid.uuid4()}.pdf")
    assert missing.status_code == 404
    outcomes = {}
    for who, token in tokens.items():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await client.get(path, headers=headers)
        if response.status_code == 200:
            assert response.content == document
            assert response.headers["content-type"] == "application/pdf"
            outcomes[who] = "pdf"
        else:
            assert (response.status_code, response.content) == (404, missing.content)
            outcomes[who] = "404"
    assert outcomes == {
        "staff": "pdf",
        "own partner": "pdf",
        "holder": "pdf",
        "other partner": "404",
        "other member user": "404",
        "anonymous": "404",
        "bad token": "404",
    }
    zip_path = f"/training/sessions/{certificate.session_id}/certificates.zip"
    staff_zip = await client.get(zip_path, headers={"Authorization": f"Bearer {tokens['staff']}"})
    assert (staff_zip.status_code, staff_zip.headers["content-type"]) == (200, "application/zip")
    for who, expected in (("own partner", 200), ("other partner", 404), ("anonymous", 404)):
        token = tokens[who]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        assert (await client.get(zip_path, headers=headers)).status_code == expected, who
    with zipfile.ZipFile(io.BytesIO(staff_zip.content)) as archive:
        assert archive.namelist() == [f"{certificate.number}.pdf"]
        assert archive.read(f"{certificate.number}.pdf") == document
    holder_zip = await client.get(zip_path, headers={"Authorization": f"Bearer {tokens['holder']}"})
    assert holder_zip.status_code == 404


async def test_verify_revoke_and_reissue(
    gql: GraphQL, session: AsyncSession, make: Factory, attended: Attended
) -> None:
    certificate, _, holder = await _issued(session, make, attended)
    code, number = certificate.verification_code, certificate.number
    staff = await make.token(Role.STAFF)
    hours = """
    query($contactId: ID!) { cpdHoursByYear(contactId: $contactId) { year cpdHours } }"""
    assert await gql(hours, {"contactId": gid("Contact", holder)}, token=staff) == {
        "data": {"cpdHoursByYear": [{"year": certificate.session_starts_at.year, "cpdHours": 6.0}]}
    }
    valid = await gql(VERIFY, {"code": code})
    assert valid == {
        "data": {
            "verifyCertificate": {
                "number": number,
                "holderName": "Siân Ŵyn",
                "courseTitle": "Map It",
                "cpdHours": 6.0,
                "status": "VALID",
                "revokedReason": None,
                "supersededByNumber": None,
            }
        }
    }
    assert await gql(VERIFY, {"code": "x" * 22}) == {"data": {"verifyCertificate": None}}

    partner = await make.token(Role.PARTNER, partner=await make.partner())
    reissue = """
    mutation($input: ReissueCertificateInput!) {
      reissueCertificate(input: $input) {
        certificate { number status holderName } userErrors { field code }
      }
    }"""
    denied = await gql(
        reissue, {"input": {"certificateId": gid("Certificate", certificate)}}, token=partner
    )
    assert error_codes(denied["data"]["reissueCertificate"]) == [("certificateId", "FORBIDDEN")]
    done = await gql(
        reissue,
        {"input": {"certificateId": gid("Certificate", certificate), "holderName": "Siân Wyn"}},
        token=staff,
    )
    new = done["data"]["reissueCertificate"]
    assert new["userErrors"] == []
    assert new["certificate"]["status"] == "VALID"
    assert new["certificate"]["holderName"] == "Siân Wyn"
    new_number = new["certificate"]["number"]
    assert new_number != number
    old = await gql(VERIFY, {"code": code})
    assert old["data"]["verifyCertificate"]["status"] == "SUPERSEDED"
    assert old["data"]["verifyCertificate"]["supersededByNumber"] == new_number

    replacement = (
        await session.scalars(select(Certificate).where(Certificate.number == new_number))
    ).one()
    assert replacement.replaces_id == certificate.id
    revoke = """
    mutation($input: RevokeCertificateInput!) {
      revokeCertificate(input: $input) {
        certificate { number status revokedReason } userErrors { field code }
      }
    }"""
    blank = await gql(
        revoke,
        {"input": {"certificateId": gid("Certificate", replacement), "reason": " "}},
        token=staff,
    )
    assert error_codes(blank["data"]["revokeCertificate"]) == [("reason", "BLANK")]
    revoked = await gql(
        revoke,
        {"input": {"certificateId": gid("Certificate", replacement), "reason": "Did not attend"}},
        token=staff,
    )
    assert revoked["data"]["revokeCertificate"] == {
        "certificate": {
            "number": new_number,
            "status": "REVOKED",
            "revokedReason": "Did not attend",
        },
        "userErrors": [],
    }
    check = await gql(VERIFY, {"code": replacement.verification_code})
    assert check["data"]["verifyCertificate"]["status"] == "REVOKED"
    assert check["data"]["verifyCertificate"]["revokedReason"] == "Did not attend"
    actions = (
        await session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.in_(["certificate.reissued", "certificate.revoked"]))
            .order_by(AuditEvent.action)
        )
    ).all()
    assert list(actions) == ["certificate.reissued", "certificate.revoked"]

    listing = """
    query($filter: CertificateFilter) {
      certificates(first: 10, filter: $filter) { edges { node { number status } } }
    }"""
    mine = await gql(listing, {"filter": {"contactId": gid("Contact", holder)}}, token=staff)
    assert mine["data"]["certificates"]["edges"] == sorted(
        [
            {"node": {"number": number, "status": "SUPERSEDED"}},
            {"node": {"number": new_number, "status": "REVOKED"}},
        ],
        key=lambda e: e["node"]["number"],
    )
    outsider = await gql(listing, {"filter": None}, token=partner)
    assert outsider["data"]["certificates"]["edges"] == []
    # Both certificates of the holder are superseded or revoked: no hours count.
    assert await gql(hours, {"contactId": gid("Contact", holder)}, token=staff) == {
        "data": {"cpdHoursByYear": []}
    }


async def test_verify_page_is_public_escaped_and_rate_limited(
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    make: Factory,
    attended: Attended,
    settings: Settings,
) -> None:
    member = await make.member()
    holder = await make.contact(member, first_name="<b>Bo</b>", last_name="Ŷ")
    training_session = await attended.session_with([holder], title="Grow It")
    (certificate,) = await certificates.issue_certificates(
        session, SYSTEM, session_id=training_session.id
    )
    await session.commit()
    # A client address of its own, so concurrent test runs on this Redis never share a counter.
    address = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    app = create_app(settings, session_factory=session_factory)
    redis = Redis.from_url(settings.redis_url)
    await redis.delete(rate_key(address))
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        page = await client.get(f"/verify/{certificate.verification_code}")
        assert page.status_code == 200
        assert "&lt;b&gt;Bo&lt;/b&gt; Ŷ" in page.text
        assert "<strong>VALID</strong>" in page.text
        assert certificate.number in page.text
        unknown = await client.get("/verify/nothing-here")
        assert unknown.status_code == 404
        for _ in range(VERIFY_LIMIT - 2):
            await client.get("/verify/nothing-here")
        limited = await client.get(f"/verify/{certificate.verification_code}")
        assert limited.status_code == 429
        graphql = await client.post(
            "/graphql",
            json={"query": VERIFY, "variables": {"code": certificate.verification_code}},
        )
        assert graphql.json()["data"] == {"verifyCertificate": None}
        assert [e["extensions"]["code"] for e in graphql.json()["errors"]] == ["RATE_LIMITED"]
    await redis.delete(rate_key(address))
    await redis.aclose()
