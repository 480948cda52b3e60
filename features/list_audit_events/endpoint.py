"""GET /api/audit-events: the HTTP side of reading the audit trail."""

from typing import Annotated

from fastapi import APIRouter, Query

from features.list_audit_events import handler
from features.list_audit_events.schemas import ListAuditEventsQuery, ListAuditEventsResponse
from shared.http.caller import AdminUser
from shared.http.dependencies import SessionDep
from shared.http.openapi import problem_responses

router = APIRouter(tags=["audit"])


@router.get("/api/audit-events", responses=problem_responses(401, 403, 422))
def list_audit_events(
    query: Annotated[ListAuditEventsQuery, Query()], _admin: AdminUser, session: SessionDep
) -> ListAuditEventsResponse:
    """Read security events, newest first, by user, type, outcome and time. Admins only."""
    return handler.handle(query, session=session)
