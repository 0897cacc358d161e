"""What a certificate names besides the holder: provider, accreditation, trainer, format,
learning outcomes, organisation, signatory; in five languages; stored at issue, so a reissue or
a re-rendering prints the same record; and the PDF's metadata."""

from __future__ import annotations

import hashlib
import io
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.certificates.issuing import NETWORK_NAMES, snapshot_of
from network.certificates.models import Certificate
from network.certificates.pdf import render_pdf
from network.config import get_settings
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.enums import Network, Role
from network.members.models import Member
from network.training import service as training
from network.training.enums import CourseFormat
from network.training.models import Course, TrainingSession
from network.usecases import attendance
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.training import TrainingFactory

OUTCOMES = {
    "en": ["Understand co-production through the Four Co's.", "Build an action plan."],
    "cy": ["Deall cydgynhyrchu drwy'r Four Co's.", "Llunio cynllun gweithredu."],
    "fr": ["Comprendre la coproduction grâce aux quatre « Co ».", "Élaborer un plan d'action."],
    "de": ["Koproduktion anhand der vier „Co“ verstehen.", "Einen Aktionsplan erstellen."],
}


def pdf_text(document: bytes) -> str:
    """The text of a PDF's only page, with runs of whitespace made single spaces."""
    reader = pypdf.PdfReader(io.BytesIO(document))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


async def _course(session: AsyncSession, **kw: Any) -> Course:
    return await training.create_course(
        session,
        SYSTEM,
        title=kw.get("title", "Co-Production Star training"),
        format=kw.get("format", CourseFormat.HALF_DAY),
        cpd_hours=kw.get("cpd_hours", "3.5"),
        cpd_certified=True,
        accreditation=kw.get("accreditation", "CPD Standards Office"),
        accreditation_reference=kw.get("accreditation_reference", "40123"),
        learning_outcomes=kw.get("learning_outcomes", OUTCOMES),
    )


async def _held(
    session: AsyncSession, course: Course, people: list[Contact], trainer: str = "Ana Trainer"
) -> TrainingSession:
    """A session of the course that has ended, its people marked ATTENDED."""
    train = TrainingFactory(session)
    start = (utcnow() + timedelta(days=10)).replace(microsecond=0)
    row = await train.session_of(course, capacity=len(people), starts_at=start, trainer=trainer)
    bookings = [await train.book(row, person) for person in people]
    row.starts_at = utcnow().replace(microsecond=0) - timedelta(days=2)
    row.ends_at = row.starts_at + timedelta(hours=3)
    await session.flush()
    await attendance.mark_attendance(
        session, SYSTEM, booking_ids=[b.id for b in bookings], attended=True
    )
    return row


async def _issued(session: AsyncSession, row: TrainingSession) -> dict[Any, Certificate]:
    """Every current certificate of the session (issued now, or already on marking), by contact."""
    await certificates.issue_certificates(session, SYSTEM, session_id=row.id)
    found = (
        await session.scalars(
            select(Certificate)
            .options(undefer(Certificate.pdf))
            .where(Certificate.session_id == row.id)
        )
    ).all()
    return {c.contact_id: c for c in found}


async def test_the_certificate_names_who_what_and_how_in_english(
    session: AsyncSession, make: Factory
) -> None:
    member = await make.member("Kent County Council")
    person = await make.contact(member, first_name="Emma", last_name="Hughes", language="en")
    row = await _held(session, await _course(session), [person])

    certificate = (await _issued(session, row))[person.id]

    assert certificate.particulars == {
        "provider": "Governance International",
        "accreditation": "CPD Standards Office",
        "accreditation_reference": "40123",
        "trainer": "Ana Trainer",
        "format": "HALF_DAY",
        "learning_outcomes": [{"language": "en", "outcomes": OUTCOMES["en"]}],
        "organisation": "Kent County Council",
        "signatory_name": get_settings().certificate_signatory_name,
        "signatory_role": get_settings().certificate_signatory_role,
        "signature_image": None,
    }
    text = pdf_text(certificate.pdf)
    assert "This certifies that Emma Hughes of Kent County Council attended" in text
    assert "Co-Production Star training" in text
    assert "Format: Half day" in text
    assert "CPD hours: 3.5" in text
    assert "Trainer: Ana Trainer" in text
    assert "Learning outcomes • Understand co-production through the Four Co's." in text
    assert "• Build an action plan." in text
    assert "Training provided by Governance International" in text
    assert "Certified by the CPD Standards Office" in text
    assert "Provider reference 40123" in text
    issued = certificate.issued_at
    assert f"Issued on {issued.day} {issued:%B} {issued.year}" in text
    assert get_settings().certificate_signatory_name in text
    assert get_settings().certificate_signatory_role in text


