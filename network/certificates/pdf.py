"""The certificate PDF: one A4 landscape page, in the holder's language, with an embedded font.

Rendered from a plain `CertificateSnapshot`, never from database objects. reportlab is
synchronous and CPU-bound: callers in the event loop use `render_pdf_async`.

Sentences are whole per language, with placeholders (German puts the verb last: a sentence
built from fragments cannot). Welsh certificates are bilingual: Welsh first, then English.
Blocks of text that may be long (names, organisations, learning outcomes) are wrapped, and the
whole page is set smaller until it fits, so a certificate is always one page.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from xml.sax.saxutils import escape

import segno
from babel.dates import format_date as babel_date
from babel.numbers import format_decimal
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

logger = logging.getLogger("network.certificates.pdf")

FONT_DIR = Path(__file__).parent / "fonts"
# One embedded font only: each font costs a subset per document (a second, bold, one made a
# certificate take 11 ms instead of 7.5); the hierarchy comes from sizes.
REGULAR = "DejaVuSans"
LANGUAGES = ("en", "cy", "fr", "es", "de")
# Babel locales: British English writes "3 November 2026", not "November 3, 2026".
LOCALES = {"en": "en_GB", "cy": "cy", "fr": "fr", "es": "es", "de": "de"}

# Short labels ("Label: value") per language; Welsh certificates give "Welsh / English".
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Certificate of CPD",
        "date": "Date",
        "hours": "CPD hours",
        "number": "Certificate number",
        "verify": "Verify this certificate at",
        "format": "Format",
        "trainer": "Trainer",
        "outcomes": "Learning outcomes",
    },
    "cy": {
        "title": "Tystysgrif DPP",
        "date": "Dyddiad",
        "hours": "Oriau DPP",
        "number": "Rhif y dystysgrif",
        "verify": "Gwirio\u2019r dystysgrif hon yn",
        "format": "Fformat",
        "trainer": "Hyfforddwr",
        "outcomes": "Deilliannau dysgu",
    },
    "fr": {
        "title": "Certificat de formation continue (CPD)",
        "date": "Date",
        "hours": "Heures CPD",
        "number": "Numéro du certificat",
        "verify": "Vérifier ce certificat sur",
        "format": "Format",
        "trainer": "Formateur",
        "outcomes": "Acquis de la formation",
    },
    "es": {
        "title": "Certificado de desarrollo profesional (CPD)",
        "date": "Fecha",
        "hours": "Horas CPD",
        "number": "Número de certificado",
        "verify": "Verifique este certificado en",
        "format": "Formato",
        "trainer": "Formador",
        "outcomes": "Resultados de aprendizaje",
    },
    "de": {
        "title": "Fortbildungszertifikat (CPD)",
        "date": "Datum",
        "hours": "CPD-Stunden",
        "number": "Zertifikatsnummer",
        "verify": "Prüfen Sie dieses Zertifikat unter",
        "format": "Format",
        "trainer": "Trainer/in",
        "outcomes": "Lernergebnisse",
    },
}

# Whole sentences with placeholders, never assembled from fragments. `certifies_org` is the
# same sentence naming the holder's organisation.
SENTENCES: dict[str, dict[str, str]] = {
    "en": {
        "certifies": "This certifies that {holder} attended {course}",
        "certifies_org": "This certifies that {holder} of {organisation} attended {course}",
        "provider": "Training provided by {provider}",
        "accreditation": "Certified by the {accreditation}",
        "reference": "Provider reference {reference}",
        "issued": "Issued on {date}",
    },
    "cy": {
        "certifies": "Mae hyn yn tystio bod {holder} wedi mynychu {course}",
        "certifies_org": ("Mae hyn yn tystio bod {holder} ({organisation}) wedi mynychu {course}"),
        "provider": "Darparwyd yr hyfforddiant gan {provider}",
        "accreditation": "Ardystiwyd gan {accreditation}",
        "reference": "Cyfeirnod y darparwr {reference}",
        "issued": "Cyhoeddwyd ar {date}",
    },
    "fr": {
        "certifies": "Ce certificat atteste que {holder} a suivi la formation {course}",
        "certifies_org": (
            "Ce certificat atteste que {holder} ({organisation}) a suivi la formation {course}"
        ),
        "provider": "Formation dispensée par {provider}",
        "accreditation": "Formation certifiée par l\u2019organisme {accreditation}",
        "reference": "Référence du prestataire : {reference}",
        "issued": "Délivré le {date}",
    },
    "es": {
        "certifies": "Se certifica que {holder} asistió a la formación {course}",
        "certifies_org": (
            "Se certifica que {holder} ({organisation}) asistió a la formación {course}"
        ),
        "provider": "Formación impartida por {provider}",
        "accreditation": "Formación certificada por el organismo {accreditation}",
        "reference": "Referencia del proveedor: {reference}",
        "issued": "Expedido el {date}",
    },
    "de": {
        "certifies": (
            "Hiermit wird bestätigt, dass {holder} an der Fortbildung {course} teilgenommen hat"
        ),
        "certifies_org": (
            "Hiermit wird bestätigt, dass {holder} ({organisation}) an der Fortbildung "
            "{course} teilgenommen hat"
        ),
        "provider": "Die Fortbildung wurde von {provider} durchgeführt",
        "accreditation": "Zertifiziert durch {accreditation}",
        "reference": "Anbieternummer: {reference}",
        "issued": "Ausgestellt am {date}",
    },
}

# How long a course takes (CourseFormat values), as the certificate says it.
FORMATS: dict[str, dict[str, str]] = {
    "en": {"HALF_DAY": "Half day", "ONE_DAY": "One day", "TWO_DAY": "Two days"},
    "cy": {"HALF_DAY": "Hanner diwrnod", "ONE_DAY": "Un diwrnod", "TWO_DAY": "Deuddydd"},
    "fr": {"HALF_DAY": "Demi-journée", "ONE_DAY": "Une journée", "TWO_DAY": "Deux jours"},
    "es": {"HALF_DAY": "Media jornada", "ONE_DAY": "Una jornada", "TWO_DAY": "Dos jornadas"},
    "de": {"HALF_DAY": "Halbtägig", "ONE_DAY": "Eintägig", "TWO_DAY": "Zweitägig"},
}


@dataclass(frozen=True, slots=True)
class Particulars:
    """What else a certificate certifies, fixed when it is issued (certificates.particulars).

    `learning_outcomes` holds the lists printed, in print order: (language, outcomes).
    """

    provider: str
    accreditation: str | None = None
    accreditation_reference: str | None = None
    trainer: str | None = None
    format: str | None = None  # a CourseFormat value, e.g. "ONE_DAY"
    learning_outcomes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    organisation: str | None = None
    signatory_name: str | None = None
    signatory_role: str | None = None
    signature_image: str | None = None  # a path to a PNG or JPEG file

    def to_json(self) -> dict[str, object]:
        """The particulars as stored in the certificates.particulars JSONB column."""
        return {
            "provider": self.provider,
            "accreditation": self.accreditation,
            "accreditation_reference": self.accreditation_reference,
            "trainer": self.trainer,
            "format": self.format,
            "learning_outcomes": [
                {"language": language, "outcomes": list(outcomes)}
                for language, outcomes in self.learning_outcomes
            ],
            "organisation": self.organisation,
            "signatory_name": self.signatory_name,
            "signatory_role": self.signatory_role,
            "signature_image": self.signature_image,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Particulars | None:
        """Read stored particulars back; None for a certificate issued before they existed."""
        if not data or not data.get("provider"):
            return None

        def text(key: str) -> str | None:
            value = data.get(key)
            return str(value) if value else None

        outcomes = tuple(
            (str(item["language"]), tuple(str(o) for o in item["outcomes"]))
            for item in data.get("learning_outcomes") or []
        )
        return cls(
            provider=str(data["provider"]),
            accreditation=text("accreditation"),
            accreditation_reference=text("accreditation_reference"),
            trainer=text("trainer"),
            format=text("format"),
            learning_outcomes=outcomes,
            organisation=text("organisation"),
            signatory_name=text("signatory_name"),
            signatory_role=text("signatory_role"),
            signature_image=text("signature_image"),
        )


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
    # When it was issued: the PDF's creation date, and the "issued on" line.
    issued_at: datetime | None = None
    particulars: Particulars | None = field(default=None)


def label(language: str, key: str) -> str:
    """A label in the language; Welsh gives "Welsh / English"."""
    if language == "cy":
        return f"{LABELS['cy'][key]} / {LABELS['en'][key]}"
    return LABELS.get(language, LABELS["en"])[key]


def sentence(language: str, key: str, **values: str) -> str:
    """A whole sentence in the language with its placeholders filled (Welsh: then English)."""
    if language == "cy":
        return f"{SENTENCES['cy'][key].format(**values)} / {SENTENCES['en'][key].format(**values)}"
    return SENTENCES.get(language, SENTENCES["en"])[key].format(**values)


def format_word(language: str, value: str) -> str:
    """A course format (HALF_DAY, ONE_DAY, TWO_DAY) in words; Welsh gives "Welsh / English"."""
    english = FORMATS["en"].get(value, value)
    if language == "cy":
        return f"{FORMATS['cy'].get(value, english)} / {english}"
    return FORMATS.get(language, FORMATS["en"]).get(value, english)


def format_hours(hours: Decimal | float | str, language: str) -> str:
    """CPD hours with one decimal as the language writes numbers: 3.5 (en, cy), 3,5 (fr, es, de)."""
    return format_decimal(
        Decimal(str(hours)), format="#,##0.0", locale=LOCALES.get(language, "en_GB")
    )


def format_day(moment: datetime, language: str) -> str:
    """A date as the language writes it, e.g. "3 November 2026", "3. November 2026"."""
    return babel_date(moment.date(), format="long", locale=LOCALES.get(language, "en_GB"))


def issued_text(moment: datetime, language: str) -> str:
    """The "issued on" sentence; a Welsh certificate gives each half its own date."""
    if language == "cy":
        welsh = SENTENCES["cy"]["issued"].format(date=format_day(moment, "cy"))
        english = SENTENCES["en"]["issued"].format(date=format_day(moment, "en"))
        return f"{welsh} / {english}"
    return sentence(language, "issued", date=format_day(moment, language))


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Register the shipped DejaVu Sans font once per process."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))


def qr_matrix(url: str) -> tuple[tuple[int, ...], ...]:
    """The QR code modules (1 = dark) of the verification URL, with no quiet zone."""
    # A fixed mask: choosing the best of eight costs ~25 ms, more than the rest of the page.
    code = segno.make_qr(url, error="m", mask=0, boost_error=False)
    return tuple(tuple(row) for row in code.matrix)


# -- layout -----------------------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
BORDER = 12 * mm
MARGIN = 24 * mm
FOOTER_BOTTOM = 18 * mm
FOOTER_TOP = 56 * mm  # the main text stays above; the footer (provider, QR, signature) below
QR_SIZE = 36 * mm
SIGNATURE_WIDTH = 72 * mm
# Each step sets every font of a block a little smaller, until the block fits its box.
SCALES = (1.0, 0.92, 0.85, 0.78, 0.72, 0.66, 0.6, 0.55, 0.5, 0.46, 0.42, 0.38, 0.35)
GREY = "#444444"


class _Item(Protocol):
    def measure(self, width: float) -> float: ...

    def draw(self, canvas: Canvas, x: float, top: float, width: float) -> None: ...


def _markup(text: str) -> str:
    return escape(text)


def _style(size: float, *, align: int = TA_CENTER, colour: str = "#000000") -> ParagraphStyle:
    return ParagraphStyle(
        "certificate",
        fontName=REGULAR,
        fontSize=size,
        leading=size * 1.22,
        alignment=align,
        textColor=colour,
        bulletFontName=REGULAR,
        bulletFontSize=size,
    )


class _Text:
    """A paragraph (reportlab markup, already escaped) with the space to leave after it."""

    def __init__(self, markup: str, style: ParagraphStyle, after: float = 0.0) -> None:
        self.paragraph = Paragraph(markup, style)
        self.after = after
        self.height = 0.0

    def measure(self, width: float) -> float:
        self.height = self.paragraph.wrap(width, PAGE_HEIGHT * 4)[1]
        return self.height + self.after

    def draw(self, canvas: Canvas, x: float, top: float, width: float) -> None:
        self.paragraph.drawOn(canvas, x, top - self.height)


class _Columns:
    """Lists side by side (a Welsh certificate's outcomes: Welsh left, English right)."""

    def __init__(self, columns: list[list[_Text]], gap: float) -> None:
        self.columns = columns
        self.gap = gap

    def _width(self, width: float) -> float:
        count = len(self.columns)
        return (width - self.gap * (count - 1)) / count

    def measure(self, width: float) -> float:
        each = self._width(width)
        return max(sum(item.measure(each) for item in column) for column in self.columns)

    def draw(self, canvas: Canvas, x: float, top: float, width: float) -> None:
        each = self._width(width)
        for index, column in enumerate(self.columns):
            left = x + index * (each + self.gap)
            y = top
            for item in column:
                item.draw(canvas, left, y, each)
                y -= item.height + item.after


def _fit(build: Callable[[float], Sequence[_Item]], width: float, height: float) -> Sequence[_Item]:
    """The items `build` makes at the largest scale whose total height fits `height`."""
    first = build(SCALES[0])
    if sum(item.measure(width) for item in first) <= height:
        return first  # the usual case: one measurement
    # Otherwise a binary search over the smaller scales (heights shrink with the scale).
    low, high = 1, len(SCALES) - 1
    best: Sequence[_Item] | None = None
    while low <= high:
        middle = (low + high) // 2
        items = build(SCALES[middle])
        if sum(item.measure(width) for item in items) <= height:
            best, high = items, middle - 1
        else:
            low = middle + 1
    # None fits: the smallest scale, whose long texts are already a few points high.
    return best if best is not None else build(SCALES[-1])


def _draw_stack(canvas: Canvas, items: Sequence[_Item], x: float, top: float, width: float) -> None:
    y = top
    for item in items:
        used = item.measure(width)
        item.draw(canvas, x, y, width)
        y -= used


def _certifies(snapshot: CertificateSnapshot, language: str, scale: float) -> list[_Text]:
    """The certifying sentence: the holder and the course set large, on lines of their own."""
    organisation = snapshot.particulars.organisation if snapshot.particulars else None
    key = "certifies_org" if organisation else "certifies"
    values = {
        "holder": snapshot.holder_name,
        "course": snapshot.course_title,
        "organisation": organisation or "",
    }
    sizes = {"holder": 22, "course": 17, "organisation": 12}
    lang = language if language in SENTENCES else "en"
    template = SENTENCES[lang][key]
    parts: list[str] = []
    for piece in re.split(r"(\{\w+\})", template):
        name = piece[1:-1] if piece.startswith("{") else None
        if name is None:
            parts.append(_markup(piece))
        elif name == "organisation":
            parts.append(f'<font size="{sizes[name] * scale:.1f}">{_markup(values[name])}</font>')
        else:
            value = _markup(values[name])
            parts.append(f'<br/><font size="{sizes[name] * scale:.1f}">{value}</font><br/>')
    markup = re.sub(r"<br/>\s*<br/>", "<br/>", "".join(parts).strip())
    markup = re.sub(r"^(\s*<br/>)+|(<br/>\s*)+$", "", markup)
    big = _style(12 * scale)
    big.leading = 26 * scale
    items = [_Text(markup, big, after=4 * scale)]
    if language == "cy":  # the English sentence, whole, after the Welsh one
        english = SENTENCES["en"][key].format(**values)
        items.append(_Text(_markup(english), _style(10 * scale, colour=GREY), after=4 * scale))
    return items


def _facts(snapshot: CertificateSnapshot, language: str) -> list[str]:
    particulars = snapshot.particulars
    facts = [f"{label(language, 'date')}: {snapshot.date_text}"]
    if particulars is not None and particulars.format:
        facts.append(f"{label(language, 'format')}: {format_word(language, particulars.format)}")
    facts.append(f"{label(language, 'hours')}: {snapshot.cpd_hours}")
    if particulars is not None and particulars.trainer:
        facts.append(f"{label(language, 'trainer')}: {particulars.trainer}")
    return facts


def _outcomes(particulars: Particulars | None, language: str, scale: float) -> list[_Item]:
    lists = [
        (lang, outcomes)
        for lang, outcomes in (particulars.learning_outcomes if particulars else ())
        if outcomes
    ]
    if not lists:
        return []
    size = 9.5 * scale

    def bullets(outcomes: Sequence[str]) -> list[_Text]:
        style = _style(size, align=TA_LEFT)
        style.leftIndent = size * 1.2
        style.bulletIndent = 0
        style.leading = size * 1.25
        return [
            _Text(f"<bullet>\u2022</bullet>{_markup(outcome)}", style, after=size * 0.25)
            for outcome in outcomes
        ]

    heading = _Text(_markup(label(language, "outcomes")), _style(11 * scale), after=3 * scale)
    columns = [bullets(outcomes) for _, outcomes in lists]
    if len(columns) == 1:
        return [heading, *columns[0]]
    return [heading, _Columns(columns, gap=8 * mm)]


def _main_block(snapshot: CertificateSnapshot, scale: float) -> list[_Item]:
    language = snapshot.language
    items: list[_Item] = [
        _Text(_markup(snapshot.network_name), _style(13 * scale, colour=GREY), after=5 * scale),
        _Text(_markup(label(language, "title")), _style(24 * scale), after=8 * scale),
        *_certifies(snapshot, language, scale),
    ]
    facts = "\u2003\u00b7\u2003".join(_markup(fact) for fact in _facts(snapshot, language))
    items.append(_Text(facts, _style(10.5 * scale), after=7 * scale))
    items.extend(_outcomes(snapshot.particulars, language, scale))
    return items


def _footer_block(snapshot: CertificateSnapshot, scale: float) -> list[_Item]:
    language = snapshot.language
    particulars = snapshot.particulars
    small = _style(8.5 * scale, align=TA_LEFT)
    lines: list[str] = []
    if particulars is not None:
        lines.append(sentence(language, "provider", provider=particulars.provider))
        if particulars.accreditation:
            lines.append(
                sentence(language, "accreditation", accreditation=particulars.accreditation)
            )
        if particulars.accreditation_reference:
            reference = particulars.accreditation_reference
            lines.append(sentence(language, "reference", reference=reference))
    lines.append(f"{label(language, 'number')}: {snapshot.number}")
    if snapshot.issued_at is not None:
        lines.append(issued_text(snapshot.issued_at, language))
    items: list[_Item] = [_Text(_markup(line), small, after=1.5 * scale) for line in lines]
    verify = _style(7.5 * scale, align=TA_LEFT)
    items.append(_Text(_markup(label(language, "verify")), verify))
    items.append(_Text(_markup(snapshot.verify_url), verify))
    return items


def _signature_block(particulars: Particulars | None, scale: float) -> list[_Item]:
    if particulars is None or not particulars.signatory_name:
        return []
    items: list[_Item] = [_Text(_markup(particulars.signatory_name), _style(10 * scale))]
    if particulars.signatory_role:
        items.append(_Text(_markup(particulars.signatory_role), _style(8 * scale, colour=GREY)))
    return items


def _signature_image(path: str | None) -> ImageReader | None:
    """The configured signature image, or None (logged) when it cannot be read."""
    if not path:
        return None
    try:
        image = ImageReader(path)
        image.getSize()
    except Exception:
        logger.warning("certificate signature image %r cannot be read; drawn without it", path)
        return None
    return image


def _draw_signature(canvas: Canvas, particulars: Particulars | None) -> None:
    if particulars is None or not particulars.signatory_name:
        return
    left = PAGE_WIDTH - MARGIN - QR_SIZE - 10 * mm - SIGNATURE_WIDTH
    line_y = FOOTER_BOTTOM + 22 * mm
    image = _signature_image(particulars.signature_image)
    if image is not None:
        width, height = image.getSize()
        box_w, box_h = SIGNATURE_WIDTH * 0.7, 16 * mm
        ratio = min(box_w / width, box_h / height)
        draw_w, draw_h = width * ratio, height * ratio
        canvas.drawImage(
            image,
            left + (SIGNATURE_WIDTH - draw_w) / 2,
            line_y + 1 * mm,
            draw_w,
            draw_h,
            mask="auto",
        )
    canvas.setLineWidth(0.6)
    canvas.line(left, line_y, left + SIGNATURE_WIDTH, line_y)
    block = _fit(
        lambda scale: _signature_block(particulars, scale),
        SIGNATURE_WIDTH,
        line_y - 2 * mm - FOOTER_BOTTOM,
    )
    _draw_stack(canvas, block, left, line_y - 2 * mm, SIGNATURE_WIDTH)


def _pdf_date(moment: datetime) -> str:
    instant = moment.astimezone(UTC)
    return f"D:{instant:%Y%m%d%H%M%S}+00'00'"


def render_pdf(snapshot: CertificateSnapshot) -> bytes:
    """The certificate as PDF bytes: the same snapshot always gives the same bytes.

    reportlab's invariant mode keeps the document id and dates off the wall clock; the
    creation date written is the issue time, so reissuing or re-rendering reproduces it.
    """
    register_fonts()
    buffer = io.BytesIO()
    width, height = PAGE_WIDTH, PAGE_HEIGHT
    canvas = Canvas(buffer, pagesize=(width, height), invariant=True)
    if snapshot.issued_at is not None:
        created = _pdf_date(snapshot.issued_at)
        canvas.setDateFormatter(lambda *_: created)
    particulars = snapshot.particulars
    language = snapshot.language
    title = label(language, "title")
    canvas.setTitle(f"{snapshot.number} {snapshot.holder_name} \u2013 {snapshot.course_title}")
    canvas.setSubject(f"{title}: {snapshot.course_title} ({snapshot.holder_name})")
    canvas.setAuthor(particulars.provider if particulars else snapshot.network_name)
    canvas.setKeywords(f"CPD, {snapshot.number}, {snapshot.holder_name}, {snapshot.course_title}")
    canvas.setCreator(snapshot.network_name)
    canvas.setLineWidth(2)
    canvas.rect(BORDER, BORDER, width - 2 * BORDER, height - 2 * BORDER)

    inner = width - 2 * MARGIN
    top = height - 18 * mm
    main = _fit(lambda scale: _main_block(snapshot, scale), inner, top - FOOTER_TOP)
    _draw_stack(canvas, main, MARGIN, top, inner)

    footer_width = PAGE_WIDTH - 2 * MARGIN - QR_SIZE - SIGNATURE_WIDTH - 20 * mm
    footer = _fit(
        lambda scale: _footer_block(snapshot, scale), footer_width, FOOTER_TOP - FOOTER_BOTTOM
    )
    _draw_stack(canvas, footer, MARGIN, FOOTER_TOP - 2 * mm, footer_width)
    _draw_signature(canvas, particulars)
    _draw_qr(canvas, snapshot.verify_url, x=width - MARGIN - QR_SIZE, y=FOOTER_BOTTOM, size=QR_SIZE)
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
