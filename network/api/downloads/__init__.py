"""File downloads that are not GraphQL nor HTML pages: certificate PDFs and a session's ZIP
(bearer token or a member's certificate cookie), and calendar files (capability URLs).
`router` serves them at the site's root."""

from __future__ import annotations

from fastapi import APIRouter

from network.api.downloads import certificates, meetings, training

router = APIRouter()
for _area in (meetings, training, certificates):
    router.include_router(_area.router)
