"""Contacts coming and going, with the meeting invitations that follow them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.policy import require_manager
from network.auth.principal import Principal
from network.auth.service import end_contact_access, restore_contact_access
from network.consent import service as consent
from network.contacts import service as contacts
from network.contacts.models import Contact
from network.kit.enums import ConsentChannel, ConsentPurpose
from network.kit.sentinel import UNSET
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
    await _record_opt_out_changes(session, principal, contact, before=())
    await membership.invite_contact_to_upcoming_meetings(session, principal, contact_id=contact.id)
    return contact


async def update_contact(
    session: AsyncSession,
    principal: Principal,
    contact_id: uuid.UUID | None,
    **changes: Any,
) -> Contact:
    """Change some fields of a visible contact (contacts.update_contact: fields not given are
    kept); a change of `email_opt_outs` is appended to the consent ledger as well."""
    before: Sequence[str] = ()
    if changes.get("email_opt_outs", UNSET) is not UNSET:
        require_manager(principal, "id")
        # Locked now, so no other change slips in between what was and what is.
        found = await contacts.load_contact(session, principal, contact_id, "id")
        before = tuple(found.email_opt_outs or ())
    contact = await contacts.update_contact(session, principal, contact_id, **changes)
    if changes.get("email_opt_outs", UNSET) is not UNSET:
        await _record_opt_out_changes(session, principal, contact, before=before)
    return contact


async def _record_opt_out_changes(
    session: AsyncSession, principal: Principal, contact: Contact, *, before: Sequence[str]
) -> None:
    """The opt-outs staff or a partner changed on a contact's form (API or portal), appended
    to the consent ledger: a kind added is a withdrawal, a kind removed is consent given
    again, each with channel FORM, recorded by the acting user, with the current wording."""
    after = set(contact.email_opt_outs or ())
    for purpose in ConsentPurpose:
        was_out, is_out = purpose.kind in before, purpose.kind in after
        if was_out != is_out:
            await consent.record_consent(
                session, principal, contact.id, purpose, not is_out, ConsentChannel.FORM
            )


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
