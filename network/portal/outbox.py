"""The outbox (staff only): the emails that did not go out (FAILED and SKIPPED, with their
reasons), filtered by status, template and recipient; a message's page showing what it looked
like (rendered again from its row, secret links withheld: network/messaging/review.py); and
retrying one (the same service call as the API's retryOutboxMessage).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from network.kit.errors import DomainError
from network.messaging import review
from network.messaging import service as messaging
from network.messaging.models import OutboxStatus
from network.portal.deps import PortalDep, StaffForm, StaffReading, area_router, path_id
from network.portal.exits import NotFound, or_404
from network.portal.web import PAGE_SIZE, Portal, Reading

router = area_router()
STATUSES = list(OutboxStatus)


@router.get("/outbox")
async def outbox_list(request: Request, portal: PortalDep, seen: StaffReading) -> Response:
    """The messages that did not go out (or those of one status), oldest first."""
    params = request.query_params
    form = {k: params.get(k, "") for k in ("status", "template", "to")}
    statuses = [s for s in STATUSES if s.value == form["status"]] or list(review.NOT_SENT)
    query = review.ReviewQuery(
        statuses=statuses, template=form["template"] or None, recipient=form["to"] or None
    )
    try:
        page = await review.list_for_review(
            seen.session, seen.principal, query, first=PAGE_SIZE, after=params.get("after")
        )
    except DomainError:  # a cursor that is not one of ours
        raise NotFound() from None
    return portal.render(
        request,
        seen.data,
        "admin_outbox.html",
        rows=list(page.rows),
        form=form,
        outbox_statuses=STATUSES,
        templates=await review.templates_in_outbox(seen.session, seen.principal),
        cursor=page.end_cursor if page.has_next_page else None,
    )


async def message_view(
    request: Request,
    portal: Portal,
    seen: Reading,
    message_id: str,
    *,
    message: str | None = None,
    error: str | None = None,
) -> Response:
    found = or_404(await review.review_message(seen.session, seen.principal, path_id(message_id)))
    return portal.render(
        request,
        seen.data,
        "admin_outbox_message.html",
        422 if error else 200,
        item=found.message,
        body=found.body,
        message=message,
        error=error,
    )


@router.get("/outbox/{message_id}")
async def message_page(
    request: Request, message_id: str, portal: PortalDep, seen: StaffReading
) -> Response:
    """One message: its status, reason and what it looked like."""
    retried = request.query_params.get("saved") == "retried"
    message = seen.t["adm_retried"] if retried else None
    return await message_view(request, portal, seen, message_id, message=message)


@router.post("/outbox/{message_id}/retry")
async def retry(request: Request, message_id: str, portal: PortalDep, seen: StaffForm) -> Response:
    """Deliver the message again now (a FAILED, SKIPPED or waiting one)."""
    key = path_id(message_id)
    try:
        async with portal.write() as session:
            await messaging.retry_outbox_message(session, seen.principal, key)
    except DomainError as exc:
        if any(e.code == "NOT_FOUND" for e in exc.errors):
            raise NotFound() from None
        error = "; ".join(seen.t.get(f"adm_err_{e.code}", e.message) for e in exc.errors)
        async with portal.again(seen) as fresh:
            return await message_view(request, portal, fresh, message_id, error=error)
    return portal.redirect(f"/portal/outbox/{key}?saved=retried")
