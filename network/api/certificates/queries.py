"""Queries on CPD certificates, and their public verification by code."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from network.api.certificates.types import (
    Certificate,
    CertificateVerification,
    CpdHoursYear,
)
from network.api.core.context import AnyInfo
from network.api.core.ids import decode_id, filter_id
from network.api.core.relay import Connection, list_connection
from network.certificates import service as certificates
from network.certificates.enums import CertificateStatus
from network.kit.ratelimit import over_verify_limit


@strawberry.input(description="Filters for `certificates`.")
class CertificateFilter:
    contact_id: strawberry.ID | None = None
    session_id: strawberry.ID | None = None
    status: CertificateStatus | None = None


@strawberry.type
class CertificatesQuery:
    @strawberry.field(description="Certificates you may see, by number.")
    async def certificates(
        self,
        info: AnyInfo,
        first: int | None = 20,
        after: str | None = None,
        filter: CertificateFilter | None = None,
    ) -> Connection[Certificate]:
        principal = info.context.require_principal()
        f = filter or CertificateFilter()
        query = certificates.CertificateQuery(
            contact_id=filter_id(f.contact_id, "Contact", "filter.contactId"),
            session_id=filter_id(f.session_id, "TrainingSession", "filter.sessionId"),
            status=f.status,
        )
        return await list_connection(
            certificates.list_certificates(
                info.context.session, principal, query, first=first, after=after
            ),
            Certificate.from_row,
        )

    @strawberry.field(description="A contact's total CPD hours per year, from valid certificates.")
    async def cpd_hours_by_year(
        self, info: AnyInfo, contact_id: strawberry.ID
    ) -> list[CpdHoursYear]:
        principal = info.context.require_principal()
        raw = decode_id(contact_id, "Contact")
        if raw is None:
            return []
        totals = await certificates.cpd_hours_by_year(info.context.session, principal, raw)
        return [CpdHoursYear(year=year, cpd_hours=float(hours)) for year, hours in totals]

    @strawberry.field(description="Check a certificate by its code (public: no token needed).")
    async def verify_certificate(self, info: AnyInfo, code: str) -> CertificateVerification | None:
        address = info.context.client_address
        jobs = info.context.jobs
        if address and jobs is not None and await over_verify_limit(jobs.redis, address):
            raise GraphQLError(
                "Too many verification requests; try again in a minute.",
                extensions={"code": "RATE_LIMITED"},
            )
        found = await certificates.verify(info.context.session, code)
        if found is None:
            return None
        return CertificateVerification(
            number=found.number,
            holder_name=found.holder_name,
            holder_name_withheld=found.holder_name_withheld,
            course_title=found.course_title,
            session_date=found.session_date,
            issued_at=found.issued_at,
            cpd_hours=float(found.cpd_hours),
            status=found.status,
            revoked_at=found.revoked_at,
            revoked_reason=found.revoked_reason,
            superseded_by_number=found.superseded_by_number,
            provider=found.provider,
            accreditation=found.accreditation,
            accreditation_reference=found.accreditation_reference,
        )
