"""The GraphQL types of CPD certificates and their public verification."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.relay import Node

# CourseFormat is declared to strawberry (once) in the training types: import them first.
from network.api.training import types as _training_types  # noqa: F401
from network.certificates import service as certificates
from network.certificates.enums import CertificateStatus
from network.certificates.pdf import Particulars
from network.kit.ids import to_global_id
from network.training.enums import CourseFormat

strawberry.enum(CertificateStatus, description="VALID, REVOKED, or SUPERSEDED by a reissue.")

HOLDER_NAME = "The holder's name as certified; null once the holder was erased (withheld)."
HOLDER_NAME_WITHHELD = "Whether the holder was erased, so the name is withheld."
PROVIDER = "The training provider named on it; null for certificates issued before providers."
ACCREDITATION = "The body that certifies the course for CPD, as certified; null when none."
REFERENCE = "The provider's reference number with that body, as certified; null when none."


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
    provider: str | None = strawberry.field(description=PROVIDER)
    accreditation: str | None = strawberry.field(description=ACCREDITATION)
    accreditation_reference: str | None = strawberry.field(description=REFERENCE)
    trainer: str | None = strawberry.field(description="The session's trainer, as certified.")
    organisation: str | None = strawberry.field(
        description="The holder's organisation (member), as certified."
    )
    format: CourseFormat | None = strawberry.field(
        description="How long the certified course took, as certified."
    )
    learning_outcomes: list[str] = strawberry.field(
        description="The learning outcomes printed, in the certificate's language "
        "(a Welsh certificate's: Welsh, then English); empty when none."
    )

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
            **_particulars(row.particulars),
        )


def _particulars(stored: Any) -> dict[str, Any]:
    """The Certificate fields read from stored particulars (all null before they existed)."""
    found = Particulars.from_json(stored)
    if found is None:
        return {
            "provider": None,
            "accreditation": None,
            "accreditation_reference": None,
            "trainer": None,
            "organisation": None,
            "format": None,
            "learning_outcomes": [],
        }
    return {
        "provider": found.provider,
        "accreditation": found.accreditation,
        "accreditation_reference": found.accreditation_reference,
        "trainer": found.trainer,
        "organisation": found.organisation,
        "format": CourseFormat.__members__.get(found.format or ""),
        "learning_outcomes": [o for _, outcomes in found.learning_outcomes for o in outcomes],
    }


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
    provider: str | None = strawberry.field(default=None, description=PROVIDER)
    accreditation: str | None = strawberry.field(default=None, description=ACCREDITATION)
    accreditation_reference: str | None = strawberry.field(default=None, description=REFERENCE)


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
