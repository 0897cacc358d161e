"""Why each email is written: its consent purpose, or TRANSACTIONAL when it needs no consent.

Every template under emails/en/ has an entry (tests/messaging/test_purposes.py checks it).
A consent purpose's email is SKIPPED for a person who has withdrawn that purpose, and carries
a one-click unsubscribe (RFC 8058) and a visible unsubscribe link; a transactional one is
sent whatever the person's consents, and carries neither.

- Meeting invitations, updates, reminders and cancellations: MEETING_INVITATIONS. They come in
  bulk, to everyone in a cohort or network, about meetings the person did not ask for.
- Booking confirmations, waiting-list and promotion notices, booking and session cancellations
  and changes, certificates, sign-in links and password resets: TRANSACTIONAL. Each answers
  something the person did, or changes something they hold (a seat, a certificate, an account).
- Training reminders (two days before a booked session): TRAINING_OFFERS. The person already
  has the date and a calendar invite from the confirmation, so a reminder is a courtesy they
  can do without; it is sent in bulk by a cron job; and it was already silenced by the
  "training" opt-out before the ledger existed, which people relied on.
- `notice` is a general-purpose template (the command line's test message, one-off notices):
  its purpose is given by the caller's `kind` (TRANSACTIONAL without one).

The links in a template's context are each either SECRET (whoever holds it can act as the
person or open something without signing in: a sign-in or password-reset link, an RSVP
answer link, a signed calendar link, a caller's own link in a notice, an unsubscribe link)
or PUBLIC (it grants nothing by itself: a meeting's video link, a certificate's verification
page, a page that needs signing in). A copy of an email outside the mailbox (a personal-data
export) shows a secret one as LINK_WITHHELD; a context key that looks like a link
(`_url`, `link`, `token` at its end) and is classified nowhere is withheld too
(tests/messaging/test_purposes.py makes sure each template's links are classified).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from network.kit.enums import TRANSACTIONAL, ConsentPurpose

CALLER_DECIDES = None  # the purpose follows the caller's `kind`

PURPOSES: dict[str, ConsentPurpose | str | None] = {
    "meeting_invitation": ConsentPurpose.MEETING_INVITATIONS,
    "meeting_update": ConsentPurpose.MEETING_INVITATIONS,
    "meeting_reminder": ConsentPurpose.MEETING_INVITATIONS,
    "meeting_cancellation": ConsentPurpose.MEETING_INVITATIONS,
    "training_reminder": ConsentPurpose.TRAINING_OFFERS,
    "training_booking_confirmed": TRANSACTIONAL,
    "training_booking_waitlisted": TRANSACTIONAL,
    "training_booking_promoted": TRANSACTIONAL,
    "training_booking_cancelled": TRANSACTIONAL,
    "training_session_changed": TRANSACTIONAL,
    "training_session_cancelled": TRANSACTIONAL,
    # Once per attended session, about training the person took (and a certificate may wait
    # for it): not a bulk mailing.
    "training_evaluation": TRANSACTIONAL,
    "certificate_issued": TRANSACTIONAL,
    "certificate_revoked": TRANSACTIONAL,
    "login_link": TRANSACTIONAL,
    "password_reset": TRANSACTIONAL,
    "user_invitation": TRANSACTIONAL,
    "notice": CALLER_DECIDES,
}


_MEETING_SECRETS = frozenset(
    {"rsvp_url", "rsvp_yes_url", "rsvp_no_url", "rsvp_maybe_url", "ics_url", "unsubscribe_url"}
)
_MEETING_PUBLIC = frozenset({"online_url"})
_TRAINING_PUBLIC = frozenset({"online_url", "ics_url"})  # the .ics is public by session id

SECRET_CONTEXT_KEYS: dict[str, frozenset[str]] = {
    "meeting_invitation": _MEETING_SECRETS,
    "meeting_update": _MEETING_SECRETS,
    "meeting_reminder": _MEETING_SECRETS,
    "meeting_cancellation": _MEETING_SECRETS,
    "training_reminder": frozenset({"unsubscribe_url"}),
    "training_evaluation": frozenset({"evaluation_url"}),  # answers as the attendee
    "login_link": frozenset({"login_url"}),
    "password_reset": frozenset({"reset_url"}),
    "user_invitation": frozenset({"password_url"}),  # a partner user's first password
    "notice": frozenset({"action_url", "unsubscribe_url"}),  # the caller's link: unknown
}
PUBLIC_CONTEXT_KEYS: dict[str, frozenset[str]] = {
    "meeting_invitation": _MEETING_PUBLIC,
    "meeting_update": _MEETING_PUBLIC,
    "meeting_reminder": _MEETING_PUBLIC,
    "meeting_cancellation": _MEETING_PUBLIC,
    "training_reminder": _TRAINING_PUBLIC,
    "training_booking_confirmed": _TRAINING_PUBLIC,
    "training_booking_waitlisted": _TRAINING_PUBLIC,
    "training_booking_promoted": _TRAINING_PUBLIC,
    "training_booking_cancelled": _TRAINING_PUBLIC,
    "training_session_changed": _TRAINING_PUBLIC,
    "training_session_cancelled": _TRAINING_PUBLIC,
    # The verification page is public by design (its link is printed on the PDF); the
    # download needs signing in.
    "certificate_issued": frozenset({"verify_url", "download_url"}),
    "certificate_revoked": frozenset({"verify_url"}),
    "user_invitation": frozenset({"sign_in_url"}),  # the sign-in page: needs signing in
}
LINK_KEY = re.compile(r"(_url|link|token)$")
LINK_WITHHELD = "[link withheld]"


def secret_keys(template: str, context: Mapping[str, Any]) -> set[str]:
    """The keys of `context` whose values are secret in an email of `template`: those listed
    in SECRET_CONTEXT_KEYS, and any link-like key not listed in PUBLIC_CONTEXT_KEYS."""
    secret = SECRET_CONTEXT_KEYS.get(template, frozenset())
    public = PUBLIC_CONTEXT_KEYS.get(template, frozenset())
    return {
        key
        for key in context
        if key in secret or (key not in public and LINK_KEY.search(str(key)) is not None)
    }


def withhold_secrets(template: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of an email's context with every secret value (see `secret_keys`) replaced by
    LINK_WITHHELD, in the language overlays (`context["en"]`) too."""
    hidden = secret_keys(template, context)
    return {
        key: LINK_WITHHELD
        if key in hidden and value
        else withhold_secrets(template, value)
        if isinstance(value, Mapping)
        else value
        for key, value in context.items()
    }


def purpose_of(template: str, kind: str | None) -> str:
    """The purpose of an email of `template` owed with `kind` (a ConsentPurpose value or
    TRANSACTIONAL); ValueError when `kind` contradicts the template's purpose.

    A template missing from PURPOSES takes its purpose from `kind`, as `notice` does (the
    test over emails/en/ makes sure no template is missing for long).
    """
    registered = PURPOSES.get(template, CALLER_DECIDES)
    if registered is CALLER_DECIDES:
        return TRANSACTIONAL if kind is None else ConsentPurpose.of_kind(kind).value
    if isinstance(registered, ConsentPurpose):
        if kind is not None and kind != registered.kind:
            raise ValueError(
                f"template {template!r} is a {registered.value} email (kind {registered.kind!r}),"
                f" not kind {kind!r}"
            )
        return registered.value
    if kind is not None:
        raise ValueError(f"template {template!r} is transactional: it takes no kind, not {kind!r}")
    return TRANSACTIONAL


def needs_consent(purpose: str) -> bool:
    """Whether an email of this purpose goes only to people who have not withdrawn it."""
    return purpose != TRANSACTIONAL