async def test_each_language_has_whole_sentences_its_numbers_and_dates(
    session: AsyncSession, make: Factory
) -> None:
    member = await make.member("Stadt Mannheim")
    people = {
        language: await make.contact(
            member, first_name="Jürgen", last_name="Groß", language=language
        )
        for language in ("en", "cy", "fr", "es", "de")
    }
    course = await _course(session, title="Map It", format=CourseFormat.TWO_DAY)
    row = await _held(session, course, list(people.values()))
    issued = await _issued(session, row)
    text = {language: pdf_text(issued[p.id].pdf) for language, p in people.items()}
    moment = issued[people["en"].id].issued_at
    month = moment.month - 1

    # German: the verb goes to the end of the clause, after the course.
    assert (
        "Hiermit wird bestätigt, dass Jürgen Groß (Stadt Mannheim) an der Fortbildung Map It "
        "teilgenommen hat"
    ) in text["de"]
    assert "CPD-Stunden: 3,5" in text["de"]
    assert "Format: Zweitägig" in text["de"]
    assert "Die Fortbildung wurde von Governance International durchgeführt" in text["de"]
    assert "Anbieternummer: 40123" in text["de"]
    german_months = "Januar Februar März April Mai Juni Juli August September Oktober November"
    german_month = (german_months + " Dezember").split()[month]
    assert f"Ausgestellt am {moment.day}. {german_month} {moment.year}" in text["de"]
    assert "Lernergebnisse • Koproduktion anhand der vier „Co“ verstehen." in text["de"]

    assert (
        "Ce certificat atteste que Jürgen Groß (Stadt Mannheim) a suivi la formation Map It"
        in (text["fr"])
    )
    assert "Heures CPD: 3,5" in text["fr"]
    assert "Format: Deux jours" in text["fr"]
    assert "Référence du prestataire : 40123" in text["fr"]
    assert "• Comprendre la coproduction grâce aux quatre « Co »." in text["fr"]

    assert (
        "Se certifica que Jürgen Groß (Stadt Mannheim) asistió a la formación Map It"
        in (text["es"])
    )
    assert "Horas CPD: 3,5" in text["es"]
    assert "Formato: Dos jornadas" in text["es"]
    # No Spanish outcomes: the English ones are printed.
    assert (
        "Resultados de aprendizaje • Understand co-production through the Four Co's."
        in (text["es"])
    )
    assert issued[people["es"].id].particulars["learning_outcomes"] == [
        {"language": "en", "outcomes": OUTCOMES["en"]}
    ]

    assert "This certifies that Jürgen Groß of Stadt Mannheim attended Map It" in text["en"]
    assert "CPD hours: 3.5" in text["en"]

    # Welsh: bilingual, Welsh first, then English, sentences and outcomes alike.
    welsh = text["cy"]
    assert "Mae hyn yn tystio bod Jürgen Groß (Stadt Mannheim) wedi mynychu Map It" in welsh
    assert "This certifies that Jürgen Groß of Stadt Mannheim attended Map It" in welsh
    assert welsh.index("Mae hyn yn tystio") < welsh.index("This certifies that")
    assert "Oriau DPP / CPD hours: 3.5" in welsh
    assert "Fformat / Format: Deuddydd / Two days" in welsh
    assert "Darparwyd yr hyfforddiant gan Governance International / Training provided by" in (
        welsh
    )
    assert welsh.index(OUTCOMES["cy"][0]) < welsh.index(OUTCOMES["en"][0])
    assert [
        item["language"] for item in issued[people["cy"].id].particulars["learning_outcomes"]
    ] == ["cy", "en"]
    welsh_months = "Ionawr Chwefror Mawrth Ebrill Mai Mehefin Gorffennaf Awst Medi Hydref Tachwedd"
    welsh_month = (welsh_months + " Rhagfyr").split()[month]
    assert f"Cyhoeddwyd ar {moment.day} {welsh_month} {moment.year} / Issued on" in welsh


