"""Delete old audit events in small batches, one short write transaction each."""

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from features.purge_audit_events.schemas import PurgeAuditEventsRequest, PurgeAuditEventsResponse
from shared.db.models import AuditEvent


def handle(
    request: PurgeAuditEventsRequest, *, sessions: sessionmaker[Session]
) -> PurgeAuditEventsResponse:
    """Delete every event older than `older_than`, oldest first, `batch_size` per transaction:
    on SQLite the write lock is held for one batch at a time, so logins go on meanwhile.

    Raises what the driver raises when the database cannot be reached.
    """
    deleted = 0
    while True:
        with sessions() as session:
            # Served by the (occurred_at, id) index: each batch reads only rows it deletes.
            oldest = (
                select(AuditEvent.id)
                .where(AuditEvent.occurred_at < request.older_than)
                .order_by(AuditEvent.occurred_at, AuditEvent.id)
                .limit(request.batch_size)
            )
            ids = list(session.scalars(oldest))
            if ids:
                session.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids)))
            session.commit()
        deleted += len(ids)
        if len(ids) < request.batch_size:
            return PurgeAuditEventsResponse(deleted=deleted)
