"""Recording the audit trail; called by every service operation that changes something."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit.models import AuditEvent
from network.auth.models import User
from network.auth.policy import require_staff
from network.auth.principal import Principal


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID | date | datetime):
        return str(value) if isinstance(value, uuid.UUID) else value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def record(
    session: AsyncSession,
    principal: Principal,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID,
    changes: dict[str, Any] | None = None,
) -> None:
    """Add an audit event to the current transaction (written with the change, or not at all)."""
    session.add(
        AuditEvent(
            actor_user_id=principal.user_id,
            actor_role=principal.kind.value,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            changes={k: _plain(v) for k, v in (changes or {}).items()},
        )
    )


async def history(
    session: AsyncSession,
    principal: Principal,
    entity_type: str,
    entity_id: uuid.UUID,
    limit: int = 100,
) -> Sequence[Any]:
    """The most recent audit events of one object, newest first, with the actor's email."""
    require_staff(principal, "id")
    statement = (
        select(*AuditEvent.__table__.c, User.email.label("actor_email"))
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return (await session.execute(statement)).all()


def apply_changes(entity: Any, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Set the fields whose new value differs; return those fields with their new values."""
    changed = {k: v for k, v in changes.items() if getattr(entity, k) != v}
    for key, value in changed.items():
        setattr(entity, key, value)
    return changed


async def apply_and_record(
    session: AsyncSession,
    principal: Principal,
    entity: Any,
    changes: Mapping[str, Any],
    *,
    action: str,
    entity_type: str,
) -> dict[str, Any]:
    """Apply a partial update and, if anything changed, audit exactly what changed."""
    changed = apply_changes(entity, changes)
    if changed:
        await session.flush()
        record(session, principal, action, entity_type, entity.id, changed)
    return changed
