"""`python main.py purge-audit-events`."""

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from features.purge_audit_events import handler
from features.purge_audit_events.schemas import PurgeAuditEventsRequest
from shared.db.models import AuditEvent, utcnow
from shared.db.schema import upgrade_to_head
from tests.fixtures import REPO_ROOT, server_env


def add_events(session: Session, *, ages: list[timedelta]) -> None:
    now = utcnow()
    session.add_all(
        AuditEvent(occurred_at=now - age, type="logout", outcome="success") for age in ages
    )
    session.commit()


def test_deletes_only_events_older_than_the_cut_off_in_batches(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'purge.db'}"
    upgrade_to_head(url)
    engine = create_engine(url)
    sessions = sessionmaker(bind=engine)
    with sessions() as session:
        add_events(session, ages=[timedelta(days=days) for days in (200, 120, 91, 91, 89, 1, 0)])
    done = handler.handle(
        PurgeAuditEventsRequest(older_than=utcnow() - timedelta(days=90), batch_size=2),
        sessions=sessions,
    )
    assert done.deleted == 4
    with sessions() as session:
        left = session.scalars(select(AuditEvent.occurred_at)).all()
    assert len(left) == 3
    assert all(utcnow() - at < timedelta(days=90) for at in left)
    engine.dispose()


def test_the_command_uses_audit_retention_days(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade_to_head(url)
    engine = create_engine(url)
    with sessionmaker(bind=engine)() as session:
        add_events(session, ages=[timedelta(days=11), timedelta(days=9)])
    result = subprocess.run(
        [sys.executable, "main.py", "purge-audit-events"],
        cwd=REPO_ROOT,
        env=server_env(tmp_path, DATABASE_URL=url, AUDIT_RETENTION_DAYS="10"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "deleted 1 audit events older than 10 days" in result.stdout
    with sessionmaker(bind=engine)() as session:
        assert len(session.scalars(select(AuditEvent.id)).all()) == 1
    engine.dispose()
