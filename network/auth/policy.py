"""Small policy questions asked by mutations; each raises a DomainError when the answer is no."""

from __future__ import annotations

from network.auth.principal import Principal, PrincipalKind
from network.kit.errors import PermissionDenied


def require_staff(principal: Principal, field: str) -> None:
    """Is the caller network staff (or the system)?"""
    if not principal.sees_everything:
        raise PermissionDenied(field, "Only network staff may do this.")


def require_manager(principal: Principal, field: str) -> None:
    """Is the caller staff or a partner user (the people who manage members and cohorts)?"""
    if not (principal.sees_everything or principal.kind is PrincipalKind.PARTNER):
        raise PermissionDenied(field, "Only network staff and partners may do this.")


def require_booker(principal: Principal, field: str) -> None:
    """May the caller book training at all? Staff, partner users, and member contacts (who
    book themselves and their colleagues: network.training.scope says whom)."""
    if principal.sees_everything or principal.kind is PrincipalKind.PARTNER:
        return
    if principal.kind is PrincipalKind.MEMBER and principal.contact_id is not None:
        return
    raise PermissionDenied(field, "Only network staff, partners and member contacts may do this.")
