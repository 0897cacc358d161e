"""Which training sessions and bookings a principal may see, derived from network.auth.scope.

- Courses are the public catalogue: every signed-in principal sees them all.
- A session open to everyone is seen by everyone signed in; a session reserved for a cohort or
  a member (in-house training) is seen by those who see that cohort or member.
- A booking is seen by those who see both its contact and its session: staff see all, a partner
  the bookings of its members' contacts, a member user its own.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from network.auth.principal import Principal
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


def booking_condition(principal: Principal) -> ColumnElement[bool]:
    """A WHERE condition limiting bookings to those the principal may see."""
    if principal.sees_everything:
        return true()
    if not principal.is_authenticated:
        return false()
    visible_contacts = select(Contact.id).where(contact_condition(principal))
    visible_sessions = select(sessions.id).where(session_condition(principal))
    return and_(
        bookings.contact_id.in_(visible_contacts), bookings.session_id.in_(visible_sessions)
    )
