"""Operations on contacts, the people at member organisations."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, any_, bindparam, func, literal_column, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Uuid

from network.audit import service as audit
from network.auth.policy import require_manager
from network.auth.principal import Principal
from network.auth.scope import contact_condition
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.emails import lookup_email
from network.kit.enums import EMAIL_KINDS as EMAIL_KINDS  # the portal reads it here
from network.kit.errors import DomainError, Errors
from network.kit.loading import load_visible, rows_by_id
from network.kit.pagination import Page, keyset_page
from network.kit.search import contains_text
from network.kit.validation import clean_email, clean_language, clean_paragraphs, clean_text
from network.members.service import load_member

contacts = Contact.__table__.c
from network.kit.sentinel import UNSET  # noqa: E402


@dataclass(slots=True)
class ContactQuery:
    """Filters for listing contacts; archived contacts are left out unless asked for."""

    member_id: uuid.UUID | None = None
    search: str | None = None
    email: str | None = None
    language: str | None = None
    include_archived: bool = False


def readable(principal: Principal) -> Select[Any]:
    """The contacts the principal may see, as Core rows (the only way to read contacts)."""
    return select(*contacts).where(contact_condition(principal))


def _search_text() -> Any:
    return (
        contacts.first_name
        + literal_column("' '")
        + contacts.last_name
        + literal_column("' '")
        + contacts.email
    )


def _apply(statement: Select[Any], query: ContactQuery) -> Select[Any]:
    if query.member_id is not None:
        statement = statement.where(contacts.member_id == query.member_id)
    if not query.include_archived:
        statement = statement.where(contacts.archived_at.is_(None))
    if query.email:
        statement = statement.where(contacts.email == lookup_email(query.email))
    if query.language:
        statement = statement.where(contacts.language == query.language.strip().lower())
    if query.search and query.search.strip():
        statement = statement.where(contains_text(_search_text(), query.search))
    return statement


ORDER = (contacts.last_name, contacts.first_name, contacts.id)


async def list_contacts(
    session: AsyncSession,
    principal: Principal,
    query: ContactQuery,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """A page of visible contacts matching the query, ordered by last and first name."""
    statement = _apply(readable(principal), query)
    return await keyset_page(session, statement, list(ORDER), first=first, after=after)


async def contacts_of_members(
    session: AsyncSession,
    principal: Principal,
    member_ids: Sequence[uuid.UUID],
    *,
    first: int,
    include_archived: bool = False,
) -> tuple[dict[uuid.UUID, list[Row[Any]]], dict[uuid.UUID, int]]:
    """The first `first` visible contacts of each member, and each member's count: two queries."""
    base = _apply(readable(principal), ContactQuery(include_archived=include_archived))
    ids = bindparam("member_ids", list(member_ids), type_=ARRAY(Uuid()))
    # Per member, walk the (member_id, last_name, first_name, id) index and stop after
    # `first + 1` rows, rather than sort and rank every contact of every member (3-5x slower).
    keys = func.unnest(ids).table_valued("id").render_derived(name="m")
    shown = base.where(contacts.member_id == keys.c.id).order_by(*ORDER).limit(first + 1)
    page = shown.lateral("c")
    statement = (
        select(page)
        .select_from(keys)
        .join(page, true())
        .order_by(page.c.member_id, *(page.c[column.key] for column in ORDER))
    )
    by_member: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
    for row in (await session.execute(statement)).all():
        by_member[row.member_id].append(row)
    live = base.where(contacts.member_id == any_(ids)).subquery()
    counted = select(live.c.member_id, func.count()).group_by(live.c.member_id)
    counts: dict[uuid.UUID, int] = dict((await session.execute(counted)).all())
    return by_member, counts


async def get_contacts(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Row[Any]]:
    """Visible contacts by id, archived included (missing or hidden ones are absent)."""
    return await rows_by_id(session, readable(principal), ids)


async def load_contact(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID | None, field: str
) -> Contact:
    """The contact as an entity, locked for changing it; hidden and missing look the same."""
    visible = contact_condition(principal)
    return await load_visible(session, Contact, contact_id, visible, field=field, what="contact")


async def _email_taken(
    session: AsyncSession, member_id: uuid.UUID, email: str, except_id: uuid.UUID | None = None
) -> bool:
    statement = select(Contact.id).where(
        Contact.member_id == member_id, Contact.email == email, Contact.archived_at.is_(None)
    )
    if except_id is not None:
        statement = statement.where(Contact.id != except_id)
    return (await session.execute(statement.limit(1))).first() is not None


