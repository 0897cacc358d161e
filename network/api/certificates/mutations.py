"""Mutations on CPD certificates: issue, revoke, reissue."""

from __future__ import annotations

import strawberry

from network.api.certificates.types import Certificate, certificate_node
from network.api.core.context import AnyInfo
from network.api.core.ids import input_id
from network.api.core.mutations import UserError, run_mutation
from network.certificates import service as certificates


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


@strawberry.type
class CertificatesMutation:
    @strawberry.mutation(
        description="Issue certificates to a session's attendees who have none (staff), once "
        "the session has ended (SESSION_NOT_ENDED before)."
    )
    async def issue_certificates(
        self, info: AnyInfo, input: IssueCertificatesInput
    ) -> IssueCertificatesPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: certificates.issue_certificates(
                s, p, session_id=input_id(input.session_id, "TrainingSession")
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

    @strawberry.mutation(
        description="Revoke a certificate with a reason (staff); its holder is told by email."
    )
    async def revoke_certificate(
        self, info: AnyInfo, input: RevokeCertificateInput
    ) -> CertificatePayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: certificates.revoke_certificate(
                s,
                p,
                certificate_id=input_id(input.certificate_id, "Certificate"),
                reason=input.reason,
            ),
            input,
        )
        node = await certificate_node(info, result.id) if result is not None else None
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
                certificate_id=input_id(input.certificate_id, "Certificate"),
                holder_name=input.holder_name,
            ),
            input,
        )
        node = await certificate_node(info, result.id) if result is not None else None
        return CertificatePayload(certificate=node, user_errors=errors)
