"""Users' ids are never reused on SQLite (AUTOINCREMENT).

SQLite gives a new row the highest id + 1, so deleting the newest user freed its id for the
next sign-up. PostgreSQL's sequences never reuse an id; there this migration changes nothing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rebuild_users(*, autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # SQLite cannot alter a table's id column in place; batch mode copies it into a new one.
    with op.batch_alter_table(
        "users", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def upgrade() -> None:
    _rebuild_users(autoincrement=True)


def downgrade() -> None:
    _rebuild_users(autoincrement=False)
