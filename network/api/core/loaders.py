"""The DataLoader registry of one request: every nested list costs one query per level.

Each loader calls a domain function with the request's principal, so batching never widens
what the caller may see. The registry is made per request (see `Context.loaders`) and made
again after a mutation commits, so nothing cached before the change is served after it.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Any, Final, Literal, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from network.auth.principal import Principal
from network.consent import service as consent
from network.contacts import service as contacts
from network.kit.pagination import plain_values
from network.meetings import repository as meetings
from network.members import service as members
from network.partners import service as partners
from network.programme import service as programme
from network.training import service as training
from network.training.enums import BookingStatus

K = TypeVar("K")
T = TypeVar("T")
RowsPage = tuple[list[Any], int]
"""The first rows of a nested connection (one more than asked for, to tell a next page) and
the total count, for one parent."""
PageFetch = Callable[
    [list[uuid.UUID]], Awaitable[tuple[Mapping[uuid.UUID, list[Any]], Mapping[uuid.UUID, int]]]
]


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


def by_id(
    fetch: Callable[[Sequence[uuid.UUID]], Awaitable[Mapping[uuid.UUID, Any]]],
    default: Any = None,
    *,
    plain: bool = True,
) -> DataLoader[uuid.UUID, Any]:
    """A loader of one value per id from a batch function returning a mapping by id."""

    async def load(keys: list[uuid.UUID]) -> list[Any]:
        found = await fetch(keys)
        if plain:
            found = plain_values(found)
        return [found.get(key, default) for key in keys]

    return DataLoader(load_fn=load)


def pages_by_id(fetch: PageFetch, *, plain: bool = True) -> DataLoader[uuid.UUID, RowsPage]:
    """A loader of each parent's first rows and total, from one batch for all parents."""

    async def load(keys: list[uuid.UUID]) -> list[RowsPage]:
        found, counts = await fetch(keys)
        rows = plain_values(found) if plain else found
        return [(rows.get(key, []), counts.get(key, 0)) for key in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """The loaders of one request, one typed attribute each (nested pages: one per argument set)."""

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self._pages: dict[tuple[Hashable, ...], DataLoader[uuid.UUID, RowsPage]] = {}
        # Partners, members, contacts and the programme.
        self.partner = by_id(lambda ids: partners.get_partners(session, principal, ids))
        self.member = by_id(lambda ids: members.get_members(session, principal, ids))
        self.contact = by_id(lambda ids: contacts.get_contacts(session, principal, ids))
        self.contact_consents = by_id(
            lambda ids: consent.consents_of_contacts(session, principal, ids), default=[]
        )
        self.cohort = by_id(lambda ids: programme.get_cohorts(session, principal, ids))
        self.member_cohorts = by_id(
            lambda ids: programme.cohorts_of_members(session, principal, ids), default=[]
        )
        self.cohort_member_ids = by_id(
            lambda ids: programme.member_ids_of_cohorts(session, principal, ids), default=[]
        )
        self.cohort_progress = by_id(
            lambda ids: programme.progress_of_cohorts(session, principal, ids), default=[]
        )
        self.cohort_member_count = by_id(
            lambda ids: programme.count_members(session, principal, ids), default=0
        )
        # Training.
        self.course = by_id(lambda ids: training.get_courses(session, principal, ids))
        self.training_session = by_id(lambda ids: training.get_sessions(session, principal, ids))
        self.booking = by_id(lambda ids: training.get_bookings(session, principal, ids))
        self.seat_counts = by_id(
            lambda ids: training.seat_counts(session, ids), default=training.SeatCounts()
        )
        # Evaluation summaries (None: the caller may see none).
        self.session_evaluations = by_id(
            lambda ids: training.evaluation_summaries(session, principal, session_ids=ids),
            plain=False,
        )
        self.course_evaluations = by_id(
            lambda ids: training.evaluation_summaries(session, principal, course_ids=ids),
            plain=False,
        )
        # Network meetings (their rows are used as the repository returns them).
        self.meeting = by_id(
            lambda ids: meetings.get_meetings(session, principal, ids), plain=False
        )
        self.invitation = by_id(
            lambda ids: meetings.get_invitations(session, principal, ids), plain=False
        )
        self.response_counts = by_id(
            lambda ids: meetings.response_counts(session, principal, ids), default={}, plain=False
        )
        self.reminder_counts = by_id(
            lambda ids: meetings.reminder_counts(session, principal, ids), default=[], plain=False
        )
        self.invitation_reminders = by_id(
            lambda ids: meetings.reminders_of_invitations(session, principal, ids),
            default=[],
            plain=False,
        )

    def _page(
        self, key: tuple[Hashable, ...], fetch: PageFetch, plain: bool = True
    ) -> DataLoader[uuid.UUID, RowsPage]:
        if key not in self._pages:
            self._pages[key] = pages_by_id(fetch, plain=plain)
        return self._pages[key]

    def member_contacts(
        self, first: int, include_archived: bool
    ) -> DataLoader[uuid.UUID, RowsPage]:
        """Loader of (first `first` + 1 contacts, total) per member."""
        return self._page(
            ("member_contacts", first, include_archived),
            lambda ids: contacts.contacts_of_members(
                self.session, self.principal, ids, first=first, include_archived=include_archived
            ),
        )

    def session_bookings(
        self, first: int, status: BookingStatus | None
    ) -> DataLoader[uuid.UUID, RowsPage]:
        """Loader of (first `first` + 1 bookings, total) per training session."""
        return self._page(
            ("session_bookings", first, status),
            lambda ids: training.bookings_of_sessions(
                self.session, self.principal, ids, first=first, status=status
            ),
        )

    def meeting_invitations(self, first: int, response: Any) -> DataLoader[uuid.UUID, RowsPage]:
        """Loader of (first `first` + 1 invitations, total) per meeting; `response` may be UNSET."""
        return self._page(
            ("meeting_invitations", first, response),
            lambda ids: meetings.invitations_of_meetings(
                self.session, self.principal, ids, first=first, response=response
            ),
            plain=False,
        )
