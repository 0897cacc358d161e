"""Users (staff only): the list (by partner, role and whether active), a user's page, and
what staff do for a user: invite a partner user or a member contact, email a password reset
link, sign them out everywhere, and revoke an API token. No page shows or sets a password.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import users as user_admin
from network.auth.principal import Principal
from network.contacts import service as contacts
from network.kit.enums import Role
from network.kit.errors import DomainError, duplicate_error
from network.kit.ids import parse_uuid
from network.partners import service as partners
from network.portal.deps import PortalDep, StaffForm, StaffReading, area_router, path_id
from network.portal.exits import NotFound, or_404
from network.portal.i18n import CONTACT_LANGUAGES
from network.portal.scoping import partner_filter
from network.portal.web import PAGE_SIZE, Portal, Reading

router = area_router()
INVITED_ROLES = (Role.PARTNER, Role.MEMBER)
# The service's input names (as the API spells them) -> the invitation form's field names.
INVITE_FIELDS = {"partnerId": "partner", "contactId": "contact", "contactEmail": "contact"}


def _role(raw: str | None) -> Role | None:
    try:
        return Role((raw or "").strip())
    except ValueError:
        return None


@router.get("/users")
async def users_list(request: Request, portal: PortalDep, seen: StaffReading) -> Response:
    """Every user, by email, filtered by partner, role, whether active, and name or email."""
    params = request.query_params
    chosen = await partner_filter(seen, params.get("partner"))
    active = {"yes": True, "no": False}.get(params.get("active", ""))
    query = user_admin.UserQuery(
        partner_id=chosen.partner_id,
        role=_role(params.get("role")),
        active=active,
        search=params.get("q", "").strip() or None,
    )
    try:
        page = await user_admin.list_users(
            seen.session, seen.principal, query, first=PAGE_SIZE, after=params.get("after")
        )
    except DomainError:  # a cursor that is not one of ours
        raise NotFound() from None
    rows = list(page.rows)
    names = {p.id: p for p in chosen.choices}
    return portal.render(
        request,
        seen.data,
        "admin_users.html",
        rows=rows,
        partners_by_id=names,
        partner_filter=chosen,
        form={k: params.get(k, "") for k in ("q", "role", "active")},
        roles=list(Role),
        cursor=page.end_cursor if page.has_next_page else None,
    )


# -- inviting -------------------------------------------------------------------------------


async def _invite_page(
    request: Request,
    portal: Portal,
    seen: Reading,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
) -> Response:
    chosen = await partner_filter(seen, None)
    return portal.render(
        request,
        seen.data,
        "admin_invite.html",
        422 if errors else 200,
        form=form,
        errors=errors or {},
        partners=chosen.choices,
        roles=INVITED_ROLES,
        contact_languages=CONTACT_LANGUAGES,
        message=seen.t["adm_fix_errors"] if errors else None,
    )


@router.get("/users/invite")
async def invite_page(request: Request, portal: PortalDep, seen: StaffReading) -> Response:
    """The form inviting a partner user or a member contact (?role=, ?partner=, ?contact=
    fill it in)."""
    params = request.query_params
    form = {k: params.get(k, "") for k in ("role", "partner", "contact")}
    form["role"] = form["role"] or Role.PARTNER.value
    form["language"] = "en"
    return await _invite_page(request, portal, seen, form)


async def _contact_id(session: AsyncSession, principal: Principal, text: str) -> uuid.UUID | None:
    """The contact a form names by id or by email (one live contact with it), else None."""
    parsed = parse_uuid(text)
    if parsed is not None:
        return parsed
    page = await contacts.list_contacts(
        session, principal, contacts.ContactQuery(email=text), first=2, after=None
    )
    rows = list(page.rows)
    return rows[0].id if len(rows) == 1 else None


@router.post("/users/invite")
async def invite(request: Request, portal: PortalDep, seen: StaffForm) -> Response:
    """Invite a user (the same service call as the API's inviteUser)."""
    form, t = seen.form, seen.t
    errors: dict[str, str] = {}
    role = _role(form.get("role"))
    if role not in INVITED_ROLES:
        errors["role"] = t["adm_choose"]
    partner_id = contact_id = None
    async with portal.again(seen) as fresh:
        if role is Role.PARTNER:
            slug = form.get("partner", "").strip().lower()
            partner_id = (
                await partners.find_visible_partner_id(fresh.session, seen.principal, slug)
                if slug
                else None
            )
            if partner_id is None:
                errors["partner"] = t["adm_choose"]
        if role is Role.MEMBER:
            text = form.get("contact", "").strip()
            contact_id = await _contact_id(fresh.session, seen.principal, text) if text else None
            if contact_id is None:
                errors["contact"] = t["adm_not_found"]
    if not errors and role is not None:
        try:
            async with portal.write() as session:
                user = await user_admin.invite_user(
                    session,
                    seen.principal,
                    email=form.get("email", ""),
                    name=form.get("name", ""),
                    role=role,
                    partner_id=partner_id,
                    contact_id=contact_id,
                    language=form.get("language") or None,
                )
            return portal.redirect(f"/portal/users/{user.id}?saved=invited")
        except DomainError as exc:
            errors.update(portal.field_errors(exc, INVITE_FIELDS))
        except IntegrityError as exc:
            # Another invitation of the same contact or address won the race (rolled back).
            cause = getattr(exc.orig, "__cause__", None)
            duplicate = duplicate_error(getattr(cause, "constraint_name", None))
            if duplicate is None:
                raise
            errors.update(portal.field_errors(duplicate, INVITE_FIELDS))
    async with portal.again(seen) as fresh:
        return await _invite_page(request, portal, fresh, form, errors)


# -- a user's page --------------------------------------------------------------------------

SAVED = {
    "invited": "adm_invited",
    "reset": "adm_reset_sent",
    "revoked": "adm_token_revoked",
}


async def _user(seen: Reading, raw: str) -> Any:
    key = path_id(raw)
    return or_404((await user_admin.get_users(seen.session, seen.principal, [key])).get(key))


async def user_view(
    request: Request,
    portal: Portal,
    seen: Reading,
    user_id: str,
    *,
    message: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    """A user's page: who they are, their live sessions and API tokens, and the actions."""
    user = await _user(seen, user_id)
    session, principal = seen.session, seen.principal
    partner = None
    if user.partner_id is not None:
        partner = (await partners.get_partners(session, principal, [user.partner_id])).get(
            user.partner_id
        )
    contact = None
    if user.contact_id is not None:
        contact = (await contacts.get_contacts(session, principal, [user.contact_id])).get(
            user.contact_id
        )
    live = (await user_admin.live_session_counts(session, principal, [user.id])).get(user.id, 0)
    tokens = (await user_admin.user_tokens(session, principal, [user.id]))[user.id]
    return portal.render(
        request,
        seen.data,
        "admin_user.html",
        422 if errors else 200,
        user=user,
        partner=partner,
        contact=contact,
        live=live,
        tokens=tokens,
        is_me=user.id == principal.user_id,
        # Staff passwords are set with the CLI (the service refuses their reset too).
        may_reset=user.role is not Role.STAFF,
        message=message,
        errors=errors or {},
    )


@router.get("/users/{user_id}")
async def user_page(
    request: Request, user_id: str, portal: PortalDep, seen: StaffReading
) -> Response:
    """A user's page, with what was just done (?saved=, ?ended=)."""
    params, t = request.query_params, seen.t
    saved = params.get("saved", "")
    message = t[SAVED[saved]] if saved in SAVED else None
    ended = params.get("ended", "")
    if ended.isdigit() and len(ended) < 6:
        message = f"{t['adm_sessions_ended']} {int(ended)}"
    return await user_view(request, portal, seen, user_id, message=message)


async def _acted(
    request: Request, portal: Portal, seen: Reading, user_id: str, exc: DomainError
) -> Response:
    """The user's page again with the service's refusal (nothing changed)."""
    errors = {"form": " ".join(e.message for e in exc.errors)}
    async with portal.again(seen) as fresh:
        return await user_view(request, portal, fresh, user_id, errors=errors)


@router.post("/users/{user_id}/password-reset")
async def send_password_reset(
    request: Request, user_id: str, portal: PortalDep, seen: StaffForm
) -> Response:
    """Email the user a password reset link (the same service call as sendPasswordReset)."""
    key = path_id(user_id)
    try:
        async with portal.write() as session:
            await user_admin.send_password_reset(session, seen.principal, user_id=key)
    except DomainError as exc:
        if any(e.code == "NOT_FOUND" for e in exc.errors):
            raise NotFound() from None
        return await _acted(request, portal, seen, user_id, exc)
    return portal.redirect(f"/portal/users/{key}?saved=reset")


@router.post("/users/{user_id}/sessions/end")
async def end_sessions(
    request: Request, user_id: str, portal: PortalDep, seen: StaffForm
) -> Response:
    """Sign the user out everywhere (the same service call as endUserSessions); staff ending
    their own sessions must tick a box first, since it signs this page out too."""
    key = path_id(user_id)
    if key == seen.principal.user_id and seen.form.get("confirm") != "yes":
        async with portal.again(seen) as fresh:
            errors = {"confirm": seen.t["adm_confirm_needed"]}
            return await user_view(request, portal, fresh, user_id, errors=errors)
    try:
        async with portal.write() as session:
            _, ended = await user_admin.end_user_sessions(session, seen.principal, user_id=key)
    except DomainError:
        raise NotFound() from None
    if key == seen.principal.user_id:
        return portal.redirect("/portal/login")
    return portal.redirect(f"/portal/users/{key}?ended={ended}")


@router.post("/users/{user_id}/tokens/{token_id}/revoke")
async def revoke_token(
    request: Request, user_id: str, token_id: str, portal: PortalDep, seen: StaffForm
) -> Response:
    """Revoke one of the user's API tokens (the same service call as revokeApiToken)."""
    key, token_key = path_id(user_id), path_id(token_id)
    async with portal.again(seen) as fresh:
        await _user(fresh, user_id)
        tokens = (await user_admin.user_tokens(fresh.session, seen.principal, [key]))[key]
    if token_key not in {token.id for token in tokens}:
        raise NotFound()
    try:
        async with portal.write() as session:
            await user_admin.revoke_api_token(session, seen.principal, token_id=token_key)
    except DomainError as exc:
        return await _acted(request, portal, seen, user_id, exc)
    return portal.redirect(f"/portal/users/{key}?saved=revoked")
