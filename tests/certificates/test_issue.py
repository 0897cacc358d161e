"""Issuing: one certificate per attendee, gap-free numbers, an email with the PDF, idempotent."""

from __future__ import annotations

import asyncio
import hashlib
import io
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest
import segno
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.certificates.enums import CertificateStatus
from network.certificates.models import Certificate
from network.certificates.pdf import qr_matrix
from network.messaging.models import OutboxAttachment, OutboxMessage
from tests.support.factories import Factory
from tests.support.training import Attended


def _decode_qr(document: Path, directory: Path) -> str:
    """Rasterise the PDF's page and read its QR code with zbar."""
    page = directory / "page"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(document), str(page)], check=True
    )
    found = subprocess.run(
        ["zbarimg", "--raw", "-q", f"{page}.png"], check=True, capture_output=True, text=True
    )
    return found.stdout.strip()


def pdf_text(document: bytes) -> str:
    """The text of a PDF's first page, with runs of whitespace made single spaces."""
    text = pypdf.PdfReader(io.BytesIO(document)).pages[0].extract_text()
    return " ".join(text.split())


async def test_thirty_attendees_get_thirty_certificates_once(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    member = await make.member()
    people = await attended.contacts(member, 30)
    training_session = await attended.session_with(people)

    made = await certificates.issue_certificates(session, SYSTEM, session_id=training_session.id)

    assert len(made) == 30
    year = made[0].issued_at.year
    numbers = sorted(c.number for c in made)
    first = int(numbers[0].rsplit("-", 1)[1])
    assert numbers == [f"CPD-{year}-{n:06d}" for n in range(first, first + 30)]
    assert {c.contact_id for c in made} == {p.id for p in people}
    assert len({c.verification_code for c in made}) == 30
    assert all(len(c.verification_code) == 22 for c in made)  # 16 random bytes
    assert all(c.sha256 == hashlib.sha256(c.pdf).hexdigest() for c in made)
    messages = (
        await session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "certificate_issued")
        )
    ).all()
    assert sorted(m.dedup_key for m in messages) == sorted(f"certificate:{c.id}" for c in made)
    attachments = (
        await session.execute(
            select(
                OutboxAttachment.filename, OutboxAttachment.content_type, OutboxAttachment.content
            ).where(OutboxAttachment.message_id.in_([m.id for m in messages]))
        )
    ).all()
    by_name = {a.filename: a for a in attachments}
    assert sorted(by_name) == [f"{n}.pdf" for n in numbers]
    assert {a.content_type for a in attachments} == {"application/pdf"}
    assert all(by_name[f"{c.number}.pdf"].content == c.pdf for c in made)

    again = await certificates.issue_certificates(session, SYSTEM, session_id=training_session.id)
    assert again == []
    count = await session.scalar(
        select(func.count())
        .select_from(Certificate)
        .where(Certificate.session_id == training_session.id)
    )
    assert count == 30
    emails = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.template == "certificate_issued")
    )
    assert emails == 30


async def test_pdf_holds_the_facts_in_the_holders_language(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    member = await make.member()
    welsh = await make.contact(
        member, first_name="Siân Ŵyn", last_name="Łukasz Ğül Straße", language="cy"
    )
    german = await make.contact(member, first_name="Jürgen", last_name="Groß", language="de")
    french = await make.contact(member, first_name="Élodie", last_name="Lefèvre", language="fr")
    training_session = await attended.session_with([welsh, german, french], title="Map It")

    made = await certificates.issue_certificates(session, SYSTEM, session_id=training_session.id)
    by_contact = {c.contact_id: c for c in made}

    cy = by_contact[welsh.id]
    text = pdf_text(cy.pdf)
    assert "Siân Ŵyn Łukasz Ğül Straße" in text
    assert "Tystysgrif DPP / Certificate of CPD" in text
    assert "Map It" in text
    assert "Oriau DPP / CPD hours: 6.0" in text
    assert f"Rhif y dystysgrif / Certificate number: {cy.number}" in text
    assert certificates.verify_url(cy.verification_code) in text
    email = (
        await session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedup_key == f"certificate:{cy.id}")
        )
    ).one()
    assert email.language == "cy"
    welsh_date, english_date = email.context["date"], email.context["en"]["date"]
    assert f"{welsh_date} / {english_date}" == cy.session_date_text
    assert f"Dyddiad / Date: {cy.session_date_text}" in text
    de = pdf_text(by_contact[german.id].pdf)
    assert "Jürgen Groß" in de
    assert "CPD-Stunden: 6,0" in de  # numbers as German writes them
    assert f"Zertifikatsnummer: {by_contact[german.id].number}" in de
    fr = pdf_text(by_contact[french.id].pdf)
    assert "Élodie Lefèvre" in fr
    assert "Heures CPD: 6,0" in fr
    # The QR code drawn is the verification URL's (the drawing is decoded by the test below).
    url = certificates.verify_url(cy.verification_code)
    expected = segno.make_qr(url, error="m", mask=0, boost_error=False)
    assert qr_matrix(url) == tuple(tuple(row) for row in expected.matrix)


async def test_later_edits_do_not_change_an_issued_certificate(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    member = await make.member()
    (person,) = await attended.contacts(member, 1)
    training_session = await attended.session_with([person], title="Focus It")
    (certificate,) = await certificates.issue_certificates(
        session, SYSTEM, session_id=training_session.id
    )
    document, digest = certificate.pdf, certificate.sha256
    person.first_name = "Changed"
    await session.flush()
    assert (
        await certificates.issue_certificates(session, SYSTEM, session_id=training_session.id) == []
    )
    found = await certificates.verify(session, certificate.verification_code)
    assert found is not None
    assert found.holder_name == certificate.holder_name
    assert found.status is CertificateStatus.VALID
    stored = (
        await session.execute(
            select(Certificate.pdf, Certificate.sha256).where(Certificate.id == certificate.id)
        )
    ).one()
    assert tuple(stored) == (document, digest)


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("zbarimg") is None,
    reason="needs poppler-utils and zbar-tools (apt-get install poppler-utils zbar-tools)",
)
async def test_the_qr_code_on_the_pdf_decodes_to_the_verification_url(
    session: AsyncSession, make: Factory, attended: Attended, tmp_path: Path
) -> None:
    member = await make.member()
    (person,) = await attended.contacts(member, 1, language="es")
    training_session = await attended.session_with([person], title="People It")
    (certificate,) = await certificates.issue_certificates(
        session, SYSTEM, session_id=training_session.id
    )
    document = tmp_path / "certificate.pdf"
    document.write_bytes(certificate.pdf)
    decoded = await asyncio.to_thread(_decode_qr, document, tmp_path)
    assert decoded == certificates.verify_url(certificate.verification_code)
