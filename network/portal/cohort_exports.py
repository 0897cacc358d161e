"""A cohort's contacts and bookings as CSV files, for the partner's spreadsheets.

The rows come from network.usecases.exports: one query each, built from the entities' own
`readable(principal)` statements, so a file holds exactly what the API would show the partner.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.kit.text import csv_bytes
from network.portal.deps import ManagerReading, area_router, path_id
from network.portal.exits import or_404
from network.portal.members import visible_cohort
from network.portal.web import Reading
from network.usecases import exports

router = area_router()

RowsOf = Callable[[AsyncSession, Principal, uuid.UUID], Awaitable[Any]]


async def exported(seen: Reading, cohort_id: str, rows_of: RowsOf) -> tuple[Any, Any]:
    """The rows `rows_of` exports of the path's cohort, and the cohort; NotFound unless the
    cohort is the partner's."""
    key = path_id(cohort_id)
    rows = or_404(await rows_of(seen.session, seen.principal, key))
    cohort = or_404(await visible_cohort(seen.session, seen.principal, key))
    return rows, cohort


@router.get("/cohorts/{cohort_id}/contacts.csv")
async def contacts_csv(cohort_id: str, seen: ManagerReading) -> Response:
    """The contacts of the cohort's members, archived ones included."""
    rows, cohort = await exported(seen, cohort_id, exports.cohort_contacts)
    t = seen.t
    header = [
        t["member"],
        t["people_first_name"],
        t["people_last_name"],
        t["email"],
        t["people_job_title"],
        t["people_contact_language"],
        t["people_consent_scope"],
        t["people_consent_given_on"],
        t["people_consent_method"],
        t["people_opt_outs"],
        t["people_archived"],
    ]
    lines = [
        [
            row.member_name,
            row.first_name,
            row.last_name,
            row.email,
            row.job_title or "",
            row.language,
            row.consent_scope or "",
            row.consent_given_at.astimezone(UTC).isoformat() if row.consent_given_at else "",
            row.consent_method or "",
            " ".join(row.email_opt_outs or ()),
            t["people_yes"] if row.archived_at else t["people_no"],
        ]
        for row in rows
    ]
    return csv_response(header, lines, f"{slug(cohort.name)}-contacts.csv")


@router.get("/cohorts/{cohort_id}/bookings.csv")
async def bookings_csv(cohort_id: str, seen: ManagerReading) -> Response:
    """The training bookings of the cohort's members' contacts."""
    rows, cohort = await exported(seen, cohort_id, exports.cohort_bookings)
    t = seen.t
    header = [
        t["member"],
        t["people_contact"],
        t["email"],
        t["people_course"],
        t["people_session_start"],
        t["people_time_zone"],
        t["status"],
        t["people_waitlist_position"],
        t["people_attended"],
        t["people_certificate_number"],
    ]
    lines = []
    for row in rows:
        start = row.session_starts_at.astimezone(ZoneInfo(row.session_time_zone))
        lines.append(
            [
                row.member_name,
                f"{row.contact__first_name} {row.contact__last_name}",
                row.contact__email,
                row.course_title,
                f"{start:%Y-%m-%d %H:%M}",
                row.session_time_zone,
                str(row.status),  # the glossary's word, as the API spells it
                "" if row.waitlist_position is None else str(row.waitlist_position),
                t["people_yes"] if str(row.status) == "ATTENDED" else t["people_no"],
                row.certificate_number or "",
            ]
        )
    return csv_response(header, lines, f"{slug(cohort.name)}-bookings.csv")


def slug(name: str) -> str:
    """An ASCII file-name stem made from a cohort's name."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    return stem[:60] or "cohort"


def csv_response(header: Sequence[str], lines: Iterable[Sequence[Any]], filename: str) -> Response:
    """The CSV file as a download (network/kit/text.py: UTF-8 with a byte-order mark, and no
    cell a spreadsheet could run as a formula)."""
    return Response(
        csv_bytes(header, lines),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
