"""One lock order for issuing, reissuing, revoking and correcting attendance (training sessions,
the year's counter, bookings, certificates): each pair, forced to overlap, runs one after the
other without a deadlock, and the second sees what the first committed."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from network.auth.principal import SYSTEM
from network.certificates import issuing, revocation
from network.certificates import service as certificates
from network.certificates.enums import CertificateStatus
from network.certificates.models import Certificate
from network.db import unit_of_work
from network.kit.errors import DomainError
from network.messaging.models import OutboxMessage
from network.usecases import attendance
from tests.certificates.test_concurrent_sweeps import PEOPLE, _seed
from tests.support.database import lock_waiters
from tests.support.messaging import wait_for
from tests.support.training import CommittedDatabase


class Paused:
    """A slow step (rendering PDFs, off the event loop) that waits, with its transaction's locks
    held, until the test lets it go on."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.reached = threading.Event()
        self.go_on = threading.Event()

    def __call__(self, *args: Any) -> Any:
        self.reached.set()
        if not self.go_on.wait(60):
            raise AssertionError("the test never let the paused step go on")
        return self.real(*args)

    async def wait_reached(self) -> None:
        if not await asyncio.to_thread(self.reached.wait, 60):
            raise AssertionError("the paused step was never reached")


async def _blocked(db: CommittedDatabase, task: asyncio.Task[Any]) -> None:
    """Wait until `task` waits for a lock (or has finished, which the test then shows wrong)."""

    async def waiting() -> bool:
        return task.done() or await lock_waiters(db.engine) > 0

    await wait_for(waiting, within=30, what="the second transaction to wait for a lock")


async def _statuses(db: CommittedDatabase, booking_id: uuid.UUID) -> list[CertificateStatus]:
    async with db.sessions() as session:
        found = await session.scalars(
            select(Certificate.status)
            .where(Certificate.booking_id == booking_id)
            .order_by(Certificate.number)
        )
        return list(found.all())


async def test_a_no_show_during_the_sweep_waits_for_it_then_revokes(
    committed_db: CommittedDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking_ids, ends_at = await _seed(committed_db)
    after = ends_at + timedelta(minutes=1)
    wrong = booking_ids[3]
    rendering = Paused(issuing._render_all)
    monkeypatch.setattr(issuing, "_render_all", rendering)

    async def sweep() -> int:
        async with unit_of_work(committed_db.sessions) as session:
            return len(await certificates.issue_due_certificates(session, now=after, limit=100))

    async def correct() -> None:
        async with unit_of_work(committed_db.sessions) as session:
            await attendance.mark_attendance(
                session, SYSTEM, booking_ids=[wrong], attended=False, now=after
            )

    swept = asyncio.create_task(sweep())
    await rendering.wait_reached()  # the sweep holds the session, the counter, the bookings
    corrected = asyncio.create_task(correct())
    await _blocked(committed_db, corrected)
    assert not corrected.done()  # it waits for the sweep, on the session
    rendering.go_on.set()

    assert await swept == PEOPLE
    await corrected  # no deadlock: it went on once the sweep committed
    assert await _statuses(committed_db, wrong) == [CertificateStatus.REVOKED]
    for other in (i for i in booking_ids if i != wrong):
        assert await _statuses(committed_db, other) == [CertificateStatus.VALID]


async def test_a_no_show_during_a_reissue_revokes_the_new_certificate(
    committed_db: CommittedDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking_ids, ends_at = await _seed(committed_db)
    after = ends_at + timedelta(minutes=1)
    booking_id = booking_ids[0]
    async with unit_of_work(committed_db.sessions) as session:
        await certificates.issue_due_certificates(session, now=after, limit=100)
    async with committed_db.sessions() as session:
        old_id = (
            await session.scalars(
                select(Certificate.id).where(Certificate.booking_id == booking_id)
            )
        ).one()
    rendering = Paused(revocation.render_pdf)
    monkeypatch.setattr(revocation, "render_pdf", rendering)

    async def reissue() -> uuid.UUID:
        async with unit_of_work(committed_db.sessions) as session:
            new = await certificates.reissue_certificate(
                session, SYSTEM, certificate_id=old_id, holder_name="Person Zero", now=after
            )
            return new.id

    async def correct() -> None:
        async with unit_of_work(committed_db.sessions) as session:
            await attendance.mark_attendance(
                session, SYSTEM, booking_ids=[booking_id], attended=False, now=after
            )

    reissued = asyncio.create_task(reissue())
    await rendering.wait_reached()  # the reissue holds the session, booking, certificate, counter
    corrected = asyncio.create_task(correct())
    await _blocked(committed_db, corrected)
    assert not corrected.done()
    rendering.go_on.set()

    new_id = await reissued
    await corrected
    async with committed_db.sessions() as session:
        rows = dict(
            (
                await session.execute(
                    select(Certificate.id, Certificate.status).where(
                        Certificate.booking_id == booking_id
                    )
                )
            ).all()
        )
        told = (
            await session.scalars(
                select(OutboxMessage.dedup_key).where(
                    OutboxMessage.template == "certificate_revoked"
                )
            )
        ).all()
    # The correction read the certificates after the reissue committed: the new one is revoked.
    assert rows == {old_id: CertificateStatus.SUPERSEDED, new_id: CertificateStatus.REVOKED}
    assert told == [f"certificate-revoked:{new_id}"]


async def test_a_reissue_during_a_no_show_waits_then_is_refused(
    committed_db: CommittedDatabase,
) -> None:
    booking_ids, ends_at = await _seed(committed_db)
    after = ends_at + timedelta(minutes=1)
    booking_id = booking_ids[0]
    async with unit_of_work(committed_db.sessions) as session:
        await certificates.issue_due_certificates(session, now=after, limit=100)
    async with committed_db.sessions() as session:
        old_id = (
            await session.scalars(
                select(Certificate.id).where(Certificate.booking_id == booking_id)
            )
        ).one()

    async def reissue() -> None:
        async with unit_of_work(committed_db.sessions) as session:
            await certificates.reissue_certificate(session, SYSTEM, certificate_id=old_id)

    async with committed_db.sessions() as correcting:
        await attendance.mark_attendance(
            correcting, SYSTEM, booking_ids=[booking_id], attended=False, now=after
        )
        reissued = asyncio.create_task(reissue())
        await _blocked(committed_db, reissued)
        assert not reissued.done()  # it waits for the correction, on the session
        await correcting.commit()

    with pytest.raises(DomainError) as refused:
        await reissued
    assert [(e.field, e.code) for e in refused.value.errors] == [("certificateId", "NOT_ATTENDED")]
    assert await _statuses(committed_db, booking_id) == [CertificateStatus.REVOKED]
