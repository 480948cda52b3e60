"""Sessions record their device (ip, user agent, last refresh); the audit_events table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("ip", sa.String(length=45), nullable=True))
        batch.add_column(sa.Column("user_agent", sa.String(length=256), nullable=True))
        batch.add_column(
            sa.Column("last_refreshed_at", sa.DateTime(timezone=True), nullable=True)
        )

    op.create_table(
        "audit_events",
        sa.Column("id", BigId, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_user_id", sa.BigInteger(), nullable=True),
        sa.Column("session_id", sa.String(length=43), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=256), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_events_occurred_at_id", "audit_events", ["occurred_at", "id"])
    op.create_index(
        "ix_audit_events_user_id_occurred_at_id", "audit_events", ["user_id", "occurred_at", "id"]
    )
    op.create_index(
        "ix_audit_events_type_occurred_at_id", "audit_events", ["type", "occurred_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_type_occurred_at_id", table_name="audit_events")
    op.drop_index("ix_audit_events_user_id_occurred_at_id", table_name="audit_events")
    op.drop_index("ix_audit_events_occurred_at_id", table_name="audit_events")
    op.drop_table("audit_events")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("last_refreshed_at")
        batch.drop_column("user_agent")
        batch.drop_column("ip")
