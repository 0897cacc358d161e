"""Verifying a certificate by its code, and downloading one PDF or a session's ZIP."""

from __future__ import annotations

import io
import uuid
import zipfile

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal, PrincipalKind
from network.certificates.enums import CertificateStatus
from network.certificates.models import Certificate
from network.certificates.pdf import Particulars
from network.certificates.queries import LISTED, Verification, certificates, readable


async def verify(session: AsyncSession, code: str) -> Verification | None:
    """What a verification code certifies, for anyone; None when no certificate has it."""
    if not code or len(code) > 64 or "\x00" in code:
        return None
    # Row-level security lets whoever holds a code read that certificate and its replacement,
    # whoever is asking (migration 0008): the code is named for this transaction.
    await session.execute(select(func.set_config("network.verification_code", code, True)))
    replacement = Certificate.__table__.alias("replacement")
    row = (
        await session.execute(
            select(*LISTED, replacement.c.number.label("superseded_by_number"))
            .outerjoin(replacement, replacement.c.id == certificates.replaced_by_id)
            .where(certificates.verification_code == code)
        )
    ).one_or_none()
    if row is None:
        return None
    particulars = Particulars.from_json(row.particulars)
    return Verification(
        number=row.number,
        holder_name=row.holder_name,
        course_title=row.course_title,
        session_date=row.session_starts_at,
        session_date_text=row.session_date_text,
        issued_at=row.issued_at,
        cpd_hours=row.cpd_hours,
        status=row.status,
        revoked_at=row.revoked_at,
        revoked_reason=row.revoked_reason,
        superseded_by_number=row.superseded_by_number,
        provider=particulars.provider if particulars else None,
        accreditation=particulars.accreditation if particulars else None,
        accreditation_reference=particulars.accreditation_reference if particulars else None,
    )


async def certificate_pdf(
    session: AsyncSession, principal: Principal, certificate_id: uuid.UUID
) -> tuple[str, bytes] | None:
    """The number and stored PDF of a certificate the principal may download; None otherwise
    (also once its holder is erased: the PDF, which carries the name, is gone)."""
    if not principal.is_authenticated:
        return None
    visible = readable(principal).with_only_columns(certificates.id)
    row = (
        await session.execute(
            select(Certificate.number, Certificate.pdf).where(
                Certificate.id == certificate_id,
                Certificate.id.in_(visible),
                Certificate.pdf.is_not(None),
            )
        )
    ).one_or_none()
    return (row.number, row.pdf) if row is not None and row.pdf is not None else None


async def session_zip(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID
) -> bytes | None:
    """A ZIP of the session's visible current certificates, for staff and partners; else None."""
    if not (principal.sees_everything or principal.kind is PrincipalKind.PARTNER):
        return None
    visible = readable(principal).with_only_columns(certificates.id)
    rows = (
        await session.execute(
            select(Certificate.number, Certificate.pdf)
            .where(
                Certificate.session_id == session_id,
                Certificate.status != CertificateStatus.SUPERSEDED,
                Certificate.id.in_(visible),
                Certificate.pdf.is_not(None),  # an erased holder's PDF is gone
            )
            .order_by(Certificate.number)
        )
    ).all()
    if not rows:
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for number, document in rows:
            if document is not None:  # filtered above; says so to the type checker
                archive.writestr(f"{number}.pdf", document)
    return buffer.getvalue()
