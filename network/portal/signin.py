"""Signing in and out of the portal: email and password, with a lockout after failures."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from network.auth import service as auth
from network.auth.principal import PrincipalKind
from network.portal.web import SIGN_IN_KINDS, Portal

MAX_FAILURES = 5
LOCK_SECONDS = 60


def add_routes(router: APIRouter, portal: Portal) -> None:
    """/portal/login (GET, POST) and /portal/logout (POST)."""

    @router.get("/login")
    async def login_page(request: Request) -> Response:
        data = portal.read_session(request)
        return portal.render(request, data, "login.html", form={}, errors={}, message=None)

    @router.post("/login")
    async def login(request: Request) -> Response:
        data = portal.read_session(request)
        ok, form = await portal.csrf_ok(request, data)
        if not ok:
            return portal.forbidden(request, data)
        t = portal.labels(request)
        email = form.get("email", "").strip().lower()
        password = form.get("password", "")
        errors: dict[str, str] = {}
        if not email:
            errors["email"] = t["required"]
        if not password:
            errors["password"] = t["required"]

        def again(status: int, message: str | None) -> Response:
            return portal.render(
                request, data, "login.html", status, form=form, errors=errors, message=message
            )

        if errors:
            return again(422, None)
        key = f"portal:failures:{email}"
        store = portal.redis()
        failures = int(await store.get(key) or 0)
        if failures >= MAX_FAILURES:
            return again(429, t["locked"])
        async with portal.db() as session:
            user = await auth.find_user(session, email)
            valid = user is not None and user.is_active and auth.verify_password(user, password)
        if not valid or user is None:
            await store.incr(key)
            await store.expire(key, LOCK_SECONDS)
            return again(401, t["bad_credentials"])
        await store.delete(key)
        kind = auth.principal_for(user).kind
        if kind not in SIGN_IN_KINDS:
            return again(403, t["partners_only"])
        landing = "/portal/" if kind is PrincipalKind.PARTNER else "/portal/training"
        response = portal.redirect(landing)
        portal.signed_in(response, user.id, email, kind)
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        data = portal.read_session(request)
        ok, _ = await portal.csrf_ok(request, data)
        if not ok:
            return portal.forbidden(request, data)
        response = portal.redirect("/portal/login")
        portal.sign_out(response)
        return response
