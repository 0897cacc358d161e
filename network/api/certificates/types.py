"""The GraphQL types of CPD certificates and their public verification."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.relay import Node
from network.certificates import service as certificates
from network.certificates.enums import CertificateStatus
from network.kit.ids import to_global_id

strawberry.enum(CertificateStatus, description="VALID, REVOKED, or SUPERSEDED by a reissue.")

HOLDER_NAME = "The holder's name as certified; null once the holder was erased (withheld)."
HOLDER_NAME_WITHHELD = "Whether the holder was erased, so the name is withheld."


@strawberry.type(description="A CPD certificate issued to a contact for an attended session.")
class Certificate(Node):
    number: str = strawberry.field(description="e.g. CPD-2026-000123; sequential per year.")
    status: CertificateStatus
    cpd_hours: float
    issued_at: datetime
    holder_name: str | None = strawberry.field(description=HOLDER_NAME)
    holder_name_withheld: bool = strawberry.field(description=HOLDER_NAME_WITHHELD)
    course_title: str
    session_date: datetime = strawberry.field(description="When the certified session began.")
    revoked_at: datetime | None
    revoked_reason: str | None
    download_url: str = strawberry.field(description="The PDF, for those entitled to it.")
    verify_url: str = strawberry.field(description="The public verification page.")

    @classmethod
    def from_row(cls, row: Any) -> Certificate:
        """Build from a certificates row read through the certificates scope."""
        return cls(
            id=strawberry.ID(to_global_id("Certificate", row.id)),
            number=row.number,
            status=row.status,
            cpd_hours=float(row.cpd_hours),
            issued_at=row.issued_at,
            holder_name=row.holder_name,
            holder_name_withheld=row.holder_name is None,
            course_title=row.course_title,
            session_date=row.session_starts_at,
            revoked_at=row.revoked_at,
            revoked_reason=row.revoked_reason,
            download_url=certificates.download_url(row.id),
            verify_url=certificates.verify_url(row.verification_code),
        )


@strawberry.type(description="What anyone may learn about a certificate from its code.")
class CertificateVerification:
    number: str
    holder_name: str | None = strawberry.field(description=HOLDER_NAME)
    holder_name_withheld: bool = strawberry.field(description=HOLDER_NAME_WITHHELD)
    course_title: str
    session_date: datetime
    issued_at: datetime
    cpd_hours: float
    status: CertificateStatus
    revoked_at: datetime | None
    revoked_reason: str | None
    superseded_by_number: str | None = strawberry.field(
        description="The number of the certificate that replaced this one, if SUPERSEDED."
    )


@strawberry.type(description="CPD hours earned in one calendar year (valid certificates).")
class CpdHoursYear:
    year: int
    cpd_hours: float


async def certificate_node(info: AnyInfo, raw_id: uuid.UUID) -> Certificate | None:
    """A certificate by id, as the caller may see it (for `node(id:)` and payloads)."""
    found = await certificates.get_certificates(
        info.context.session, info.context.principal, [raw_id]
    )
    row = found.get(raw_id)
    return Certificate.from_row(row) if row else None
