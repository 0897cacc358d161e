"""A person's data, on request: asking for an export, building its ZIP, downloading it.

`request_export` (staff; a partner for the contacts it may see; a member contact for itself)
writes a PENDING export and owes the job that builds it (`build_export`, idempotent); asking
again while the same user's export of the contact is PENDING, or READY and asked for within
REUSE_WITHIN, returns that export. Both lock the contact's row, as erasure does, so an export
is never made or built for a person being erased (erasure deletes their exports). The
ZIP is kept for EXPORT_LIFETIME; its download link is signed for the user who asked and
carries the export's expiry, so it works for nobody else and for no longer. Asking and each
download are in the audit trail.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from network.audit import service as audit
from network.auth.principal import Principal, PrincipalKind
from network.auth.scope import contact_condition
from network.config import get_settings
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.errors import DomainError, NotFound
from network.kit.loading import load_visible
from network.kit.owed import Job, owe
from network.kit.signing import sign, unsign
from network.privacy.archive import build_zip
from network.privacy.gathering import gather
from network.privacy.models import ExportStatus, PersonalDataExport

logger = logging.getLogger("network.privacy")

EXPORT_LIFETIME = timedelta(days=7)
# Asking again within this time of a READY (unexpired) export returns it rather than another.
REUSE_WITHIN = timedelta(hours=24)
# A PENDING export this old has lost its job (Redis lost it, the API died after the commit):
# the worker's sweep enqueues it again.
SWEEP_AFTER = timedelta(minutes=1)
SWEEP_LIMIT = 100
SIGNING_PURPOSE = "personal-data-export"
REQUESTERS = (PrincipalKind.STAFF, PrincipalKind.PARTNER, PrincipalKind.MEMBER)
# Every column but the ZIP itself.
LISTED = [c for c in PersonalDataExport.__table__.c if c.key != "content"]


# -- asking --------------------------------------------------------------------------------------


async def request_export(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID | None
) -> PersonalDataExport:
    """Ask for everything held about a contact, as a ZIP built by a job.

    Staff may ask for anyone, a partner for the contacts it may see, a member contact for
    itself; any other contact reads as not found (`contactId`), and an erased one has nothing
    left to export (`ERASED`). Under the contact's row lock (taken by erasure too, so the two
    run one after the other), the same user's export of the same contact that is still
    PENDING, or READY, unexpired and asked for within REUSE_WITHIN, is returned instead of a
    new one: asking again and again makes no more ZIPs.
    """
    if principal.kind not in REQUESTERS or principal.user_id is None:
        raise NotFound("contactId", "contact")
    contact = await load_visible(
        session,
        Contact,
        contact_id,
        contact_condition(principal),
        field="contactId",
        what="contact",
    )
    if contact.erased_at is not None:
        raise DomainError.one(
            "contactId", "ERASED", "This person's data was erased: there is nothing to export."
        )
    now = utcnow()
    existing = await session.scalar(
        select(PersonalDataExport)
        .where(
            PersonalDataExport.contact_id == contact.id,
            PersonalDataExport.requested_by_user_id == principal.user_id,
            or_(
                PersonalDataExport.status == ExportStatus.PENDING,
                and_(
                    PersonalDataExport.status == ExportStatus.READY,
                    PersonalDataExport.requested_at > now - REUSE_WITHIN,
                    PersonalDataExport.expires_at > now,
                ),
            ),
        )
        .order_by(PersonalDataExport.requested_at.desc(), PersonalDataExport.id)
        .limit(1)
    )
    if existing is not None:
        return existing
    export = PersonalDataExport(
        id=uuid.uuid4(),
        contact_id=contact.id,
        requested_by_user_id=principal.user_id,
        status=ExportStatus.PENDING,
        requested_at=now,
    )
    session.add(export)
    await session.flush()
    audit.record(
        session,
        principal,
        "personal_data.export_requested",
        "PersonalDataExport",
        export.id,
        {"contact_id": contact.id},
    )
    owe(session, Job.BUILD_PERSONAL_DATA_EXPORT, [export.id])
    return export


# -- building ------------------------------------------------------------------------------------


async def build_export(
    session: AsyncSession, export_id: uuid.UUID, *, now: datetime | None = None
) -> PersonalDataExport | None:
    """Build a PENDING export's ZIP (as the system, in the caller's transaction): READY with
    its content, size, SHA-256 and expiry, or FAILED with a reason naming nobody. An export
    that is not PENDING (or is being built by another worker) is left alone; None when there
    is no such export (or its person was erased meanwhile: erasure deletes their exports).

    The contact's row is locked FOR SHARE before the export's (erasure locks the contact FOR
    UPDATE, then deletes the exports: the same order, so the two wait for each other and
    never deadlock), and held while gathering, so an erasure cannot run in between.
    """
    contact_id = await session.scalar(
        select(PersonalDataExport.contact_id).where(PersonalDataExport.id == export_id)
    )
    if contact_id is None:
        return None
    erased = await session.scalar(
        select(Contact.erased_at).where(Contact.id == contact_id).with_for_update(read=True)
    )
    export = (
        await session.scalars(
            select(PersonalDataExport)
            .where(PersonalDataExport.id == export_id)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    if export is None or export.status is not ExportStatus.PENDING:
        return export
    try:
        if erased is not None:
            return _failed(export, "the person's data was erased before the export was built")
        async with session.begin_nested():  # a failed read leaves the export to be marked
            gathered = await gather(session, export.contact_id)
        if gathered is None:
            return _failed(export, "the person's data was erased before the export was built")
        made = now or utcnow()
        content = await asyncio.to_thread(build_zip, gathered, made)
    except Exception as exc:  # the reason is the error's type only: its text may name someone
        logger.exception("personal-data export %s failed", export.id)
        return _failed(export, f"the export could not be built ({type(exc).__name__})")
    export.content = content
    export.size_bytes = len(content)
    export.sha256 = hashlib.sha256(content).hexdigest()
    export.ready_at = made
    export.expires_at = made + EXPORT_LIFETIME
    export.status = ExportStatus.READY
    export.error = None
    await session.flush()
    return export


def _failed(export: PersonalDataExport, reason: str) -> PersonalDataExport:
    export.status = ExportStatus.FAILED
    export.error = reason
    return export


async def lost_exports(session: AsyncSession, *, now: datetime | None = None) -> list[uuid.UUID]:
    """PENDING exports asked for over SWEEP_AFTER ago (their job was lost): build them again."""
    cutoff = (now or utcnow()) - SWEEP_AFTER
    rows = await session.scalars(
        select(PersonalDataExport.id)
        .where(
            PersonalDataExport.status == ExportStatus.PENDING,
            PersonalDataExport.requested_at <= cutoff,
        )
        .order_by(PersonalDataExport.requested_at)
        .limit(SWEEP_LIMIT)
    )
    return list(rows)


async def expire_exports(session: AsyncSession, *, now: datetime | None = None) -> int:
    """READY exports past their expiry become EXPIRED and their ZIP is deleted; how many."""
    result = await session.execute(
        update(PersonalDataExport)
        .where(
            PersonalDataExport.status == ExportStatus.READY,
            PersonalDataExport.expires_at <= (now or utcnow()),
        )
        .values(status=ExportStatus.EXPIRED, content=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# -- reading and downloading ---------------------------------------------------------------------


def _purpose(export_id: uuid.UUID, user_id: uuid.UUID) -> str:
    return f"{SIGNING_PURPOSE}:{export_id}:{user_id}"


def _stamp(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def download_token(export_id: uuid.UUID, user_id: uuid.UUID, expires_at: datetime) -> str:
    """The signed part of a download link: for this export, this user, until this moment."""
    return sign(get_settings().secret_key, _purpose(export_id, user_id), _stamp(expires_at))


def link_token(row: Any, principal: Principal, *, now: datetime | None = None) -> str | None:
    """The signed part of an export row's download link for the principal: only the user who
    asked gets one, and only while the export is READY and unexpired."""
    if (
        principal.user_id is None
        or row.requested_by_user_id != principal.user_id
        or row.status != ExportStatus.READY
        or row.expires_at is None
        or row.expires_at <= (now or utcnow())
    ):
        return None
    return download_token(row.id, principal.user_id, row.expires_at)


def download_url(row: Any, principal: Principal, *, now: datetime | None = None) -> str | None:
    """The absolute download link of an export row for the principal (see `link_token`)."""
    token = link_token(row, principal, now=now)
    if token is None:
        return None
    return f"{get_settings().base_url.rstrip('/')}/exports/{row.id}/download/{token}"


def readable(principal: Principal) -> Any:
    """The exports the principal may see (without their ZIP): staff every one, anyone else
    those they asked for themselves."""
    statement = select(*LISTED)
    if principal.sees_everything:
        return statement
    if principal.user_id is None:
        return statement.where(PersonalDataExport.id.is_(None))
    return statement.where(PersonalDataExport.requested_by_user_id == principal.user_id)


async def get_exports(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Any]:
    """The visible exports among `ids` (rows without the ZIP), by id."""
    if not ids:
        return {}
    statement = readable(principal).where(PersonalDataExport.id.in_(ids))
    return {row.id: row for row in (await session.execute(statement)).all()}


async def exports_of_contact(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID, *, limit: int = 20
) -> list[Any]:
    """The principal's visible exports of one contact, newest first (rows without the ZIP)."""
    statement = (
        readable(principal)
        .where(PersonalDataExport.contact_id == contact_id)
        .order_by(PersonalDataExport.requested_at.desc(), PersonalDataExport.id)
        .limit(limit)
    )
    return list((await session.execute(statement)).all())


async def download(
    session: AsyncSession,
    principal: Principal,
    export_id: uuid.UUID,
    token: str,
    *,
    now: datetime | None = None,
) -> bytes | None:
    """The ZIP of an export for the user who asked for it, with a valid link, while it is READY
    and unexpired (the download is audited; the caller commits); None for anything else."""
    if principal.user_id is None:
        return None
    value = unsign(get_settings().secret_key, _purpose(export_id, principal.user_id), token)
    if value is None:
        return None
    export = (
        await session.scalars(
            select(PersonalDataExport)
            .options(undefer(PersonalDataExport.content))
            .where(
                PersonalDataExport.id == export_id,
                PersonalDataExport.requested_by_user_id == principal.user_id,
                PersonalDataExport.status == ExportStatus.READY,
            )
        )
    ).one_or_none()
    moment = now or utcnow()
    if (
        export is None
        or export.content is None
        or export.expires_at is None
        or export.expires_at <= moment
        or value != _stamp(export.expires_at)
    ):
        return None
    audit.record(
        session,
        principal,
        "personal_data.export_downloaded",
        "PersonalDataExport",
        export.id,
        {"contact_id": export.contact_id},
    )
    return export.content
