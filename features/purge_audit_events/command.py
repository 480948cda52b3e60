"""`python main.py purge-audit-events`: the command-line side; schedule it daily (README)."""

import argparse
from datetime import timedelta

from features.purge_audit_events import handler
from features.purge_audit_events.schemas import PurgeAuditEventsRequest
from shared.cli import Command
from shared.config import get_settings
from shared.db.engine import Database
from shared.db.models import utcnow


def _run(_args: argparse.Namespace) -> int:
    settings = get_settings()
    database = Database.from_settings(settings)
    try:
        done = handler.handle(
            PurgeAuditEventsRequest(
                older_than=utcnow() - timedelta(days=settings.audit_retention_days)
            ),
            sessions=database.write_sessions,
        )
    finally:
        database.dispose()
    print(f"deleted {done.deleted} audit events older than {settings.audit_retention_days} days")
    return 0


command = Command(
    name="purge-audit-events",
    help="delete audit events older than AUDIT_RETENTION_DAYS, in short batches",
    run=_run,
)
