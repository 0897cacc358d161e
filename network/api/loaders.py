"""Per-request DataLoaders: every nested list costs one query per level, not one per row.

Each loader calls a service function with the request's principal, so batching never
widens what the caller may see.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final, Literal, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from network.auth.principal import Principal
from network.contacts import service as contacts
from network.kit.pagination import plain_values
from network.members import service as members
from network.partners import service as partners
from network.programme import service as programme

K = TypeVar("K")
T = TypeVar("T")
ContactsPage = tuple[list[Any], int]


class _Missing(enum.Enum):
    """The marker `loaded` returns for a key whose value is not at hand yet."""

    NOT_LOADED = "NOT_LOADED"


NOT_LOADED: Final = _Missing.NOT_LOADED


def loaded(loader: DataLoader[K, T], key: K) -> T | Literal[_Missing.NOT_LOADED]:
    """The value `loader` already holds for `key`, without awaiting; else NOT_LOADED.

    A resolver that finds its value here can answer synchronously, which spares the
    executor a task per field; one that does not awaits `loader.load(key)` as usual
    (which also re-raises a failed load).
    """
    future = loader.cache_map.get(key) if loader.cache else None
    if future is None or not future.done() or future.cancelled() or future.exception():
        return NOT_LOADED
    return future.result()


def _by_id(
    fetch: Callable[[Sequence[uuid.UUID]], Awaitable[Mapping[uuid.UUID, T]]], default: Any = None
) -> DataLoader[uuid.UUID, Any]:
    async def load(keys: list[uuid.UUID]) -> list[Any]:
        found = plain_values(await fetch(keys))
        return [found.get(key, default) for key in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """The loaders of one request."""

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self.partner = _by_id(lambda ids: partners.get_partners(session, principal, ids))
        self.member = _by_id(lambda ids: members.get_members(session, principal, ids))
        self.contact = _by_id(lambda ids: contacts.get_contacts(session, principal, ids))
        self.cohort = _by_id(lambda ids: programme.get_cohorts(session, principal, ids))
        self.member_cohorts = _by_id(
            lambda ids: programme.cohorts_of_members(session, principal, ids), default=[]
        )
        self.cohort_member_ids = _by_id(
            lambda ids: programme.member_ids_of_cohorts(session, principal, ids), default=[]
        )
        self.cohort_progress = _by_id(
            lambda ids: programme.progress_of_cohorts(session, principal, ids), default=[]
        )
        self.cohort_member_count = _by_id(
            lambda ids: programme.count_members(session, principal, ids), default=0
        )
        self._member_contacts: dict[tuple[int, bool], DataLoader[uuid.UUID, ContactsPage]] = {}

    def member_contacts(
        self, first: int, include_archived: bool
    ) -> DataLoader[uuid.UUID, ContactsPage]:
        """Loader of (first `first` + 1 contacts, total) per member, one per argument set."""
        key = (first, include_archived)
        if key not in self._member_contacts:

            async def load(ids: list[uuid.UUID]) -> list[ContactsPage]:
                rows, counts = await contacts.contacts_of_members(
                    self.session,
                    self.principal,
                    ids,
                    first=first,
                    include_archived=include_archived,
                )
                plain = plain_values(rows)
                return [(plain.get(i, []), counts.get(i, 0)) for i in ids]

            self._member_contacts[key] = DataLoader(load_fn=load)
        return self._member_contacts[key]