def _clean_opt_outs(errors: Errors, values: Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    cleaned = sorted({v.strip().lower() for v in values})
    unknown = [v for v in cleaned if v not in EMAIL_KINDS]
    if unknown:
        errors.add(
            "emailOptOuts",
            "UNKNOWN_EMAIL_KIND",
            f"Unknown kinds {unknown}; use any of: {', '.join(EMAIL_KINDS)}.",
        )
    return cleaned


MAX_CONSENT_SCOPE = 2000
# Consent records are kept for living people; an earlier date is a typing mistake.
EARLIEST_CONSENT_YEAR = 1900


def _clean_consent_method(errors: Errors, value: str | None) -> str | None:
    return clean_text(errors, "consent.method", value, required=False, max_length=100)


def _clean_consent_scope(errors: Errors, value: str | None) -> str | None:
    return clean_paragraphs(errors, "consent.scope", value, max_length=MAX_CONSENT_SCOPE)


def _check_consent_time(errors: Errors, value: datetime | None) -> None:
    if value is None:
        return
    if value.tzinfo is None or value.utcoffset() is None:
        errors.add(
            "consent.givenAt",
            "NO_TIME_ZONE",
            "Give the time with its UTC offset, e.g. 2026-10-01T09:30:00+01:00.",
        )
    elif value > utcnow():
        errors.add("consent.givenAt", "IN_FUTURE", "Consent cannot be given in the future.")
    elif value.year < EARLIEST_CONSENT_YEAR:
        errors.add(
            "consent.givenAt", "TOO_EARLY", f"Consent is given in {EARLIEST_CONSENT_YEAR} or later."
        )


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
    """Add a contact to a visible member; the email must be unique among its live contacts.

    Its invitations to its member's upcoming meetings are network.usecases.contacts'.
    """
    require_manager(principal, "memberId")
    # Locked before the contact's row references it (see network.meetings.membership).
    member = await load_member(session, principal, member_id, "memberId", for_update=True)
    errors = Errors()
    clean_mail = clean_email(errors, "email", email)
    first = clean_text(errors, "firstName", first_name)
    last = clean_text(errors, "lastName", last_name)
    title = clean_text(errors, "jobTitle", job_title, required=False)
    lang = clean_language(errors, "language", language) or "en"
    opt_outs = _clean_opt_outs(errors, email_opt_outs) or []
    scope = _clean_consent_scope(errors, consent_scope)
    method = _clean_consent_method(errors, consent_method)
    _check_consent_time(errors, consent_given_at)
    if clean_mail and await _email_taken(session, member.id, clean_mail):
        errors.add("email", "DUPLICATE", "This member already has a contact with this email.")
    errors.raise_if_any()
    assert clean_mail is not None and first is not None and last is not None
    contact = Contact(
        member_id=member.id,
        email=clean_mail,
        first_name=first,
        last_name=last,
        job_title=title,
        language=lang,
        consent_scope=scope,
        consent_given_at=consent_given_at,
        consent_method=method,
        email_opt_outs=opt_outs,
    )
    session.add(contact)
    await session.flush()
    audit.record(
        session,
        principal,
        "contact.created",
        "Contact",
        contact.id,
        {
            "member_id": member.id,
            "email": clean_mail,
            "first_name": first,
            "last_name": last,
            "language": lang,
        },
    )
    return contact


async def update_contact(
    session: AsyncSession,
    principal: Principal,
    contact_id: uuid.UUID | None,
    *,
    email: Any = UNSET,
    first_name: Any = UNSET,
    last_name: Any = UNSET,
    job_title: Any = UNSET,
    language: Any = UNSET,
    consent_scope: Any = UNSET,
    consent_given_at: Any = UNSET,
    consent_method: Any = UNSET,
    email_opt_outs: Any = UNSET,
) -> Contact:
    """Change some fields of a visible contact; fields left UNSET are kept."""
    require_manager(principal, "id")
    contact = await load_contact(session, principal, contact_id, "id")
    _refuse_erased(contact)
    errors = Errors()
    changes: dict[str, Any] = {}
    if email is not UNSET:
        changes["email"] = clean_email(errors, "email", email)
        if (
            changes["email"]
            and contact.archived_at is None
            and await _email_taken(
                session, contact.member_id, changes["email"], except_id=contact.id
            )
        ):
            errors.add("email", "DUPLICATE", "This member already has a contact with this email.")
    if first_name is not UNSET:
        changes["first_name"] = clean_text(errors, "firstName", first_name)
    if last_name is not UNSET:
        changes["last_name"] = clean_text(errors, "lastName", last_name)
    if job_title is not UNSET:
        changes["job_title"] = clean_text(errors, "jobTitle", job_title, required=False)
    if language is not UNSET:
        if language is None:
            errors.add("language", "REQUIRED", "A language is required.")
        changes["language"] = clean_language(errors, "language", language)
    if consent_scope is not UNSET:
        changes["consent_scope"] = _clean_consent_scope(errors, consent_scope)
    if consent_given_at is not UNSET:
        _check_consent_time(errors, consent_given_at)
        changes["consent_given_at"] = consent_given_at
    if consent_method is not UNSET:
        changes["consent_method"] = _clean_consent_method(errors, consent_method)
    if email_opt_outs is not UNSET:
        changes["email_opt_outs"] = _clean_opt_outs(errors, email_opt_outs or [])
    errors.raise_if_any()
    await audit.apply_and_record(
        session, principal, contact, changes, action="contact.updated", entity_type="Contact"
    )
    return contact


def _refuse_erased(contact: Contact) -> None:
    """Erasure cannot be undone: an erased contact is neither restored nor edited."""
    if contact.erased_at is not None:
        raise DomainError.one("id", "ERASED", "This contact was erased; erasure cannot be undone.")


async def archive_contact(
    session: AsyncSession,
    principal: Principal,
    contact_id: uuid.UUID | None,
    *,
    archived: bool = True,
) -> Contact:
    """Archive a contact (kept, hidden from lists), or restore one with archived=False.

    The invitations that follow (withdrawn, or made again) are network.usecases.contacts'.
    """
    require_manager(principal, "id")
    contact = await load_contact(session, principal, contact_id, "id")
    if archived and contact.archived_at is None:
        contact.archived_at = utcnow()
        await session.flush()
        audit.record(session, principal, "contact.archived", "Contact", contact.id)
    elif not archived and contact.archived_at is not None:
        _refuse_erased(contact)
        if await _email_taken(session, contact.member_id, contact.email, except_id=contact.id):
            raise DomainError.one(
                "id", "DUPLICATE", "A live contact of this member already has this email."
            )
        contact.archived_at = None
        await session.flush()
        audit.record(session, principal, "contact.restored", "Contact", contact.id)
    return contact
