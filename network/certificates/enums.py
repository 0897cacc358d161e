"""The states of a certificate."""

from __future__ import annotations

import enum


class CertificateStatus(enum.StrEnum):
    """VALID until revoked, or superseded by a reissue (which names the new certificate)."""

    VALID = "VALID"
    REVOKED = "REVOKED"
    SUPERSEDED = "SUPERSEDED"
