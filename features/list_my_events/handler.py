"""One page of the audit events about the caller, newest first."""

from sqlalchemy.orm import Session

from features.list_my_events.schemas import ListedEvent, ListMyEventsQuery, ListMyEventsResponse
from shared.accounts.principal import Principal
from shared.audit.queries import EventFilter, page_of_events


def handle(
    request: ListMyEventsQuery, *, session: Session, caller: Principal
) -> ListMyEventsResponse:
    """Only events whose user_id is the caller's, whatever the cursor says.

    Raises nothing.
    """
    page = page_of_events(
        session, EventFilter(limit=request.limit, cursor=request.cursor, user_id=caller.user_id)
    )
    return ListMyEventsResponse(
        items=[ListedEvent.model_validate(item, from_attributes=True) for item in page.items],
        next_cursor=page.next_cursor,
    )
