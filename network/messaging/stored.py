"""The text of a stored outbox message, rendered again from its row: what the person was (or
will be) sent, for their copy of their personal data, with its secret links withheld (a live
sign-in, password-reset or RSVP link must not outlive the mailbox it was sent to:
network/messaging/purposes.py classifies each template's links).

Delivery renders a message the same way (`Renderer.render(template, language, context)`, in
network/messaging/delivery.py `_compose`); this reads the same three columns and changes
nothing, so a message can be shown without being sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from network.messaging.purposes import withhold_secrets
from network.messaging.service import PRUNED_CONTEXT, default_renderer

if TYPE_CHECKING:
    from network.messaging.rendering import Renderer


@dataclass(frozen=True, slots=True)
class StoredBody:
    """The subject and bodies of one stored message."""

    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def _renderer() -> Renderer:
    return default_renderer()


def render_stored(
    template: str,
    language: str,
    context: Mapping[str, Any] | None,
    renderer: Renderer | None = None,
) -> StoredBody | None:
    """The subject, plain text and HTML a stored message is sent with, each secret link shown
    as "[link withheld]"; None when it cannot be rendered any more (its template is gone, or
    its data was pruned by retention)."""
    if not context or context == PRUNED_CONTEXT:
        return None
    try:
        shown = withhold_secrets(template, context)
        email = (renderer or _renderer()).render(template, language, shown)
    except Exception:  # a stored message that no longer renders has no body to show
        return None
    return StoredBody(subject=email.subject, text=email.text, html=email.html)
