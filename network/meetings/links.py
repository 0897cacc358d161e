"""Links in meeting emails and pages: signed RSVP tokens, .ics paths, the calendar UID.

Tokens are signed with SECRET_KEY, read from the process settings: the emails that carry them
are composed wherever a meeting changes (an API request, a worker, the command line), and the
routes that check them must use the very same key.
"""

from __future__ import annotations

import uuid

from network.config import get_settings
from network.kit.enums import RsvpResponse
from network.kit.signing import sign, unsign

RSVP_PURPOSE = "meeting-rsvp"
ICS_PURPOSE = "meeting-ics"
UID_DOMAIN = "network-crm.citizenpowered"


def rsvp_token(invitation_id: uuid.UUID) -> str:
    """The token in an invitee's RSVP link: it names the invitation and needs no login."""
    return sign(get_settings().secret_key, RSVP_PURPOSE, invitation_id.hex)


def invitation_id_from_token(token: str) -> uuid.UUID | None:
    """The invitation an RSVP token was made for, or None when the token is not genuine."""
    value = unsign(get_settings().secret_key, RSVP_PURPOSE, token)
    if value is None:
        return None
    try:
        return uuid.UUID(hex=value)
    except ValueError:
        return None


def rsvp_path(invitation_id: uuid.UUID, response: RsvpResponse | None = None) -> str:
    """The path of the RSVP page, optionally with the answer picked in the email."""
    path = f"/meetings/rsvp/{rsvp_token(invitation_id)}"
    return f"{path}?response={response.value}" if response else path


def ics_path(meeting_id: uuid.UUID) -> str:
    """The path of a meeting's .ics file (signed, so the link works in a calendar program)."""
    return f"/meetings/{meeting_id}/invite.ics?sig={ics_signature(meeting_id)}"


def ics_signature(meeting_id: uuid.UUID) -> str:
    """The signature part of a meeting's .ics link."""
    return sign(get_settings().secret_key, ICS_PURPOSE, meeting_id.hex).partition(".")[2]


def ics_signature_valid(meeting_id: uuid.UUID, signature: str) -> bool:
    """Whether `signature` is the one `ics_path` put in the link of this meeting."""
    token = f"{meeting_id.hex}.{signature}"
    return unsign(get_settings().secret_key, ICS_PURPOSE, token) is not None


def absolute(path: str) -> str:
    """An absolute URL under BASE_URL."""
    return get_settings().base_url.rstrip("/") + path


def calendar_uid(meeting_id: uuid.UUID) -> str:
    """The iCalendar UID of a meeting: the same for its invitation, updates and cancellation."""
    return f"meeting-{meeting_id}@{UID_DOMAIN}"
