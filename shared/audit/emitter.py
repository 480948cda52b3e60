"""The one way to record a security event: a row in the caller's transaction, logged on commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from shared.audit.events import EventType, Outcome, RequestContext, current_request
from shared.db.models import AuditEvent, utcnow
from shared.observability.logs import security_event

_PENDING = "audit_events_pending"


def record_event(
    session: Session,
    type: EventType,
    *,
    outcome: Outcome = Outcome.SUCCESS,
    reason: str | None = None,
    user_id: int | None = None,
    actor_user_id: int | None = None,
    session_id: str | None = None,
    context: RequestContext | None = None,
) -> AuditEvent:
    """Add an event to the session's transaction: it commits with the change, or not at all.

    The fields are ids and codes by construction: there is no place for a password, token or
    hash. `actor_user_id` is an admin acting on someone else; pass None when the user acts on
    themself. The request's ip, user agent and id come from the current request unless given.
    The log line is written once the transaction commits, so the log and the table agree.
    """
    context = context or current_request()
    audit_event = AuditEvent(
        occurred_at=utcnow(),
        type=type.value,
        outcome=outcome.value,
        reason=reason,
        user_id=user_id,
        actor_user_id=actor_user_id if actor_user_id != user_id else None,
        session_id=session_id,
        ip=context.ip,
        user_agent=context.user_agent,
        request_id=context.request_id,
    )
    session.add(audit_event)
    session.info.setdefault(_PENDING, []).append(audit_event)
    return audit_event


def _log_fields(audit_event: AuditEvent) -> dict[str, Any]:
    fields = {
        "outcome": audit_event.outcome,
        "reason": audit_event.reason,
        "user_id": audit_event.user_id,
        "actor_user_id": audit_event.actor_user_id,
        "session_id": audit_event.session_id,
        "ip": audit_event.ip,
    }
    return {key: value for key, value in fields.items() if value is not None}


@event.listens_for(Session, "after_commit")
def _log_committed(session: Session) -> None:
    for audit_event in session.info.pop(_PENDING, ()):
        security_event(audit_event.type, **_log_fields(audit_event))


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)
