"""CPD certificates in GraphQL: listing, issuing, revoking, reissuing, public verification."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError

from network.api.certificates_routes import over_limit
from network.api.mutations import run_mutation
from network.api.queries import NODE_RESOLVERS
from network.api.relay import Connection, Node, decode_filter_id, decode_id, list_connection
from network.api.types import AnyInfo, UserError
from network.auth import login_links
from network.certificates import service as certificates
from network.certificates.enums import CertificateStatus
from network.db import unit_of_work
from network.kit.ids import to_global_id
from network.kit.ratelimit import too_many_email_asks

strawberry.enum(CertificateStatus, description="VALID, REVOKED, or SUPERSEDED by a reissue.")

# An id that names nothing: a malformed reference becomes NOT_FOUND, never "no value".
NOWHERE = uuid.UUID(int=0)


@strawberry.type(description="A CPD certificate issued to a contact for an attended session.")
class Certificate(Node):
    number: str = strawberry.field(description="e.g. CPD-2026-000123; sequential per year.")
    status: CertificateStatus
    cpd_hours: float
    issued_at: datetime
    holder_name: str
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
    holder_name: str
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


async def _certificate_node(info: AnyInfo, raw_id: uuid.UUID) -> Node | None:
    found = await certificates.get_certificates(
        info.context.session, info.context.principal, [raw_id]
    )
    row = found.get(raw_id)
    return Certificate.from_row(row) if row else None


NODE_RESOLVERS["Certificate"] = _certificate_node


@strawberry.type(description="CPD hours earned in one calendar year (valid certificates).")
class CpdHoursYear:
    year: int
    cpd_hours: float


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
            contact_id=decode_filter_id(f.contact_id, "Contact", "filter.contactId"),
            session_id=decode_filter_id(f.session_id, "TrainingSession", "filter.sessionId"),
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
        address = info.context.extra.get("client_address")
        jobs = info.context.jobs
        if address and jobs is not None and await over_limit(jobs.redis, address):
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
            course_title=found.course_title,
            session_date=found.session_date,
            issued_at=found.issued_at,
            cpd_hours=float(found.cpd_hours),
            status=found.status,
            revoked_at=found.revoked_at,
            revoked_reason=found.revoked_reason,
            superseded_by_number=found.superseded_by_number,
        )


@strawberry.input
class IssueCertificatesInput:
    session_id: strawberry.ID


@strawberry.type
class IssueCertificatesPayload:
    certificates: list[Certificate] | None = strawberry.field(
        description="The certificates issued now (empty when every attendee had one)."
    )
    user_errors: list[UserError]


@strawberry.input
class RevokeCertificateInput:
    certificate_id: strawberry.ID
    reason: str


@strawberry.input
class ReissueCertificateInput:
    certificate_id: strawberry.ID
    holder_name: str | None = strawberry.field(default=None, description="A corrected name.")


@strawberry.type
class CertificatePayload:
    certificate: Certificate | None
    user_errors: list[UserError]


def _reference(value: strawberry.ID, type_name: str) -> uuid.UUID:
    return decode_id(value, type_name) or NOWHERE


async def _reload(info: AnyInfo, certificate_id: uuid.UUID) -> Certificate | None:
    node = await _certificate_node(info, certificate_id)
    return node if isinstance(node, Certificate) else None


@strawberry.input
class RequestLoginLinkInput:
    email: str


@strawberry.type
class RequestLoginLinkPayload:
    accepted: bool = strawberry.field(
        description="Always true: the answer never tells whether the address has an account."
    )
    user_errors: list[UserError]


@strawberry.type
class LoginMutation:
    @strawberry.mutation(
        description=(
            "Email a one-time sign-in link to a member (public). Rate-limited per address "
            "and per client; over the limit nothing is sent, and the answer is the same."
        )
    )
    async def request_login_link(
        self, info: AnyInfo, input: RequestLoginLinkInput
    ) -> RequestLoginLinkPayload:
        session = info.context.session
        jobs = info.context.jobs
        client = info.context.extra.get("client_address") or "unknown"
        if jobs is not None and await too_many_email_asks(
            jobs.redis, "link", input.email or "", client
        ):
            return RequestLoginLinkPayload(accepted=True, user_errors=[])
        async with unit_of_work(session, after_commit=info.context.flush_jobs):
            await login_links.request_login_link(session, input.email)
        return RequestLoginLinkPayload(accepted=True, user_errors=[])


@strawberry.type
class CertificatesMutation(LoginMutation):
    @strawberry.mutation(description="Issue certificates to a session's attendees who have none.")
    async def issue_certificates(
        self, info: AnyInfo, input: IssueCertificatesInput
    ) -> IssueCertificatesPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: certificates.issue_certificates(
                s, p, session_id=_reference(input.session_id, "TrainingSession")
            ),
            input,
        )
        if result is None:
            return IssueCertificatesPayload(certificates=None, user_errors=errors)
        ids = [c.id for c in result]
        found = await certificates.get_certificates(
            info.context.session, info.context.principal, ids
        )
        return IssueCertificatesPayload(
            certificates=[Certificate.from_row(found[i]) for i in ids if i in found],
            user_errors=[],
        )

    @strawberry.mutation(description="Revoke a certificate with a reason (staff).")
    async def revoke_certificate(
        self, info: AnyInfo, input: RevokeCertificateInput
    ) -> CertificatePayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: certificates.revoke_certificate(
                s,
                p,
                certificate_id=_reference(input.certificate_id, "Certificate"),
                reason=input.reason,
            ),
            input,
        )
        node = await _reload(info, result.id) if result is not None else None
        return CertificatePayload(certificate=node, user_errors=errors)

    @strawberry.mutation(description="Replace a certificate with a new number (staff).")
    async def reissue_certificate(
        self, info: AnyInfo, input: ReissueCertificateInput
    ) -> CertificatePayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: certificates.reissue_certificate(
                s,
                p,
                certificate_id=_reference(input.certificate_id, "Certificate"),
                holder_name=input.holder_name,
            ),
            input,
        )
        node = await _reload(info, result.id) if result is not None else None
        return CertificatePayload(certificate=node, user_errors=errors)
