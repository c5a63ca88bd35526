"""catalog_version: one row bumped by every statement that changes the catalog

The Redis cache keys search results and entity pages by this version. A statement-level
AFTER trigger on each catalog table (artists, albums, tracks, credits, source mappings)
calls `catalog_version_bump()` (catalog_version_v1.sql), so the bump commits with the
change; the table is empty until the first change (version 0). Downgrade drops the triggers, the function and the table.

Revision ID: 20261203_1950_catalog_version
Revises: 20261203_1945_playing_now
Create Date: 2026-12-03 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from searxng_cool.db import sql

revision: str = "20261203_1950_catalog_version"
down_revision: str | Sequence[str] | None = "20261203_1945_playing_now"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATALOG_TABLES = (
    "artists",
    "albums",
    "tracks",
    "track_credits",
    "artist_sources",
    "album_sources",
    "track_sources",
)


def upgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min"))
    op.create_table(
        "catalog_version",
        sa.Column("id", sa.SmallInteger(), server_default=sa.text("1"), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_catalog_version_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_version")),
    )
    op.execute(sql.load("catalog_version_v1"))
    for table in CATALOG_TABLES:
        op.execute(
            f"CREATE TRIGGER trg_{table}_catalog_version"
            f" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump()"
        )


def downgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min"))
    for table in CATALOG_TABLES:
        op.execute(f"DROP TRIGGER trg_{table}_catalog_version ON {table}")
    op.execute("DROP FUNCTION catalog_version_bump()")
    op.drop_table("catalog_version")
