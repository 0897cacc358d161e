"""The Strawberry schema: query and mutation roots, security and speed extensions."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from network.api.audit import AuditQuery
from network.api.certificates import CertificatesMutation, CertificatesQuery
from network.api.initiatives import InitiativesMutation, InitiativesQuery
from network.api.meetings import MeetingsMutation, MeetingsQuery
from network.api.messaging import MessagingMutation, MessagingQuery
from network.api.mutations import CrmMutation
from network.api.queries import CrmQuery
from network.api.training import TrainingMutation, TrainingQuery
from network.api.types import Cohort, Contact, Member, Partner, StepProgress

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


# Each part of the domain contributes a query and a mutation class; the roots inherit them all.
@strawberry.type
class Query(
    CrmQuery,
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
    CrmMutation,
    MeetingsMutation,
    InitiativesMutation,
    TrainingMutation,
    MessagingMutation,
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
