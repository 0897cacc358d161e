"""How every mutation runs: one `input` argument, one transaction, a payload with `userErrors`.

A payload with user errors changed nothing: the mutation's transaction is rolled back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.utils.str_converters import to_camel_case

from network.api.core.context import AnyInfo
from network.auth.principal import Principal
from network.db import unit_of_work
from network.kit.errors import DomainError, duplicate_error
from network.kit.sentinel import UNSET

T = TypeVar("T")


@strawberry.type(description="A problem with one input field; nothing was changed.")
class UserError:
    field: str = strawberry.field(description="The input field, in camelCase as sent.")
    code: str
    message: str


def unstorable_text(value: Any, path: str = "") -> list[UserError]:
    """A user error for each string in an input that PostgreSQL cannot store (a NUL character)."""
    if isinstance(value, str):
        if "\x00" not in value:
            return []
        return [
            UserError(
                field=path,
                code="INVALID_CHARACTER",
                message="Text must not contain NUL (U+0000) characters.",
            )
        ]
    if isinstance(value, list | tuple):
        return [e for i, item in enumerate(value) for e in unstorable_text(item, f"{path}[{i}]")]
    definition = getattr(value, "__strawberry_definition__", None)
    if definition is None:
        return []
    errors: list[UserError] = []
    for field in definition.fields:
        name = field.graphql_name or to_camel_case(field.python_name)
        inner = getattr(value, field.python_name, None)
        errors.extend(unstorable_text(inner, f"{path}.{name}" if path else name))
    return errors


async def run_mutation(
    info: AnyInfo,
    action: Callable[[AsyncSession, Principal], Awaitable[T]],
    input: object = None,
) -> tuple[T | None, list[UserError]]:
    """Run one service operation as one transaction; domain errors become userErrors.

    `input`, when given, is first checked for text the database cannot store.
    """
    context = info.context
    principal = context.require_principal()
    session = context.session
    if problems := unstorable_text(input):
        return None, problems
    try:
        try:
            async with unit_of_work(session, after_commit=context.flush_jobs):
                result = await action(session, principal)
                context.reset_loaders()
        except IntegrityError as error:
            # A unique key another request claimed between our check and our write (at a
            # flush inside the action or at the commit itself); rolled back by then.
            cause = getattr(error.orig, "__cause__", None)
            duplicate = duplicate_error(getattr(cause, "constraint_name", None))
            if duplicate is None:
                raise
            raise duplicate from error
    except DomainError as error:
        return None, [
            UserError(field=e.field, code=e.code, message=e.message) for e in error.errors
        ]
    # The payload's fields are resolved by DataLoaders running concurrently; after the commit
    # the session holds no connection, and two of them must not provision one at once.
    await session.connection()
    return result, []


def given(value: Any) -> Any:
    """Map strawberry's UNSET (field omitted) to the services' UNSET."""
    return UNSET if value is strawberry.UNSET else value
