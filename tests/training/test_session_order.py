"""Listing sessions latest first (past sessions in the portal): the keyset pages both ways."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import SYSTEM
from network.db import utcnow
from network.training import sessions as training_sessions
from tests.support.training import TrainingFactory


async def _all_pages(
    session: AsyncSession, query: training_sessions.SessionQuery, size: int
) -> list[list[object]]:
    pages: list[list[object]] = []
    after = None
    while True:
        page = await training_sessions.list_sessions(
            session, SYSTEM, query, first=size, after=after
        )
        pages.append([row.id for row in page.rows])
        if not page.has_next_page:
            return pages
        after = page.end_cursor


async def test_newest_first_pages_sessions_from_the_latest_start(
    session: AsyncSession, train: TrainingFactory
) -> None:
    course = await train.course()
    start = (utcnow() + timedelta(days=40)).replace(microsecond=0)
    made = [
        await train.session_of(course, starts_at=start + timedelta(days=days))
        for days in (3, 0, 7, 5)
    ]
    twin = await train.session_of(course, starts_at=start + timedelta(days=5))  # same start
    by_start = sorted([*made, twin], key=lambda s: (s.starts_at, s.id))

    latest = training_sessions.SessionQuery(course_id=course.id, newest_first=True)
    pages = await _all_pages(session, latest, size=2)

    # Latest start first; sessions starting together keep the id order, and no page repeats
    # or skips a session.
    expected = sorted(by_start, key=lambda s: (-s.starts_at.timestamp(), s.id))
    assert [i for page in pages for i in page] == [s.id for s in expected]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert expected[0].starts_at == start + timedelta(days=7)
    assert expected[-1].starts_at == start

    soonest = training_sessions.SessionQuery(course_id=course.id)
    pages = await _all_pages(session, soonest, size=2)
    assert [i for page in pages for i in page] == [s.id for s in by_start]


async def test_newest_first_keeps_the_other_filters(
    session: AsyncSession, train: TrainingFactory
) -> None:
    course = await train.course()
    start = (utcnow() + timedelta(days=40)).replace(microsecond=0)
    early, middle, late = [
        await train.session_of(course, starts_at=start + timedelta(days=days)) for days in (1, 2, 3)
    ]
    query = training_sessions.SessionQuery(
        course_id=course.id, starts_before=late.starts_at, newest_first=True
    )
    page = await training_sessions.list_sessions(session, SYSTEM, query, first=10, after=None)
    assert [row.id for row in page.rows] == [middle.id, early.id]
    assert page.has_next_page is False
