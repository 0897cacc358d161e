"""Mutations on personal-data exports: ask for everything held about a person."""

from __future__ import annotations

import strawberry

from network.api.core.context import AnyInfo
from network.api.core.ids import input_id
from network.api.core.mutations import UserError, run_mutation
from network.api.exports.types import PersonalDataExport
from network.privacy import exports


@strawberry.input
class ExportPersonalDataInput:
    contact_id: strawberry.ID


@strawberry.type
class ExportPersonalDataPayload:
    export: PersonalDataExport | None = strawberry.field(
        description="The export asked for: PENDING until a job has built its ZIP."
    )
    user_errors: list[UserError]


@strawberry.type
class ExportsMutation:
    @strawberry.mutation(
        description="Ask for everything held about a person as a ZIP, built by a job and "
        "downloadable by you for 7 days (staff; a partner for the contacts it may see; a "
        "member contact for itself). Audited, as is each download."
    )
    async def export_personal_data(
        self, info: AnyInfo, input: ExportPersonalDataInput
    ) -> ExportPersonalDataPayload:
        result, errors = await run_mutation(
            info,
            lambda s, p: exports.request_export(s, p, input_id(input.contact_id, "Contact")),
            input=input,
        )
        principal = info.context.principal
        return ExportPersonalDataPayload(
            export=PersonalDataExport.from_row(result, principal) if result else None,
            user_errors=errors,
        )
