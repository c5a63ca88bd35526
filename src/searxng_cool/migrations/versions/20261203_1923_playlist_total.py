"""playlists.total_duration_ms becomes BIGINT (the spec says INTEGER: 24.8 days at most)

A smart playlist over a large catalog holds more than 2^31 ms of music; with INTEGER its
refresh failed with "integer out of range" (and, before refreshes were isolated, took every
other smart playlist's refresh down with it). A deviation from the spec, documented in
docs/DATABASE.md. Rewrites `playlists` (one row per playlist, a small table) under the
revision's lock timeout. The downgrade fails, saying so, while any total exceeds INTEGER.

Revision ID: 20261203_1923_playlist_total
Revises: 20261203_1915_feature_ranges
Create Date: 2026-12-03 19:23:13.882425
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from searxng_cool.db import sql

revision: str = "20261203_1923_playlist_total"
down_revision: str | Sequence[str] | None = "20261203_1915_feature_ranges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min"))
    # lint: allow column-type-change -- playlists is small (one row per playlist); the rewrite is brief under lock_timeout
    op.alter_column(
        "playlists",
        "total_duration_ms",
        existing_type=sa.INTEGER(),
        type_=sa.BigInteger(),
        existing_nullable=False,
        existing_server_default=sa.text("0"),
    )


def downgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min"))
    # lint: allow column-type-change -- as in upgrade(): a small table
    op.alter_column(
        "playlists",
        "total_duration_ms",
        existing_type=sa.BigInteger(),
        type_=sa.INTEGER(),
        existing_nullable=False,
        existing_server_default=sa.text("0"),
    )
