"""`python main.py migrate`: the command-line side."""

import argparse

from features.migrate_database import handler
from features.migrate_database.schemas import MigrateDatabaseRequest
from shared.cli import Command
from shared.config import get_settings


def _run(_args: argparse.Namespace) -> int:
    done = handler.handle(MigrateDatabaseRequest(database_url=get_settings().database_url))
    print(f"database at migration {done.revision}")
    return 0


command = Command(
    name="migrate", help="apply the database migrations (alembic upgrade head)", run=_run
)
