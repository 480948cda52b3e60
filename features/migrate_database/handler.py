"""Apply every migration the database lacks (alembic upgrade head)."""

from sqlalchemy import create_engine, pool

from features.migrate_database.schemas import MigrateDatabaseRequest, MigrateDatabaseResponse
from shared.db.schema import ensure_migrated, head_revision, upgrade_to_head


def handle(request: MigrateDatabaseRequest) -> MigrateDatabaseResponse:
    """Migrate to head; idempotent.

    Raises what Alembic and the driver raise when the database cannot be reached or changed.
    """
    upgrade_to_head(request.database_url)
    engine = create_engine(request.database_url, poolclass=pool.NullPool)
    try:
        ensure_migrated(engine)
    finally:
        engine.dispose()
    return MigrateDatabaseResponse(revision=head_revision())
