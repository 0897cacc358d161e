"""Schema extensions that stand between a request and its resolvers: the cost budget, what
anonymous callers may learn, and the masking of unexpected errors.

An exception escaping an extension's hook would reach the client with its text (strawberry
turns it into an error message after the error masking has run), so every hook here catches
what it did not expect and answers with the same masked error as a failing resolver.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

from graphql import ExecutionResult, GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaskErrors, SchemaExtension

from network.api.core.budget import Budget, uncounted
from network.api.core.context import Context
from network.api.core.cost import MINIMUM_COST, estimate
from network.auth.throttle import client_of
from network.kit.pagination import MAX_PAGE_SIZE

logger = logging.getLogger("network.api")

SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")
"""graphql-core's hint naming the schema's fields, types and values that resemble a typo."""


def new_error_id() -> str:
    """A short random id that a masked error and its log line share."""
    return uuid.uuid4().hex[:16]


def internal_error(error: GraphQLError | None, error_id: str, request_id: str) -> GraphQLError:
    """The error a client sees instead of an unexpected one: no text of the original."""
    return GraphQLError(
        message=f"Internal error; it has been logged as {error_id}.",
        nodes=error.nodes if error else None,
        source=error.source if error else None,
        positions=error.positions if error else None,
        path=error.path if error else None,
        extensions={"code": "INTERNAL", "errorId": error_id, "requestId": request_id},
    )


def _request_id(context: object) -> str:
    return context.request_id if isinstance(context, Context) else ""


def is_unexpected(error: GraphQLError) -> bool:
    """Errors we raised on purpose are GraphQL errors; anything else is a bug to hide."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class HideUnexpectedErrors(MaskErrors):
    """Replace unexpected errors with a generic message and an error id; the log line carries
    the same id, the request id and the traceback."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = _request_id(self.execution_context.context)
        error_id = new_error_id()
        logger.error(
            "unexpected error %s in %s (request %s)",
            error_id,
            error.path,
            request_id,
            exc_info=error.original_error,
        )
        return internal_error(error, error_id, request_id)


def _failed(context: object, where: str) -> ExecutionResult:
    """Log the exception being handled and answer with a masked error (no data)."""
    request_id, error_id = _request_id(context), new_error_id()
    logger.exception("unexpected error %s in %s (request %s)", error_id, where, request_id)
    return ExecutionResult(data=None, errors=[internal_error(None, error_id, request_id)])


class AnonymousCallers(SchemaExtension):
    """Without a valid token, no introspection and no "Did you mean" hints: an anonymous
    caller learns the schema from nobody but its documentation."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        anonymous = isinstance(context.context, Context) and context.context.is_anonymous
        if anonymous:
            context.validation_rules = (*context.validation_rules, NoSchemaIntrospectionCustomRule)
        yield
        # Validation hides hints itself (caches.py); values of variables are checked while
        # executing, where strawberry offers no switch.
        result = context.result
        if anonymous and result is not None and result.errors:
            result.errors = [_without_suggestions(error) for error in result.errors]


class ErrorCodes(SchemaExtension):
    """Every error a client sees carries `extensions.code`: graphql-core's own errors about
    the document (validation, the values of variables) get one here, so clients and the
    access log's error counts can tell them apart without reading messages. (Syntax errors
    get theirs where they are raised, in caches.py: they end the operation early.)"""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in (result.errors or []) if result is not None else []:
            if (error.extensions or {}).get("code") is None:
                error.extensions = {**(error.extensions or {}), "code": INVALID}


INVALID = "GRAPHQL_VALIDATION_FAILED"


def _without_suggestions(error: GraphQLError) -> GraphQLError:
    message = SUGGESTION.sub("", error.message)
    if message == error.message:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )


class CostLimit(SchemaExtension):
    """Estimate the request's cost from its document, refuse it above the per-request maximum
    or the caller's remaining hourly budget, charge it, and report it in `extensions.cost`."""

    maximum = 0

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        try:
            if isinstance(context, Context):
                refusal = await self._check(context)
                if refusal is not None:
                    execution.result = ExecutionResult(data=None, errors=[refusal])
        except Exception:  # answered masked, like a failing resolver
            execution.result = _failed(context, "the cost check")
        yield

    async def _check(self, context: Context) -> GraphQLError | None:
        execution = self.execution_context
        assert execution.graphql_document is not None  # execution follows validation
        cost = estimate(
            execution.schema._schema,
            execution.graphql_document,
            execution.operation_name,
            execution.variables,
            MAX_PAGE_SIZE,  # what the resolvers enforce (network.kit.pagination)
        )
        limit, maximum = self._limits(context)
        if cost > maximum:
            # Refused documents are charged the least a request costs: a flood of them still
            # spends the budget.
            budget = replace(await self._charge(context, MINIMUM_COST), cost=cost, allowed=False)
            context.budget = budget
            return GraphQLError(
                f"This request would cost {cost}, more than the {maximum} one request may "
                "cost: ask for smaller pages (first) or fewer nested lists.",
                extensions={"code": "COST_LIMIT_EXCEEDED", "cost": cost, "maximum": maximum},
            )
        budget = await self._charge(context, cost)
        context.budget = budget
        if budget.allowed:
            return None
        reset_at = budget.reset_at.isoformat(timespec="seconds")
        return GraphQLError(
            f"This request would cost {cost}, and {budget.remaining} of the {limit} allowed "
            f"per hour are left; the budget is whole again at {reset_at}.",
            extensions={
                "code": "RATE_LIMITED",
                "cost": cost,
                "remaining": budget.remaining,
                "resetAt": reset_at,
            },
        )

    def _limits(self, context: Context) -> tuple[int, int]:
        """The caller's hourly budget, and the most one request may cost (never more than the
        whole budget, which such a request could never get)."""
        settings = context.settings
        limit = (
            settings.graphql_anonymous_cost_budget_per_hour
            if context.is_anonymous
            else settings.graphql_cost_budget_per_hour
        )
        self.maximum = min(settings.graphql_max_cost, limit)
        return limit, self.maximum

    async def _charge(self, context: Context, cost: int) -> Budget:
        limit, _ = self._limits(context)
        if context.budgets is None:
            return uncounted(cost, limit)
        if context.is_anonymous:
            # Counted as the sign-in limits count a client (an IPv6 /64, which one subscriber
            # holds whole): per address, a /64 would be 2^64 budgets.
            client = client_of(context.client_address)
            return await context.budgets.charge("client", client, cost, limit)
        return await context.budgets.charge("user", str(context.principal.user_id), cost, limit)

    async def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        if not isinstance(context, Context):
            return {}
        try:
            if context.budget is None:
                # The document did not parse or validate: it is charged the least a request
                # costs, so floods of broken documents spend the budget too.
                context.budget = await self._charge(context, MINIMUM_COST)
        except Exception:  # the response must not fail for its extensions
            _failed(context, "the cost budget of a refused document")
            return {}
        return {"cost": context.budget.as_extension(self.maximum)}
