"""The partner filter staff have on the pages partners also have (home, members,
certificates): `?partner=<slug or id>`, a <select> of partners. A partner's own pages are
scoped by its principal already, so a partner never sees the filter and it is ignored for it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from network.kit.ids import parse_uuid
from network.partners import service as partners
from network.portal.web import Reading

PARTNER_CHOICES = 100  # the select's options: the network has a handful of partners
NOBODY = uuid.UUID(int=0)  # a partner that does not exist: a filter naming it matches nothing


@dataclass(slots=True)
class PartnerFilter:
    """The staff's partner filter: the chosen partner (None: all) and the select's choices."""

    shown: bool = False  # False for partners: they see their own only, with no filter
    chosen: str = ""  # what was asked, as typed (a slug or an id)
    partner_id: uuid.UUID | None = None
    choices: list[Any] = field(default_factory=list)


async def partner_filter(seen: Reading, raw: str | None) -> PartnerFilter:
    """The partner filter of a page for the signed-in user (shown to staff only)."""
    if not seen.principal.sees_everything:
        return PartnerFilter()
    page = await partners.list_partners(
        seen.session, seen.principal, first=PARTNER_CHOICES, after=None
    )
    choices = list(page.rows)
    chosen = (raw or "").strip()
    if not chosen:
        return PartnerFilter(shown=True, choices=choices)
    parsed = parse_uuid(chosen)
    found = next((p.id for p in choices if p.id == parsed or p.slug == chosen.lower()), None)
    if found is None and parsed is None:  # beyond the first hundred: ask by slug
        found = await partners.find_visible_partner_id(seen.session, seen.principal, chosen.lower())
    elif found is None and parsed is not None:
        visible = await partners.get_partners(seen.session, seen.principal, [parsed])
        found = parsed if visible else None
    return PartnerFilter(shown=True, chosen=chosen, partner_id=found or NOBODY, choices=choices)
