"""Expected failures as values: no HTTP or GraphQL knowledge here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one input field; `field` is the input name as the client sent it."""

    field: str
    code: str
    message: str


class DomainError(Exception):
    """An expected failure of an operation; the caller's transaction must be rolled back."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    @classmethod
    def one(cls, field: str, code: str, message: str) -> DomainError:
        """A failure with a single field error."""
        return cls([FieldError(field, code, message)])


class NotFound(DomainError):
    """The object does not exist, or the caller may not see it (the two look the same)."""

    def __init__(self, field: str, what: str) -> None:
        super().__init__([FieldError(field, "NOT_FOUND", f"No {what} with this id.")])


class PermissionDenied(DomainError):
    """The caller may see the object but may not do this to it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__([FieldError(field, "FORBIDDEN", message)])


class Errors:
    """Collects field errors while validating an input, then raises them all at once."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, field: str, code: str, message: str) -> None:
        """Record one problem."""
        self.items.append(FieldError(field, code, message))

    def has(self, field: str) -> bool:
        """Whether a problem was already recorded for this field."""
        return any(e.field == field for e in self.items)

    def raise_if_any(self) -> None:
        """Raise a DomainError holding every recorded problem, if there is one."""
        if self.items:
            raise DomainError(list(self.items))


# Unique constraints a user can run into when two people save the same thing at once; the
# services check these first, so the database only answers for the race between two requests.
UNIQUE_CONSTRAINT_FIELDS = {
    "uq_partners_slug": "slug",
    "uq_contacts_member_email_live": "email",
    "uq_users_email": "email",
    "uq_users_contact_id": "contactId",
    "uq_step_progress_cohort_id_member_id_step": "step",
    "uq_bookings_session_contact_live": "contactId",
    "uq_meeting_invitations_meeting_id_contact_id": "contactId",
}


def duplicate_error(constraint_name: str | None) -> DomainError | None:
    """The user error for a unique constraint that a concurrent request won, if it is one."""
    field = UNIQUE_CONSTRAINT_FIELDS.get(constraint_name or "")
    if field is None:
        return None
    return DomainError.one(
        field, "DUPLICATE", "Someone saved the same thing a moment ago; reload and try again."
    )
