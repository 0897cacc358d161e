"""Jobs a transaction owes: recorded in the session while it runs, enqueued after it commits.

A domain operation that owes work to a worker (deliver these emails, issue these
certificates) says so with `owe(session, Job.X, ids)`. Nothing is enqueued then: the unit of
work (`network.db.unit_of_work`) commits, and only after the commit hands what is owed to the
job queue (`network.jobs.JobQueue.flush`). A rollback forgets it, so a job never points at a row
that does not exist. The names live here, below the domain, so the domain, the queue facade
(network/jobs.py) and the worker (workers/main.py) all spell them the same way.

A few jobs are owed for an email address rather than for rows (`owe_ask`): someone asked for
a sign-in link or a password reset, and the job, not the request, looks the address up, so the
answer takes the same time whether or not the address has an account.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

OWED = "network.owed_jobs"  # key in session.info
ASKS = "network.owed_asks"  # key in session.info: jobs owed for an email address (owe_ask)
KINDS = (OWED, ASKS)
MARKS = "network.owed_jobs.savepoints"  # what was owed when each open savepoint began


class Job(StrEnum):
    """The name arq knows each job by."""

    PING = "ping"
    DELIVER_OUTBOX = "deliver_outbox"
    ISSUE_CERTIFICATES = "issue_certificates"
    ISSUE_DUE_CERTIFICATES = "issue_due_certificates"
    SWEEP_OUTBOX = "sweep_outbox"
    SEND_TRAINING_REMINDERS = "send_training_reminders"
    SEND_MEETING_REMINDERS = "send_meeting_reminders"
    SEND_LOGIN_LINK = "send_login_link"
    SEND_PASSWORD_RESET = "send_password_reset"
    APPLY_RETENTION = "apply_retention"
    BUILD_PERSONAL_DATA_EXPORT = "build_personal_data_export"
    SWEEP_PERSONAL_DATA_EXPORTS = "sweep_personal_data_exports"


def owe(session: AsyncSession | Session, job: Job, ids: Iterable[uuid.UUID]) -> None:
    """Record that, once this transaction commits, `job` must run for these ids."""
    owed: dict[Job, list[uuid.UUID]] = session.info.setdefault(OWED, {})
    owed.setdefault(job, []).extend(ids)


def take_owed(session: AsyncSession | Session, job: Job) -> list[uuid.UUID]:
    """The ids owed to `job` by the committed transaction, each once; forgotten after."""
    owed: dict[Job, list[uuid.UUID]] = session.info.get(OWED, {})
    return list(dict.fromkeys(owed.pop(job, [])))


def take_all_owed(session: AsyncSession | Session) -> dict[Job, list[uuid.UUID]]:
    """Everything the committed transaction owes, by job; forgotten after."""
    owed: dict[Job, list[uuid.UUID]] = session.info.pop(OWED, {})
    return {job: list(dict.fromkeys(ids)) for job, ids in owed.items() if ids}


@dataclass(frozen=True, slots=True)
class Ask:
    """An email address someone asked us to write to; `id` makes the job's work happen once
    however often arq runs it (it becomes the id of the row the job creates)."""

    id: uuid.UUID
    address: str


def owe_ask(session: AsyncSession | Session, job: Job, address: str) -> Ask:
    """Record that, once this transaction commits, `job` must run for this address (looked up
    by the job, not by the request); the ask, with the id the job will use."""
    ask = Ask(uuid.uuid4(), address)
    asks: dict[Job, list[Ask]] = session.info.setdefault(ASKS, {})
    asks.setdefault(job, []).append(ask)
    return ask


def take_all_asks(session: AsyncSession | Session) -> dict[Job, list[Ask]]:
    """Everything the committed transaction owes for addresses, by job; forgotten after."""
    asks: dict[Job, list[Ask]] = session.info.pop(ASKS, {})
    return {job: list(values) for job, values in asks.items() if values}


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    # A savepoint remembers how much was owed when it began, to trim back on its rollback.
    if transaction.nested:
        marks = session.info.setdefault(MARKS, {})
        marks[id(transaction)] = {
            (kind, job): len(values)
            for kind in KINDS
            for job, values in session.info.get(kind, {}).items()
        }


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction: nothing is owed
        for kind in KINDS:
            session.info.pop(kind, None)
        session.info.pop(MARKS, None)
        return
    mark = session.info.get(MARKS, {}).pop(id(previous_transaction), None)
    if previous_transaction.nested and mark is not None:
        # A savepoint rolled back: what was owed inside it is forgotten, the rest is kept.
        for kind in KINDS:
            owed: dict[Job, list[object]] = session.info.get(kind, {})
            for job in list(owed):
                del owed[job][mark.get((kind, job), 0) :]


@event.listens_for(Session, "after_transaction_end")
def _drop_marks(session: Session, transaction: SessionTransaction) -> None:
    # (This runs before after_soft_rollback, so a savepoint's own mark is dropped there.)
    if transaction.parent is None:
        session.info.pop(MARKS, None)
