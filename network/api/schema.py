"""The Strawberry schema: each domain's queries and mutations composed into the roots, the
`node(id:)` registry, and the security and speed extensions."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)

from network.api.audit.queries import AuditQuery
from network.api.auth.mutations import AuthMutation
from network.api.auth.queries import AuthQuery
from network.api.auth.types import user_node
from network.api.certificates.mutations import CertificatesMutation
from network.api.certificates.queries import CertificatesQuery
from network.api.certificates.types import certificate_node
from network.api.consent.mutations import ConsentMutation
from network.api.contacts.mutations import ContactsMutation
from network.api.contacts.queries import ContactsQuery
from network.api.contacts.types import Contact, load_contact
from network.api.core import execution
from network.api.core.caches import DocumentCache, document_cache_extension
from network.api.core.context import AnyInfo
from network.api.core.dates import SCALAR_OVERRIDES
from network.api.core.guards import (
    AnonymousCallers,
    CostLimit,
    ErrorCodes,
    HideUnexpectedErrors,
)
from network.api.core.rate_limit import RateLimitQuery
from network.api.core.relay import Node, NodeResolver, resolve_node
from network.api.exports.mutations import ExportsMutation
from network.api.exports.types import export_node
from network.api.feeds.mutations import FeedsMutation
from network.api.feeds.queries import FeedsQuery
from network.api.initiatives.mutations import InitiativesMutation
from network.api.initiatives.queries import InitiativesQuery
from network.api.initiatives.types import initiative_node
from network.api.meetings.mutations import MeetingsMutation
from network.api.meetings.queries import MeetingsQuery
from network.api.meetings.types import invitation_node, meeting_node
from network.api.members.mutations import MembersMutation
from network.api.members.queries import MembersQuery
from network.api.members.types import Member, load_member
from network.api.messaging.mutations import MessagingMutation
from network.api.messaging.queries import MessagingQuery
from network.api.messaging.types import outbox_message_node
from network.api.partners.mutations import PartnersMutation
from network.api.partners.queries import PartnersQuery
from network.api.partners.types import Partner, load_partner
from network.api.privacy.erasure import ErasureMutation
from network.api.programme.mutations import ProgrammeMutation
from network.api.programme.queries import ProgrammeQuery
from network.api.programme.types import Cohort, StepProgress, load_cohort, step_progress_node
from network.api.retention.mutations import RetentionMutation
from network.api.retention.queries import RetentionQuery
from network.api.training.mutations import TrainingMutation
from network.api.training.queries import TrainingQuery
from network.api.training.types import course_node, load_booking, load_training_session
from network.config import Settings

# `node(id:)` finds an object of any of these types; a type missing here reads as not found.
NODE_RESOLVERS: Mapping[str, NodeResolver] = {
    "Member": load_member,
    "Contact": load_contact,
    "Cohort": load_cohort,
    "Partner": load_partner,
    "StepProgress": step_progress_node,
    "Course": course_node,
    "TrainingSession": load_training_session,
    "Booking": load_booking,
    "Certificate": certificate_node,
    "NetworkMeeting": meeting_node,
    "MeetingInvitation": invitation_node,
    "Initiative": initiative_node,
    "OutboxMessage": outbox_message_node,
    "PersonalDataExport": export_node,
    "User": user_node,
}


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object you may see, by global id; null for the rest.")
    async def node(self, info: AnyInfo, id: strawberry.ID) -> Node | None:
        info.context.require_principal()
        return await resolve_node(info, str(id), NODE_RESOLVERS)


# Each part of the domain contributes a query and a mutation class; the roots inherit them all
# (the order of the bases is the order of the fields in the schema).
@strawberry.type
class Query(
    AuthQuery,
    NodeQuery,
    PartnersQuery,
    MembersQuery,
    ContactsQuery,
    ProgrammeQuery,
    AuditQuery,
    MeetingsQuery,
    InitiativesQuery,
    TrainingQuery,
    MessagingQuery,
    CertificatesQuery,
    RetentionQuery,
    FeedsQuery,
    RateLimitQuery,
):
    pass


@strawberry.type
class Mutation(
    PartnersMutation,
    MembersMutation,
    ContactsMutation,
    ConsentMutation,
    ProgrammeMutation,
    MeetingsMutation,
    InitiativesMutation,
    TrainingMutation,
    MessagingMutation,
    AuthMutation,
    CertificatesMutation,
    RetentionMutation,
    ExportsMutation,
    ErasureMutation,
    FeedsMutation,
):
    pass


def _default(setting: str) -> int:
    """A limit's default, from Settings (the one place the numbers are written)."""
    return int(Settings.model_fields[setting].default)


def build_schema(
    max_depth: int = _default("graphql_max_depth"),
    max_tokens: int = _default("graphql_max_tokens"),
    max_aliases: int = _default("graphql_max_aliases"),
    cache: DocumentCache | None = None,
) -> strawberry.Schema:
    """The network CRM schema with its document cache, limits, cost budget and error masking."""
    execution.install()  # siblings of a failed field finish instead of being cancelled
    # One rule class per limit for all requests: each QueryDepthLimiter and MaxAliasesLimiter
    # makes a rule class of its own, and the rules are part of the validation cache's key, so a
    # limiter per request (the factories below) would make every validation a cache miss.
    rules = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    ]
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=[Member, Contact, Cohort, Partner, StepProgress],
        # DateTime and Date refuse what no instant or date can hold, with a code (dates.py).
        scalar_overrides=SCALAR_OVERRIDES,
        extensions=[
            # First, so its hooks wrap every other's: even a document that fails to parse
            # gets its code.
            ErrorCodes,
            # Counted while parsing, so a flood of tokens stops before it is all parsed; the
            # limit is one of the document cache's keys, which stays shared.
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            document_cache_extension(DocumentCache() if cache is None else cache),
            lambda: AddValidationRules(rules),
            # After the rules above, so the rules of a request stay one of a few cache keys.
            AnonymousCallers,
            CostLimit,
            HideUnexpectedErrors,
        ],
    )


@lru_cache(maxsize=4)
def document_cache_for(max_depth: int, max_tokens: int, max_aliases: int) -> DocumentCache:
    """The parse and validation cache of the schema with these limits."""
    return DocumentCache()


@lru_cache(maxsize=4)
def schema_for(max_depth: int, max_tokens: int, max_aliases: int) -> strawberry.Schema:
    """The schema with these limits, built once per process (create_app reads them from
    Settings; tests make apps by the hundred)."""
    cache = document_cache_for(max_depth, max_tokens, max_aliases)
    return build_schema(max_depth, max_tokens, max_aliases, cache)


schema = schema_for(
    _default("graphql_max_depth"), _default("graphql_max_tokens"), _default("graphql_max_aliases")
)
