"""The certificate stays one A4 page whatever it holds: long names and twelve long learning
outcomes are wrapped and set smaller, never drawn past the border or over the footer."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import pypdf
import pytest
from reportlab.pdfbase import pdfmetrics

from network.certificates.pdf import (
    BORDER,
    FOOTER_TOP,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    REGULAR,
    CertificateSnapshot,
    Particulars,
    format_hours,
    register_fonts,
    render_pdf,
)


@dataclass(frozen=True)
class Run:
    x: float
    y: float
    size: float
    text: str

    @property
    def right(self) -> float:
        return self.x + pdfmetrics.stringWidth(self.text.rstrip("\n"), REGULAR, self.size)


def text_runs(document: bytes) -> list[Run]:
    """Each piece of text drawn on the only page, where it starts and at what size."""
    register_fonts()
    reader = pypdf.PdfReader(io.BytesIO(document))
    assert len(reader.pages) == 1
    runs: list[Run] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append(Run(x, y, size, text))

    reader.pages[0].extract_text(visitor_text=visit)
    return runs


def _words(count: int, start: str, filler: str = "co-production") -> str:
    text = (start + " " + f"{filler} " * 60)[:count]
    return text.rstrip()


def _worst(language: str) -> CertificateSnapshot:
    outcomes = tuple(_words(300, f"Outcome{n:02d}", "learning") for n in range(12))
    lists = (("cy", outcomes), ("en", outcomes)) if language == "cy" else ((language, outcomes),)
    return CertificateSnapshot(
        network_name="CitizenPoweredCouncil network",
        holder_name=_words(300, "Holder"),
        course_title=_words(200, "Course"),
        date_text="Dydd Mawrth 3 Tachwedd 2026 / Tuesday 3 November 2026",
        cpd_hours=format_hours("12.5", language),
        number="CPD-2026-000123",
        language=language,
        verify_url="http://testserver/verify/AbCdEfGhIjKlMnOpQrStUv",
        issued_at=datetime(2026, 11, 3, 17, 0, tzinfo=UTC),
        particulars=Particulars(
            provider=_words(200, "Provider"),
            accreditation=_words(200, "Accreditor"),
            accreditation_reference="R" * 100,
            trainer=_words(200, "Trainer"),
            format="TWO_DAY",
            learning_outcomes=lists,
            organisation=_words(300, "Organisation"),
            signatory_name=_words(200, "Signatory"),
            signatory_role=_words(200, "Role"),
        ),
    )


@pytest.mark.parametrize("language", ["en", "cy", "de"])
def test_the_longest_certificate_is_one_page_inside_its_border(language: str) -> None:
    snapshot = _worst(language)

    document = render_pdf(snapshot)

    runs = text_runs(document)
    for run in runs:
        assert run.x >= BORDER, run
        assert run.right <= PAGE_WIDTH - BORDER, run
        assert BORDER <= run.y <= PAGE_HEIGHT - BORDER, run
        assert run.size >= 4, run  # small, but still printed text
    text = " ".join(" ".join(run.text for run in runs).split())
    for n in range(12):  # every outcome whole: wrapped and set smaller, never cut
        assert _words(300, f"Outcome{n:02d}", "learning") in text
    assert _words(300, "Organisation") in text
    assert _words(300, "Holder") in text
    assert "CPD-2026-000123" in text
    # The main text stays above the footer (provider, QR code, signature).
    outcome_lines = [run for run in runs if "Outcome" in run.text or "learning" in run.text]
    assert min(run.y for run in outcome_lines) >= FOOTER_TOP


def test_an_ordinary_certificate_keeps_its_full_sizes() -> None:
    snapshot = CertificateSnapshot(
        network_name="CitizenPoweredCouncil network",
        holder_name="Emma Hughes",
        course_title="Outcome-Based Commissioning training",
        date_text="Tuesday 3 November 2026",
        cpd_hours="6.0",
        number="CPD-2026-000001",
        language="en",
        verify_url="http://testserver/verify/AbCdEfGhIjKlMnOpQrStUv",
        issued_at=datetime(2026, 11, 3, 17, 0, tzinfo=UTC),
        particulars=Particulars(provider="Governance International", organisation="Kent CC"),
    )

    runs = text_runs(render_pdf(snapshot))

    assert [run.size for run in runs if run.text.strip() == "Emma Hughes"] == [22]
    assert [run.size for run in runs if "Certificate of CPD" in run.text] == [24]
