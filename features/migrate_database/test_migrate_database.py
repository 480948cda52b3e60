"""`python main.py migrate`."""

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, inspect

from features.migrate_database import handler
from features.migrate_database.schemas import MigrateDatabaseRequest
from shared.db.schema import head_revision
from tests.fixtures import REPO_ROOT, server_env


def test_migrates_a_new_database_to_head_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert handler.handle(MigrateDatabaseRequest(database_url=url)).revision == head_revision()
    assert handler.handle(MigrateDatabaseRequest(database_url=url)).revision == head_revision()
    engine = create_engine(url)
    try:
        assert {"users", "sessions"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_command_migrates_the_configured_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = subprocess.run(
        [sys.executable, "main.py", "migrate"],
        cwd=REPO_ROOT,
        env=server_env(tmp_path, DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"database at migration {head_revision()}" in result.stdout
