"""MIME messages built as bytes directly: the same structure `email.message.EmailMessage`
produces, at a fraction of its cost (it takes about 1.3 ms per message; this takes tens of us).

Bodies are UTF-8 in quoted-printable, attachments in base64, every line ends in CRLF, and
boundaries start with "=_", which neither encoding can produce. tests/messaging checks the
output with the standard library's parser.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Protocol
from urllib.parse import quote

_ASCII_PRINTABLE = re.compile(r"^[\x20-\x7e]*$")
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f"\\/]')
_HEADER_VALUE = re.compile(r"^[^\r\n\x00]*$")
MAX_ENCODED_CHUNK = 42  # UTF-8 bytes per encoded word: 68 characters, 77 after "Subject: "


class AttachmentLike(Protocol):
    """Anything with a file name, a content type and bytes (see `Attachment`)."""

    @property
    def filename(self) -> str: ...

    @property
    def content_type(self) -> str: ...

    @property
    def content(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with an email, e.g. `Attachment("invite.ics", "text/calendar; method=REQUEST;
    charset=utf-8", data)` or `Attachment("certificate.pdf", "application/pdf", pdf)`."""

    filename: str
    content_type: str
    content: bytes


def is_safe_header_value(value: str) -> bool:
    """Whether a value can go into a header without starting a new one."""
    return bool(_HEADER_VALUE.match(value))


def encode_header(value: str, name: str = "Subject") -> str:
    """A header value as ASCII: RFC 2047 encoded words when it is not plain ASCII."""
    if _ASCII_PRINTABLE.match(value) and "=?" not in value:
        return _fold(value, first=76 - len(name) - 2)
    words: list[str] = []
    chunk = bytearray()
    for char in value:
        encoded = char.encode()
        if len(chunk) + len(encoded) > MAX_ENCODED_CHUNK:
            words.append(_encoded_word(bytes(chunk)))
            chunk.clear()
        chunk += encoded
    if chunk:
        words.append(_encoded_word(bytes(chunk)))
    return "\r\n ".join(words)


def _encoded_word(data: bytes) -> str:
    return f"=?utf-8?b?{base64.b64encode(data).decode()}?="


def _fold(value: str, first: int, width: int = 76) -> str:
    """Fold a long ASCII header value at spaces (lines stay readable and under 998)."""
    if len(value) <= first:
        return value
    lines: list[str] = []
    line = ""
    for word in value.split(" "):
        limit = width if lines else first
        if line and len(line) + 1 + len(word) > limit:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\r\n ".join(lines)


def _quoted_printable(text: str) -> bytes:
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode()
    return binascii.b2a_qp(data, istext=True).replace(b"\n", b"\r\n")


def _base64(content: bytes) -> bytes:
    return base64.encodebytes(content).replace(b"\n", b"\r\n")


def _parameter(name: str, filename: str) -> str:
    """A file name parameter: quoted if plain ASCII, else RFC 2231 percent-encoded UTF-8."""
    cleaned = _UNSAFE_FILENAME.sub("_", filename) or "attachment"
    if _ASCII_PRINTABLE.match(cleaned):
        return f'{name}="{cleaned}"'
    return f"{name}*=utf-8''{quote(cleaned, safe='')}"


def build_message(
    *,
    message_id: str,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    date: datetime,
    languages: Sequence[str] = (),
    attachments: Sequence[AttachmentLike] = (),
    list_unsubscribe: str | None = None,
) -> bytes:
    """One complete message: text and HTML alternatives, then any attachments.

    `list_unsubscribe`, an https URL, adds RFC 8058's one-click unsubscribe: `List-Unsubscribe:
    <url>` and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (a mail provider then POSTs
    that body to the URL, with no cookie, when the reader presses its Unsubscribe button).

    `sender` and `to` must already be header-safe (ASCII, e.g. from `email.utils.formataddr`,
    or for `to` an address that network/kit/emails.py accepted, UTF-8 only when the message
    goes with SMTPUTF8);
    `message_id` includes its angle brackets.
    """
    token = message_id.strip("<>").partition("@")[0].replace("-", "")
    alternative_boundary = f"=_a_{token}"
    alternative_type = f'Content-Type: multipart/alternative;\r\n boundary="{alternative_boundary}"'
    headers = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {encode_header(subject)}",
        f"Date: {format_datetime(date)}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        "Auto-Submitted: auto-generated",
    ]
    if languages:
        headers.append(f"Content-Language: {', '.join(languages)}")
    if list_unsubscribe is not None:
        if not _ASCII_PRINTABLE.match(list_unsubscribe) or any(
            c in list_unsubscribe for c in "<> "
        ):
            raise ValueError(
                "a List-Unsubscribe URL must be printable ASCII, without <, > or spaces"
            )
        headers.append(f"List-Unsubscribe: <{list_unsubscribe}>")
        headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    alternative = b"".join(
        (
            f"--{alternative_boundary}\r\n".encode(),
            b"Content-Type: text/plain; charset=utf-8\r\n",
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
            _quoted_printable(text),
            f"\r\n--{alternative_boundary}\r\n".encode(),
            b"Content-Type: text/html; charset=utf-8\r\n",
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
            _quoted_printable(html),
            f"\r\n--{alternative_boundary}--\r\n".encode(),
        )
    )
    if not attachments:
        headers.append(alternative_type)
        return "\r\n".join(headers).encode() + b"\r\n\r\n" + alternative
    mixed_boundary = f"=_m_{token}"
    headers.append(f'Content-Type: multipart/mixed;\r\n boundary="{mixed_boundary}"')
    parts = [
        "\r\n".join(headers).encode(),
        f"\r\n\r\n--{mixed_boundary}\r\n".encode(),
        f"{alternative_type}\r\n\r\n".encode(),
        alternative,
    ]
    for attachment in attachments:
        parts.append(
            (
                f"--{mixed_boundary}\r\n"
                f"Content-Type: {attachment.content_type};\r\n"
                f" {_parameter('name', attachment.filename)}\r\n"
                f"Content-Disposition: attachment;\r\n"
                f" {_parameter('filename', attachment.filename)}\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n"
            ).encode()
        )
        parts.append(_base64(attachment.content))
    parts.append(f"--{mixed_boundary}--\r\n".encode())
    return b"".join(parts)
