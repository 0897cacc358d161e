"""The audit trail of one object, readable (staff only): /portal/audit/<kind>/<id> shows who
(the user's email, or "System"), what (a sentence per action), when (in the page's language,
in UTC) and the values recorded, before and after where the change kept both. The history
itself is network.audit.service.history; partners and members get the portal's 404.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from babel.dates import format_datetime
from fastapi import Request
from fastapi.responses import Response

from network.audit import service as audit
from network.portal.deps import PortalDep, StaffReading, area_router, path_id
from network.portal.exits import NotFound

router = area_router()
SHOWN = 200  # the newest changes of one object

# The kinds in the path -> the entity types the audit trail records.
KINDS = {
    "member": "Member",
    "contact": "Contact",
    "booking": "Booking",
    "session": "TrainingSession",
    "course": "Course",
    "certificate": "Certificate",
    "cohort": "Cohort",
    "meeting": "NetworkMeeting",
    "initiative": "Initiative",
    "partner": "Partner",
    "user": "User",
    "outbox": "OutboxMessage",
}
# What each action did, as a sentence (English: the staff's pages are in English).
SENTENCES = {
    "booking.created": "Booking made",
    "booking.cancelled": "Booking cancelled",
    "booking.promoted": "Booking moved from the waiting list to a seat",
    "booking.attendance_recorded": "Attendance recorded",
    "booking.attendance_cleared": "Attendance cleared",
    "booking.walk_in": "Walk-in recorded",
    "certificate.issued": "Certificate issued",
    "certificate.reissued": "Certificate reissued",
    "certificate.revoked": "Certificate revoked",
    "cohort.created": "Cohort created",
    "cohort.member_added": "Member added to the cohort",
    "cohort.member_removed": "Member taken out of the cohort",
    "progress.recorded": "Progress on a step recorded",
    "consent.given": "Consent given",
    "consent.withdrawn": "Consent withdrawn",
    "contact.created": "Contact added",
    "contact.updated": "Contact changed",
    "contact.archived": "Contact archived",
    "contact.restored": "Contact restored",
    "contact.erased": "Contact erased",
    "course.created": "Course created",
    "course.updated": "Course changed",
    "initiative.created": "Initiative added",
    "initiative.updated": "Initiative changed",
    "meeting.scheduled": "Meeting scheduled",
    "meeting.rescheduled": "Meeting rescheduled",
    "meeting.cancelled": "Meeting cancelled",
    "meeting.invited": "Invitations sent",
    "meeting.withdrawn": "Invitation withdrawn",
    "meeting.rsvp": "Answer to the invitation recorded",
    "member.created": "Member organisation added",
    "member.updated": "Member organisation changed",
    "outbox_message.retried": "Email sent again",
    "partner.created": "Partner created",
    "partner.updated": "Partner changed",
    "personal_data.export_requested": "Copy of personal data asked for",
    "personal_data.export_downloaded": "Copy of personal data downloaded",
    "token.created": "API token issued",
    "token.revoked": "API token revoked",
    "training_session.created": "Training session created",
    "training_session.updated": "Training session changed",
    "training_session.cancelled": "Training session cancelled",
    "user.created": "User created",
    "user.invited": "User invited to the portal",
    "user.password_set": "Password set",
    "user.password_reset": "Password reset by the user",
    "user.password_reset_sent": "Password reset link emailed",
    "user.sessions_revoked": "Signed out everywhere and API tokens revoked",
    "user.sessions_ended": "Signed out of the portal everywhere",
    "user.access_ended": "Access ended",
    "user.access_restored": "Access restored",
}
# Pairs of keys a change records its old and new value under.
PAIRS = (("before", "after"), ("from", "to"), ("old", "new"))


def sentence(action: str) -> str:
    """What an action did, in a sentence ("booking.cancelled" -> "Booking cancelled")."""
    if action in SENTENCES:
        return SENTENCES[action]
    thing, _, verb = action.partition(".")
    return f"{thing} {verb}".replace("_", " ").strip().capitalize()


def shown(value: Any) -> str:
    """A recorded value as text."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value) or "—"
    return str(value)


def change_rows(changes: dict[str, Any] | None) -> list[tuple[str, str | None, str]]:
    """The recorded values as (field, before, after) rows; before is None where only the new
    value was kept."""
    rows: list[tuple[str, str | None, str]] = []
    rest = dict(changes or {})
    for old, new in PAIRS:
        if old in rest and new in rest:
            rows.append(("value", shown(rest.pop(old)), shown(rest.pop(new))))
    for key, value in rest.items():
        if isinstance(value, dict) and any(o in value and n in value for o, n in PAIRS):
            o, n = next((o, n) for o, n in PAIRS if o in value and n in value)
            rows.append((key.replace("_", " "), shown(value[o]), shown(value[n])))
        else:
            rows.append((key.replace("_", " "), None, shown(value)))
    return rows


def when(moment: datetime, language: str) -> str:
    """A moment in UTC, written for the page's language."""
    return format_datetime(moment.astimezone(UTC), "medium", tzinfo=UTC, locale=language)


@router.get("/audit/{kind}/{object_id}")
async def audit_page(
    request: Request, kind: str, object_id: str, portal: PortalDep, seen: StaffReading
) -> Response:
    """The newest changes to one object, readable."""
    entity_type = KINDS.get(kind)
    if entity_type is None:
        raise NotFound()
    key = path_id(object_id)
    rows = await audit.history(seen.session, seen.principal, entity_type, key, limit=SHOWN)
    language = portal.language_of(request)
    events = [
        {
            "who": row.actor_email or (seen.t["adm_system"] if row.actor_user_id is None else "—"),
            "what": sentence(row.action),
            "action": row.action,
            "when": when(row.occurred_at, language),
            "changes": change_rows(row.changes),
        }
        for row in rows
    ]
    return portal.render(
        request, seen.data, "admin_audit.html", entity_type=entity_type, events=events
    )
