"""The portal's certificates pages (being built; see issue 7)."""

from __future__ import annotations

from fastapi import APIRouter

from network.portal.web import Portal


def add_routes(router: APIRouter, portal: Portal) -> None:
    """No routes yet."""