async def test_the_pdf_carries_its_issue_time_and_what_it_certifies_in_its_metadata(
    session: AsyncSession, make: Factory
) -> None:
    member = await make.member()
    person = await make.contact(member, first_name="Élodie", last_name="Lefèvre", language="fr")
    row = await _held(session, await _course(session, title="Focus It"), [person])
    certificate = (await _issued(session, row))[person.id]
    certificate.issued_at = datetime(2026, 11, 3, 17, 5, 9, tzinfo=UTC)

    document = render_pdf(snapshot_of(certificate, NETWORK_NAMES[Network.CITIZEN_POWERED_COUNCIL]))

    info = pypdf.PdfReader(io.BytesIO(document)).metadata
    assert info is not None
    assert info["/CreationDate"] == "D:20261103170509+00'00'"
    assert info["/ModDate"] == "D:20261103170509+00'00'"
    assert info.creation_date == datetime(2026, 11, 3, 17, 5, 9, tzinfo=UTC)
    assert info["/Title"] == f"{certificate.number} Élodie Lefèvre \u2013 Focus It"
    assert info["/Subject"] == ("Certificat de formation continue (CPD): Focus It (Élodie Lefèvre)")
    assert info["/Author"] == "Governance International"
    assert info["/Keywords"] == f"CPD, {certificate.number}, Élodie Lefèvre, Focus It"
    assert info["/Creator"] == "CitizenPoweredCouncil network"
    # The same record renders to the same bytes: a certificate is reproducible from its issue.
    again = render_pdf(snapshot_of(certificate, NETWORK_NAMES[Network.CITIZEN_POWERED_COUNCIL]))
    assert hashlib.sha256(again).hexdigest() == hashlib.sha256(document).hexdigest()


async def test_the_stored_pdf_is_the_rendering_of_its_record(
    session: AsyncSession, make: Factory
) -> None:
    member = await make.member()
    person = await make.contact(member, language="de")
    row = await _held(session, await _course(session), [person])
    certificate = (await _issued(session, row))[person.id]
    network_name = NETWORK_NAMES[Network.CITIZEN_POWERED_COUNCIL]

    rendered = render_pdf(snapshot_of(certificate, network_name))

    assert hashlib.sha256(rendered).hexdigest() == certificate.sha256


async def test_later_edits_do_not_reach_a_reissue(session: AsyncSession, make: Factory) -> None:
    member = await make.member("Powys County Council")
    person = await make.contact(member, first_name="Siân", last_name="Pryce", language="en")
    course = await _course(session)
    row = await _held(session, course, [person], trainer="Rhian Trainer")
    old = (await _issued(session, row))[person.id]

    await training.update_course(
        session,
        SYSTEM,
        course.id,
        accreditation=None,
        accreditation_reference=None,
        learning_outcomes={"en": ["Something new."]},
    )
    (await session.get(Member, member.id)).name = "Renamed Council"  # type: ignore[union-attr]
    row.trainer = "Someone Else"
    await session.flush()
    new = await certificates.reissue_certificate(session, SYSTEM, certificate_id=old.id)

    assert new.particulars == old.particulars
    text = pdf_text(new.pdf or b"")
    assert "Siân Pryce of Powys County Council" in text
    assert "Trainer: Rhian Trainer" in text
    assert "Certified by the CPD Standards Office" in text
    assert OUTCOMES["en"][0] in text
    assert "Something new." not in text


