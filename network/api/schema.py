"""The Strawberry schema: each domain's queries and mutations composed into the roots, the
`node(id:)` registry, and the security and speed extensions."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from network.api.audit.queries import AuditQuery
from network.api.auth.mutations import AuthMutation
from network.api.auth.queries import AuthQuery
from network.api.certificates.mutations import CertificatesMutation
from network.api.certificates.queries import CertificatesQuery
from network.api.certificates.types import certificate_node
from network.api.contacts.mutations import ContactsMutation
from network.api.contacts.queries import ContactsQuery
from network.api.contacts.types import Contact, load_contact
from network.api.core.context import AnyInfo
from network.api.core.relay import Node, NodeResolver, resolve_node
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
from network.api.programme.mutations import ProgrammeMutation
from network.api.programme.queries import ProgrammeQuery
from network.api.programme.types import Cohort, StepProgress, load_cohort, step_progress_node
from network.api.training.mutations import TrainingMutation
from network.api.training.queries import TrainingQuery
from network.api.training.types import course_node, load_booking, load_training_session

logger = logging.getLogger("network.api")


def is_unexpected(error: GraphQLError) -> bool:
    """Errors we raised on purpose are GraphQL errors; anything else is a bug to hide."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class HideUnexpectedErrors(MaskErrors):
    """Replace unexpected errors with a generic message and the request id (logged in full)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", "")
        logger.error(
            "unexpected error in %s (request %s)",
            error.path,
            request_id,
            exc_info=error.original_error,
        )
        return GraphQLError(
            message=f"Unexpected error; it has been logged (request id {request_id}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL", "requestId": request_id},
        )


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
):
    pass


@strawberry.type
class Mutation(
    PartnersMutation,
    MembersMutation,
    ContactsMutation,
    ProgrammeMutation,
    MeetingsMutation,
    InitiativesMutation,
    TrainingMutation,
    MessagingMutation,
    AuthMutation,
    CertificatesMutation,
):
    pass


def build_schema(max_depth: int = 12) -> strawberry.Schema:
    """The network CRM schema with parse/validation caches, a depth limit and error masking."""
    # One depth rule for all requests: each QueryDepthLimiter makes a rule class of its own,
    # and the rules are part of ValidationCache's key, so a limiter per request (the factory
    # below) made every validation a cache miss.
    depth_rules = QueryDepthLimiter(max_depth=max_depth).validation_rules
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=[Member, Contact, Cohort, Partner, StepProgress],
        extensions=[
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
            lambda: AddValidationRules(depth_rules),
            HideUnexpectedErrors,
        ],
    )


schema = build_schema()
