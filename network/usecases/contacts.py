"""Contacts coming and going, with the meeting invitations that follow them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.policy import require_manager
from network.auth.principal import Principal
from network.auth.service import end_contact_access, restore_contact_access
from network.contacts import service as contacts
from network.contacts.models import Contact
from network.meetings import membership


async def create_contact(
    session: AsyncSession,
    principal: Principal,
    *,
    member_id: uuid.UUID | None,
    email: str | None,
    first_name: str | None,
    last_name: str | None,
    job_title: str | None = None,
    language: str | None = None,
    consent_scope: str | None = None,
    consent_given_at: datetime | None = None,
    consent_method: str | None = None,
    email_opt_outs: Sequence[str] | None = None,
) -> Contact:
    """Add a contact to a visible member and invite it to its member's upcoming meetings."""
    contact = await contacts.create_contact(
        session,
        principal,
        member_id=member_id,
        email=email,
        first_name=first_name,
        last_name=last_name,
        job_title=job_title,
        language=language,
        consent_scope=consent_scope,
        consent_given_at=consent_given_at,
        consent_method=consent_method,
        email_opt_outs=email_opt_outs,
    )
    await membership.invite_contact_to_upcoming_meetings(session, principal, contact_id=contact.id)
    return contact


async def archive_contact(
    session: AsyncSession,
    principal: Principal,
    contact_id: uuid.UUID | None,
    *,
    archived: bool = True,
) -> Contact:
    """Archive a contact, or restore one with archived=False, and follow with its invitations.

    Archiving withdraws the contact's invitations to upcoming meetings and ends at once the
    access of the member users tied to it (portal sessions, bearer tokens, unused emailed
    links; no password or link works while it stays archived); restoring invites it again to
    the upcoming meetings its member is invited to, and its users may sign in anew.
    """
    require_manager(principal, "id")
    contact = await contacts.load_contact(session, principal, contact_id, "id")
    was_archived = contact.archived_at is not None
    if archived and not was_archived:
        # While the contact is still live, so its cancellations are still sent.
        await membership.withdraw_from_upcoming_meetings(session, principal, contact_id=contact.id)
    contact = await contacts.archive_contact(session, principal, contact.id, archived=archived)
    if archived and not was_archived:
        await end_contact_access(session, principal, contact.id)
    if was_archived and not archived:
        await restore_contact_access(session, principal, contact.id)
        await membership.invite_contact_to_upcoming_meetings(
            session, principal, contact_id=contact.id
        )
    return contact
