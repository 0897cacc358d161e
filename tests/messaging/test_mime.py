"""The hand-built MIME bytes read back exactly with the standard library's parser."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, MIMEPart

from network.messaging.mime import Attachment, build_message, encode_header

DATE = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
MESSAGE_ID = "<6c1c8b8e-0f2a-4c55-9d1e-2f4b8c9a7d10@citizenpowered.example>"
TEXT = "Annwyl Siân,\n\n" + "Llinell hir iawn gyda llawer o eiriau. " * 6 + "\n.\nDiwedd  \n"
HTML = '<p lang="cy">Annwyl Siân, 3 &gt; 2 &amp; ŵ</p>\n' + "<p>x</p>" * 40


def build(**overrides: object) -> bytes:
    options: dict[str, object] = {
        "message_id": MESSAGE_ID,
        "sender": "Network CRM <no-reply@citizenpowered.example>",
        "to": "sian@example.org",
        "subject": "Eich archeb / Your booking \u2013 ŵ",
        "text": TEXT,
        "html": HTML,
        "date": DATE,
        "languages": ("cy", "en"),
    }
    options.update(overrides)
    return build_message(**options)  # type: ignore[arg-type]


def content(part: MIMEPart | None) -> str:
    """A text part's content with the wire's CRLF line ends read as newlines."""
    assert part is not None
    text: str = part.get_content()
    return text.replace("\r\n", "\n")


def parse(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, _class=EmailMessage, policy=policy.default)
    assert all(part.defects == [] for part in message.walk())
    return message


def test_headers_and_both_bodies_round_trip() -> None:
    data = build()
    message = parse(data)
    assert message["From"] == "Network CRM <no-reply@citizenpowered.example>"
    assert message["To"] == "sian@example.org"
    assert message["Subject"] == "Eich archeb / Your booking \u2013 ŵ"
    assert message["Message-ID"] == MESSAGE_ID
    assert message["Date"] == "Tue, 24 Nov 2026 09:30:00 +0000"
    assert message["Content-Language"] == "cy, en"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    assert content(message.get_body(("plain",))) == TEXT
    assert content(message.get_body(("html",))) == HTML


def test_every_line_ends_in_crlf_and_is_short() -> None:
    subject = " ".join(["A plain ASCII subject"] * 8)
    data = build(subject=subject)
    lines = data.split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 78
    assert parse(data)["Subject"] == subject


def test_attachments_keep_their_bytes_names_and_types() -> None:
    invite = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    pdf = bytes(range(256)) * 40
    data = build(
        attachments=[
            Attachment("invite.ics", "text/calendar; method=REQUEST; charset=utf-8", invite),
            Attachment("tystysgrif-ŵ.pdf", "application/pdf", pdf),
        ]
    )
    message = parse(data)
    assert message.get_content_type() == "multipart/mixed"
    assert content(message.get_body(("plain",))) == TEXT
    files = [
        (part.get_filename(), part.get_content_type(), part.get_param("method"))
        for part in message.iter_attachments()
    ]
    assert files == [
        ("invite.ics", "text/calendar", "REQUEST"),
        ("tystysgrif-ŵ.pdf", "application/pdf", None),
    ]
    contents = [part.get_payload(decode=True) for part in message.iter_attachments()]
    assert contents == [invite, pdf]


def test_a_file_name_cannot_break_out_of_its_parameter() -> None:
    data = build(attachments=[Attachment('a"\r\nBcc: x.pdf', "application/pdf", b"%PDF")])
    (part,) = list(parse(data).iter_attachments())
    assert part.get_filename() == "a___Bcc: x.pdf"
    assert b"\r\nBcc:" not in data


def test_encoded_words_stay_within_75_characters() -> None:
    encoded = encode_header("Dydd Iau, 3 Rhagfyr \u2013 cyfarfod y rhwydwaith ŵŷ " * 3)
    assert all(len(word) <= 75 for word in encoded.split("\r\n "))
    assert encode_header("Plain =?not encoded?=").startswith("=?utf-8?b?")
