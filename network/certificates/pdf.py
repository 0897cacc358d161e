"""The certificate PDF: A4 landscape, in the holder's language, with an embedded Unicode font.

Rendered from a plain `CertificateSnapshot`, never from database objects. reportlab is
synchronous and CPU-bound: callers in the event loop use `render_pdf_async`.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import segno
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_DIR = Path(__file__).parent / "fonts"
# One embedded font only: each font costs a subset per document (a second, bold, one made a
# certificate take 11 ms instead of 7.5); the hierarchy comes from sizes.
REGULAR = "DejaVuSans"

# Labels per language; Welsh certificates are bilingual, Welsh first (see DESIGN.md).
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Certificate of CPD",
        "certifies": "This certifies that",
        "attended": "attended",
        "date": "Date",
        "hours": "CPD hours",
        "number": "Certificate number",
        "verify": "Verify this certificate at",
    },
    "cy": {
        "title": "Tystysgrif DPP",
        "certifies": "Mae hyn yn tystio bod",
        "attended": "wedi mynychu",
        "date": "Dyddiad",
        "hours": "Oriau DPP",
        "number": "Rhif y dystysgrif",
        "verify": "Gwirio\u2019r dystysgrif hon yn",
    },
    "fr": {
        "title": "Certificat de formation continue (CPD)",
        "certifies": "Ce certificat atteste que",
        "attended": "a suivi",
        "date": "Date",
        "hours": "Heures CPD",
        "number": "Numéro du certificat",
        "verify": "Vérifier ce certificat sur",
    },
    "es": {
        "title": "Certificado de desarrollo profesional (CPD)",
        "certifies": "Se certifica que",
        "attended": "asistió a",
        "date": "Fecha",
        "hours": "Horas CPD",
        "number": "Número de certificado",
        "verify": "Verifique este certificado en",
    },
    "de": {
        "title": "Fortbildungszertifikat (CPD)",
        "certifies": "Hiermit wird bestätigt, dass",
        "attended": "teilgenommen hat an",
        "date": "Datum",
        "hours": "CPD-Stunden",
        "number": "Zertifikatsnummer",
        "verify": "Prüfen Sie dieses Zertifikat unter",
    },
}


@dataclass(frozen=True, slots=True)
class CertificateSnapshot:
    """Everything a certificate shows, as plain values."""

    network_name: str
    holder_name: str
    course_title: str
    date_text: str
    cpd_hours: str
    number: str
    language: str
    verify_url: str


def label(language: str, key: str) -> str:
    """A label in the language; Welsh gives "Welsh / English"."""
    if language == "cy":
        return f"{LABELS['cy'][key]} / {LABELS['en'][key]}"
    return LABELS.get(language, LABELS["en"])[key]


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Register the shipped DejaVu Sans font once per process."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))


def qr_matrix(url: str) -> tuple[tuple[int, ...], ...]:
    """The QR code modules (1 = dark) of the verification URL, with no quiet zone."""
    # A fixed mask: choosing the best of eight costs ~25 ms, more than the rest of the page.
    code = segno.make_qr(url, error="m", mask=0, boost_error=False)
    return tuple(tuple(row) for row in code.matrix)


def render_pdf(snapshot: CertificateSnapshot) -> bytes:
    """The certificate as PDF bytes (deterministic apart from reportlab's creation date)."""
    register_fonts()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    canvas = Canvas(buffer, pagesize=(width, height), invariant=True)
    canvas.setTitle(f"{snapshot.number} {snapshot.holder_name}")
    canvas.setAuthor(snapshot.network_name)
    language = snapshot.language
    centre = width / 2
    canvas.setLineWidth(2)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    canvas.setFont(REGULAR, 16)
    canvas.drawCentredString(centre, height - 32 * mm, snapshot.network_name)
    canvas.setFont(REGULAR, 26)
    canvas.drawCentredString(centre, height - 50 * mm, label(language, "title"))
    canvas.setFont(REGULAR, 13)
    canvas.drawCentredString(centre, height - 66 * mm, label(language, "certifies"))
    canvas.setFont(REGULAR, 24)
    canvas.drawCentredString(centre, height - 80 * mm, snapshot.holder_name)
    canvas.setFont(REGULAR, 13)
    canvas.drawCentredString(centre, height - 93 * mm, label(language, "attended"))
    canvas.setFont(REGULAR, 18)
    canvas.drawCentredString(centre, height - 105 * mm, snapshot.course_title)
    canvas.setFont(REGULAR, 12)
    lines = [
        f"{label(language, 'date')}: {snapshot.date_text}",
        f"{label(language, 'hours')}: {snapshot.cpd_hours}",
        f"{label(language, 'number')}: {snapshot.number}",
    ]
    for n, line in enumerate(lines):
        canvas.drawString(25 * mm, 55 * mm - n * 7 * mm, line)
    canvas.setFont(REGULAR, 9)
    canvas.drawString(25 * mm, 25 * mm, label(language, "verify"))
    canvas.drawString(25 * mm, 20 * mm, snapshot.verify_url)
    _draw_qr(canvas, snapshot.verify_url, x=width - 65 * mm, y=20 * mm, size=40 * mm)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_qr(canvas: Canvas, url: str, *, x: float, y: float, size: float) -> None:
    matrix = qr_matrix(url)
    count = len(matrix)
    quiet = 4
    module = size / (count + 2 * quiet)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + quiet + 1) * module
        start = None
        for column_index, dark in enumerate((*row, 0)):  # one rectangle per run of dark modules
            if dark and start is None:
                start = column_index
            elif not dark and start is not None:
                left = x + (start + quiet) * module
                path.rect(left, top, (column_index - start) * module, module)
                start = None
    canvas.drawPath(path, stroke=0, fill=1)


async def render_pdf_async(snapshot: CertificateSnapshot) -> bytes:
    """`render_pdf` in a worker thread, so the event loop keeps serving."""
    return await asyncio.to_thread(render_pdf, snapshot)
