"""Which training sessions and bookings a principal may see, derived from network.auth.scope.

- Courses are the public catalogue: every signed-in principal sees them all.
- A session open to everyone is seen by everyone signed in; a session reserved for a cohort or
  a member (in-house training) is seen by those who see that cohort or member.
- A booking is seen by those who see both its contact and its session: staff see all, a partner
  the bookings of its members' contacts. A member contact sees its own bookings and the ones
  it made (booked_by_user_id is its user) for colleagues of its own member, not every
  colleague's: what it booked it may follow and cancel, the rest is its colleagues' own.
- A member contact books itself or any contact of its own member (`bookable_contact_condition`);
  staff and partners book the contacts they see.

Row-level security lets a member contact's transaction read its own contacts row only, so the
bookings services read a member contact's colleagues (and the contacts of the bookings it may
see) beyond it, with these conditions as the scope (network.training.bookings).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from network.auth.principal import Principal, PrincipalKind
from network.auth.scope import cohort_condition, contact_condition, member_condition
from network.contacts.models import Contact
from network.training.models import Booking, TrainingSession

sessions = TrainingSession.__table__.c
bookings = Booking.__table__.c


def course_condition(principal: Principal) -> ColumnElement[bool]:
    """A WHERE condition on courses: the whole catalogue for anyone signed in."""
    return true() if principal.is_authenticated else false()


def session_condition(principal: Principal) -> ColumnElement[bool]:
    """A WHERE condition limiting training_sessions to those the principal may see."""
    if principal.sees_everything:
        return true()
    if not principal.is_authenticated:
        return false()
    return or_(
        and_(sessions.reserved_cohort_id.is_(None), sessions.reserved_member_id.is_(None)),
        cohort_condition(principal, sessions.reserved_cohort_id),
        member_condition(principal, sessions.reserved_member_id),
    )


def bookable_contact_condition(principal: Principal) -> ColumnElement[bool]:
    """A WHERE condition on Contact: the contacts the principal may book onto a session.

    A member contact books itself and its colleagues (every contact of its own member; the
    booking refuses an archived one); staff and partners the contacts they see.
    """
    if principal.kind is PrincipalKind.MEMBER:
        if principal.contact_id is None:
            return false()
        return member_condition(principal, Contact.member_id)
    return contact_condition(principal)


def booking_condition(principal: Principal) -> ColumnElement[bool]:
    """A WHERE condition limiting bookings to those the principal may see."""
    if principal.sees_everything:
        return true()
    if not principal.is_authenticated:
        return false()
    visible_sessions = select(sessions.id).where(session_condition(principal))
    if principal.kind is PrincipalKind.MEMBER:
        if principal.contact_id is None:
            return false()
        own = bookings.contact_id == principal.contact_id
        if principal.user_id is not None:
            colleagues = select(Contact.id).where(bookable_contact_condition(principal))
            made = and_(
                bookings.booked_by_user_id == principal.user_id,
                bookings.contact_id.in_(colleagues),
            )
            own = or_(own, made)
        return and_(own, bookings.session_id.in_(visible_sessions))
    visible_contacts = select(Contact.id).where(contact_condition(principal))
    return and_(
        bookings.contact_id.in_(visible_contacts), bookings.session_id.in_(visible_sessions)
    )
