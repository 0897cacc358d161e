"""Signing in to the portal through its forms, as a browser without JavaScript would."""

from __future__ import annotations

import re

import httpx

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: str) -> str:
    """The CSRF token in the first form of a page."""
    found = CSRF.search(page)
    assert found, "no CSRF token on the page"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    """Open the sign-in page and post its form; the client keeps the session cookie."""
    page = await client.get("/portal/login")
    return await client.post(
        "/portal/login",
        data={"csrf": csrf_of(page.text), "email": email, "password": password},
    )
