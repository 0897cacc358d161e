"""My training: what a member contact signed in to the portal sees of their own training."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from network.auth.principal import PrincipalKind
from network.certificates import service as certificates
from network.db import utcnow
from network.meetings.formatting import format_span
from network.portal.web import Portal
from network.training import bookings, catalogue
from network.training import sessions as training_sessions


def add_routes(router: APIRouter, portal: Portal) -> None:
    """/portal/training."""

    @router.get("/training")
    async def my_training(request: Request) -> Response:
        data = portal.read_session(request)
        async with portal.db() as session:
            principal = await portal.guard(request, session, data, PrincipalKind.MEMBER)
            if isinstance(principal, Response):
                return principal
            contact_id = principal.contact_id
            if contact_id is None:
                return portal.not_found(request, data)
            booked = await bookings.list_bookings(
                session,
                principal,
                bookings.BookingQuery(contact_id=contact_id),
                first=50,
                after=None,
            )
            runs = await training_sessions.get_sessions(
                session, principal, list({row.session_id for row in booked.rows})
            )
            courses = await catalogue.get_courses(
                session, principal, list({row.course_id for row in runs.values()})
            )
            language = portal.language_of(request)
            items = []
            for row in booked.rows:
                run = runs.get(row.session_id)
                if run is None:
                    continue
                course = courses.get(run.course_id)
                items.append(
                    {
                        "title": course.title if course else "",
                        "when": format_span(run.starts_at, run.ends_at, run.time_zone, language)[
                            "when"
                        ],
                        "status": row.status,
                        "position": row.waitlist_position,
                    }
                )
            issued = await certificates.list_certificates(
                session,
                principal,
                certificates.CertificateQuery(contact_id=contact_id),
                first=50,
                after=None,
            )
            year = utcnow().year
            hours = dict(await certificates.cpd_hours_by_year(session, principal, contact_id))
        return portal.render(
            request,
            data,
            "training.html",
            bookings=items,
            certificates=issued.rows,
            cpd_hours=hours.get(year, 0),
            year=year,
        )
