"""operations: maintenance_events and size_samples

Two new tables for the operations tools: when a materialized view was refreshed (and
other maintenance done), and database/table size samples for growth figures in `status`.
Both tables are new, so their indexes are built without CONCURRENTLY.

Revision ID: 20261124_2044_operations_tables
Revises: 20261124_2040_initial_schema
Create Date: 2026-11-24 20:44:51.124426
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261124_2044_operations_tables"
down_revision: str | Sequence[str] | None = "20261124_2040_initial_schema"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "maintenance_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column(
            "detail",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "happened_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "btrim(action) <> ''", name=op.f("ck_maintenance_events_action_not_blank")
        ),
        sa.CheckConstraint(
            "btrim(subject) <> ''", name=op.f("ck_maintenance_events_subject_not_blank")
        ),
        sa.CheckConstraint(
            "jsonb_typeof(detail) = 'object'", name=op.f("ck_maintenance_events_detail_is_object")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_events")),
    )
    op.create_index(
        "idx_maintenance_events_lookup",
        "maintenance_events",
        ["action", "subject", "happened_at"],
        unique=False,
    )
    op.create_table(
        "size_samples",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("relation", sa.String(length=255), nullable=False),
        sa.Column("total_bytes", sa.BigInteger(), nullable=False),
        sa.Column(
            "sampled_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "btrim(relation) <> ''", name=op.f("ck_size_samples_relation_not_blank")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_size_samples")),
    )
    op.create_index(
        "idx_size_samples_relation", "size_samples", ["relation", "sampled_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("idx_size_samples_relation", table_name="size_samples")
    op.drop_table("size_samples")
    op.drop_index("idx_maintenance_events_lookup", table_name="maintenance_events")
    op.drop_table("maintenance_events")
