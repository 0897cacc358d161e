"""The ZIP of a personal-data export, built from what `gathering.gather` read (no database).

Layout: `personal-data.json` (one document holding all of it: ISO 8601 dates with their
offset, UUIDs as text), one CSV per table (`contact.csv`, `bookings.csv`, ...),
`certificates/<number>.pdf` (each certificate's stored PDF, byte for byte) and `README.txt`.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from network.kit.text import csv_bytes
from network.messaging.stored import render_stored
from network.privacy.gathering import Gathered

JSON_NAME = "personal-data.json"
FORMAT_VERSION = 1

README = """\
Your personal data
==================

This archive holds everything the network's CRM keeps about you, as it was on {made}.

- personal-data.json: all of it in one document, for programs to read.
- One CSV file per kind of record, to open in a spreadsheet:
{tables}
- certificates/: your CPD certificates, exactly as they were issued (PDF).

Dates and times are in UTC, written as ISO 8601 (for example 2025-03-14T09:30:00+00:00).
The emails are shown as they were written to you: the subject, the plain text and the HTML.
Password and sign-in token secrets are never stored in readable form, so they are not here.

If something is wrong or missing, or you want it changed or deleted, write to the data
protection officer of the network.
"""

# The tables of the archive, in order: name in the JSON document and CSV file name.
TABLES = (
    ("user_accounts", "user_accounts.csv"),
    ("api_tokens", "api_tokens.csv"),
    ("portal_sign_ins", "portal_sign_ins.csv"),
    ("sign_in_links", "sign_in_links.csv"),
    ("consent_events", "consent_events.csv"),
    ("current_consents", "current_consents.csv"),
    ("bookings", "bookings.csv"),
    ("attendance", "attendance.csv"),
    ("certificates", "certificates.csv"),
    ("meeting_invitations", "meeting_invitations.csv"),
    ("emails", "emails.csv"),
    ("audit_entries", "audit_entries.csv"),
    ("exports", "exports.csv"),
)


def _default(value: Any) -> Any:
    # Decimal hours as written ("6.0"); the driver's own UUID class, which orjson leaves out.
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    raise TypeError(type(value).__name__)


def _dumps(value: Any, *, indent: bool = False) -> bytes:
    option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_INDENT_2 if indent else 0)
    return orjson.dumps(value, default=_default, option=option)


def _plain(value: Any) -> Any:
    """A JSON-ready value as it reads in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list | tuple):
        return _dumps(value).decode()
    return str(value)


def _csv(rows: Sequence[dict[str, Any]]) -> bytes:
    header: list[str] = []
    for row in rows:
        header.extend(k for k in row if k not in header)
    return csv_bytes(header, ([_plain(row.get(k)) for k in header] for row in rows))


def _emails(gathered: Gathered) -> list[dict[str, Any]]:
    """The emails with their subject and bodies, rendered as they are sent."""
    rendered = []
    for email in gathered.emails:
        body = render_stored(email.template, email.language, email.context)
        rendered.append(
            {
                **email.row,
                "subject": body.subject if body else None,
                "text_body": body.text if body else None,
                "html_body": body.html if body else None,
            }
        )
    return rendered


def document(gathered: Gathered, made: datetime) -> dict[str, Any]:
    """The one JSON document of the export (before serialisation)."""
    tables: dict[str, Any] = {
        name: getattr(gathered, name) for name, _ in TABLES if name != "emails"
    }
    tables["emails"] = _emails(gathered)
    return {
        "format_version": FORMAT_VERSION,
        "generated_at": made,
        "contact": gathered.contact,
        **tables,
    }


def build_zip(gathered: Gathered, made: datetime) -> bytes:
    """The export's ZIP (CPU only: rendering the emails and compressing; run it off the loop)."""
    data = document(gathered, made)
    buffer = io.BytesIO()
    listed = "\n".join(f"  {file}" for file in ("contact.csv", *(f for _, f in TABLES)))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("README.txt", README.format(made=made.isoformat(), tables=listed))
        archive.writestr(JSON_NAME, _dumps(data, indent=True))
        archive.writestr("contact.csv", _csv([data["contact"]]))
        for name, file in TABLES:
            archive.writestr(file, _csv(data[name]))
        for number, pdf in sorted(gathered.certificate_files.items()):
            # PDFs are compressed already: stored as they are.
            archive.writestr(f"certificates/{number}.pdf", pdf, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()
