"""The GraphQL type of a personal-data export."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from network.api.contacts.types import Contact, load_contact
from network.api.core.context import AnyInfo
from network.api.core.relay import Node
from network.auth.principal import Principal
from network.kit.ids import to_global_id
from network.privacy import exports
from network.privacy.models import ExportStatus

strawberry.enum(ExportStatus, description="Where a personal-data export stands.")


@strawberry.type(
    description="Everything held about one person, as a ZIP built by a job for the user who "
    "asked: one JSON document, a CSV per table and the certificates' PDFs."
)
class PersonalDataExport(Node):
    status: ExportStatus
    requested_at: datetime
    ready_at: datetime | None = strawberry.field(description="When the ZIP was built.")
    expires_at: datetime | None = strawberry.field(
        description="Until when the ZIP can be downloaded (7 days after it was built)."
    )
    size_bytes: int | None = strawberry.field(description="The ZIP's size, once built.")
    download_url: str | None = strawberry.field(
        description="The signed download link: for the user who asked only, while the export "
        "is READY and unexpired; null otherwise."
    )
    contact_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any, principal: Principal) -> PersonalDataExport:
        """Build from a personal_data_exports row (or entity), for the caller."""
        return cls(
            id=strawberry.ID(to_global_id("PersonalDataExport", row.id)),
            status=row.status,
            requested_at=row.requested_at,
            ready_at=row.ready_at,
            expires_at=row.expires_at,
            size_bytes=row.size_bytes,
            download_url=exports.download_url(row, principal),
            contact_id=row.contact_id,
        )

    @strawberry.field(description="The person whose data it holds (null if you cannot see them).")
    async def contact(self, info: AnyInfo) -> Contact | None:
        return await load_contact(info, self.contact_id)


async def export_node(info: AnyInfo, raw_id: uuid.UUID) -> PersonalDataExport | None:
    """An export by id, for the user who asked for it and staff (for `node(id:)`)."""
    principal = info.context.principal
    found = await exports.get_exports(info.context.session, principal, [raw_id])
    row = found.get(raw_id)
    return PersonalDataExport.from_row(row, principal) if row else None
