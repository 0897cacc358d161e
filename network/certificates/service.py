"""Certificates as the faces see them: issuing, listing, revoking, reissuing and verifying.

A facade over the modules of each use case (queries, issuing, revocation, downloads); the
faces and workers import `network.certificates.service` and need not know the split.
"""

from network.certificates.downloads import certificate_pdf, session_zip, verify
from network.certificates.due import issue_due_certificates
from network.certificates.issuing import issue_certificates, issue_for_bookings
from network.certificates.queries import (
    CertificateQuery,
    Verification,
    cpd_hours_by_year,
    download_url,
    get_certificates,
    list_certificates,
    readable,
    total_cpd_hours,
    verify_url,
)
from network.certificates.revocation import (
    reissue_certificate,
    revoke_certificate,
    revoke_for_bookings,
)

__all__ = [
    "CertificateQuery",
    "Verification",
    "certificate_pdf",
    "cpd_hours_by_year",
    "download_url",
    "get_certificates",
    "issue_certificates",
    "issue_due_certificates",
    "issue_for_bookings",
    "list_certificates",
    "readable",
    "reissue_certificate",
    "revoke_certificate",
    "revoke_for_bookings",
    "session_zip",
    "total_cpd_hours",
    "verify",
    "verify_url",
]