async def test_a_certificate_issued_before_particulars_still_renders(
    session: AsyncSession, make: Factory, gql: GraphQL
) -> None:
    member = await make.member()
    person = await make.contact(member, language="en")
    row = await _held(session, await _course(session, title="People It"), [person])
    certificate = (await _issued(session, row))[person.id]
    certificate.particulars = {}
    await session.flush()

    text = pdf_text(render_pdf(snapshot_of(certificate, "CitizenPoweredCouncil network")))
    assert "This certifies that" in text
    assert "People It" in text
    assert "Training provided by" not in text
    token = await make.token(Role.STAFF)
    found = await gql(
        """query($id: ID!) { node(id: $id) { ... on Certificate {
             provider accreditation accreditationReference trainer organisation format
             learningOutcomes } } }""",
        {"id": gid("Certificate", certificate)},
        token=token,
    )
    assert found["data"]["node"] == {
        "provider": None,
        "accreditation": None,
        "accreditationReference": None,
        "trainer": None,
        "organisation": None,
        "format": None,
        "learningOutcomes": [],
    }


async def test_graphql_and_the_verify_answer_read_the_particulars(
    session: AsyncSession, make: Factory, gql: GraphQL
) -> None:
    member = await make.member("Sandwell MBC")
    person = await make.contact(member, language="cy")
    row = await _held(session, await _course(session, format=CourseFormat.ONE_DAY), [person])
    certificate = (await _issued(session, row))[person.id]
    token = await make.token(Role.STAFF)

    found = await gql(
        """query($id: ID!, $code: String!) {
             node(id: $id) { ... on Certificate {
               provider accreditation accreditationReference trainer organisation format
               learningOutcomes } }
             verifyCertificate(code: $code) { provider accreditation accreditationReference }
           }""",
        {"id": gid("Certificate", certificate), "code": certificate.verification_code},
        token=token,
    )

    assert found["data"] == {
        "node": {
            "provider": "Governance International",
            "accreditation": "CPD Standards Office",
            "accreditationReference": "40123",
            "trainer": "Ana Trainer",
            "organisation": "Sandwell MBC",
            "format": "ONE_DAY",
            "learningOutcomes": OUTCOMES["cy"] + OUTCOMES["en"],
        },
        "verifyCertificate": {
            "provider": "Governance International",
            "accreditation": "CPD Standards Office",
            "accreditationReference": "40123",
        },
    }


def _png(path: Path) -> Path:
    Image.new("RGBA", (300, 100), (20, 20, 120, 255)).save(path)
    return path


async def test_a_signature_image_is_drawn_and_a_missing_one_is_logged(
    session: AsyncSession,
    make: Factory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    member = await make.member()
    person = await make.contact(member, language="en")
    other = await make.contact(member, language="en")
    settings = get_settings()
    monkeypatch.setattr(settings, "certificate_signature_image", str(_png(tmp_path / "sig.png")))
    drawn = (await _issued(session, await _held(session, await _course(session), [person])))[
        person.id
    ]
    monkeypatch.setattr(settings, "certificate_signature_image", str(tmp_path / "gone.png"))
    with caplog.at_level(logging.WARNING, logger="network.certificates.pdf"):
        missing = (await _issued(session, await _held(session, await _course(session), [other])))[
            other.id
        ]

    def images(document: bytes) -> int:
        page = pypdf.PdfReader(io.BytesIO(document)).pages[0]
        return len(page.images)

    assert images(drawn.pdf or b"") == 1
    assert images(missing.pdf or b"") == 0
    assert missing.particulars["signature_image"] == str(tmp_path / "gone.png")
    assert settings.certificate_signatory_name in pdf_text(missing.pdf or b"")
    assert any("cannot be read" in r.getMessage() for r in caplog.records)
