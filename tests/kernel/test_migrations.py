"""The Alembic migrations: they run both ways, and they build exactly what the model declares."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from shared.config import Settings
from shared.db.engine import create_db_engine, prepare_sqlite_file
from shared.db.models import Base
from shared.db.schema import UnmigratedDatabaseError, alembic_config, ensure_migrated


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'migrations.db'}"


def current_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_on_a_fresh_database(database_url: str) -> None:
    config = alembic_config(database_url)
    head = ScriptDirectory.from_config(config).get_current_head()
    assert current_revision(database_url) is None

    command.upgrade(config, "head")
    assert current_revision(database_url) == head
    assert tables(database_url) == set(Base.metadata.tables)

    command.downgrade(config, "base")
    assert current_revision(database_url) is None
    assert tables(database_url) == set()

    command.upgrade(config, "head")
    assert current_revision(database_url) == head
    assert tables(database_url) == set(Base.metadata.tables)


def test_migrated_schema_matches_the_model(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_server_refuses_an_unmigrated_database(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with pytest.raises(UnmigratedDatabaseError, match="make migrate"):
            ensure_migrated(engine)
        command.upgrade(alembic_config(database_url), "head")
        ensure_migrated(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("opener", ["migrations", "engine"])
def test_every_opener_creates_a_missing_sqlite_folder_and_file_privately(
    tmp_path: Path, opener: str
) -> None:
    path = tmp_path / "not" / "there" / "app.db"
    url = f"sqlite:///{path}"
    if opener == "migrations":
        command.upgrade(alembic_config(url), "head")
    else:
        # The server, `make serve` and the admin command all open it through create_db_engine.
        engine = create_db_engine(Settings(database_url=url, data_dir=tmp_path))
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        engine.dispose()
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_existing_database_file_is_left_as_it_is(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")
    before = tables(database_url)
    prepare_sqlite_file(database_url)
    assert tables(database_url) == before
