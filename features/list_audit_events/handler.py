"""One page of the audit trail, newest first, filtered as an admin asks."""

from sqlalchemy.orm import Session

from features.list_audit_events.schemas import (
    ListAuditEventsQuery,
    ListAuditEventsResponse,
    ListedEvent,
)
from shared.audit.queries import EventFilter, page_of_events


def handle(request: ListAuditEventsQuery, *, session: Session) -> ListAuditEventsResponse:
    """The caller must be an admin; the cursor was validated with the query.

    Raises nothing: a filter nothing matches is an empty page.
    """
    page = page_of_events(
        session,
        EventFilter(
            limit=request.limit,
            cursor=request.cursor,
            user_id=request.user_id,
            type=request.type,
            outcome=request.outcome,
            since=request.since,
            until=request.until,
        ),
    )
    return ListAuditEventsResponse(
        items=[ListedEvent.model_validate(item, from_attributes=True) for item in page.items],
        next_cursor=page.next_cursor,
    )
