"""Migrations: run them with Alembic, and refuse to serve a database that is not at head."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
from shared.db.engine import prepare_sqlite_file

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class UnmigratedDatabaseError(RuntimeError):
    """The database is not at the newest migration; the server must not serve it."""


def alembic_config(database_url: str) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    prepare_sqlite_file(database_url)
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(database_url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), "head")


_REVISION_LINE = re.compile(r"^(down_)?revision\b[^=\n]*=(.*)$", re.MULTILINE)


_REVISION_ID = re.compile(r"[\"']([^\"']+)[\"']")


@cache
def head_revision() -> str:
    """The newest migration, from the `revision` / `down_revision` lines of the migrations
    (tests/architecture/test_startup_footprint.py checks that Alembic names the same one)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for match in _REVISION_LINE.finditer(path.read_text(encoding="utf-8")):
            (parents if match[1] else revisions).update(_REVISION_ID.findall(match[2]))
    heads = revisions - parents
    if len(heads) != 1:
        raise UnmigratedDatabaseError(f"The migrations have {len(heads)} heads, not one.")
    return heads.pop()


def ensure_migrated(engine: Engine) -> None:
    """Refuse to serve a database whose schema is not the newest migration."""
    head = head_revision()
    with engine.connect() as connection:
        current = (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if inspect(connection).has_table("alembic_version")
            else None
        )
    if current != head:
        raise UnmigratedDatabaseError(
            f"The database is at migration {current or 'none (empty)'}, not {head}. "
            "Apply the migrations first: `make migrate` (alembic upgrade head)."
        )
