"""File downloads that are not GraphQL nor HTML pages: certificate PDFs and a session's ZIP
(bearer token or a member's certificate cookie), and calendar files (capability URLs), private
calendar feeds (a token), and personal-data exports (the requester only, with a signed link).
`router` serves them at the site's root."""

from __future__ import annotations

from fastapi import APIRouter

from network.api.downloads import certificates, exports, feeds, meetings, training

router = APIRouter()
for _area in (meetings, training, certificates, exports, feeds):
    router.include_router(_area.router)
