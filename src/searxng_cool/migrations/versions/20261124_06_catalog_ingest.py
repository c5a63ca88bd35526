"""catalog ingest match keys and credits

Adds what bulk ingest with entity resolution needs: normalised match keys on artists,
albums and tracks (filled by ingest with `catalog_name_key(text)`, an IMMUTABLE SQL
function over `immutable_unaccent`), the precision of partial release dates, and
`track_credits` for featured artists. New columns are nullable or defaulted; indexes on
existing tables are built CONCURRENTLY outside the transaction.

Revision ID: 20261124_2046_catalog_ingest
Revises: 20261124_2051_track_counters
Create Date: 2026-11-24 20:46:39.028292
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from searxng_cool.db import sql

revision: str = "20261124_2046_catalog_ingest"
down_revision: str | Sequence[str] | None = "20261124_2051_track_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONCURRENT_INDEXES = (
    ("idx_albums_artist_title_key", "albums", "artist_id, title_key"),
    ("idx_artists_name_key", "artists", "name_key"),
    ("idx_tracks_match_key", "tracks", "artist_id, title_key, version_key"),
)


def upgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min"))
    op.execute(sql.load("catalog_name_key_v1"))
    op.add_column("albums", sa.Column("release_date_precision", sa.String(length=5), nullable=True))
    op.add_column("albums", sa.Column("title_key", sa.Text(), nullable=True))
    op.add_column("artists", sa.Column("name_key", sa.Text(), nullable=True))
    op.add_column("tracks", sa.Column("title_key", sa.Text(), nullable=True))
    op.add_column(
        "tracks",
        sa.Column("version_key", sa.Text(), server_default=sa.text("''"), nullable=False),
    )
    op.execute(
        "ALTER TABLE albums ADD CONSTRAINT ck_albums_release_date_precision_known"
        " CHECK (release_date_precision IN ('year', 'month', 'day')) NOT VALID"
    )
    op.execute("ALTER TABLE albums VALIDATE CONSTRAINT ck_albums_release_date_precision_known")
    op.create_table(
        "track_credits",
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("artist_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("credited_as", sa.Text(), nullable=False),
        sa.CheckConstraint("role IN ('featured')", name=op.f("ck_track_credits_role_known")),
        sa.ForeignKeyConstraint(
            ["artist_id"],
            ["artists.id"],
            name=op.f("fk_track_credits_artist_id_artists"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_track_credits_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("track_id", "artist_id", "role", name=op.f("pk_track_credits")),
    )
    op.create_index("idx_track_credits_artist_id", "track_credits", ["artist_id"], unique=False)
    _create_indexes_on_existing_tables()
    # idx_albums_artist_title_key leads with artist_id: it serves the foreign key's lookups,
    # and the single-column index would only cost writes.
    op.execute("DROP INDEX IF EXISTS idx_albums_artist_id")


def _create_indexes_on_existing_tables() -> None:
    """CONCURRENTLY when Alembic owns the transaction (the `alembic` command, Flask-Migrate).

    Our CLI and the tests hand Alembic a connection already in a transaction, where
    `autocommit_block()` cannot commit; there the index is built in that transaction
    under the lock_timeout above.
    """
    context = op.get_context()
    if context._in_external_transaction:
        for name, table, columns in CONCURRENT_INDEXES:
            op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})")
        return
    with context.autocommit_block():
        for name, table, columns in CONCURRENT_INDEXES:
            op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} ({columns})")


def downgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min"))
    op.drop_index("idx_track_credits_artist_id", table_name="track_credits")
    op.drop_table("track_credits")
    op.execute("CREATE INDEX IF NOT EXISTS idx_albums_artist_id ON albums (artist_id)")
    for name, _table, _columns in CONCURRENT_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("ALTER TABLE albums DROP CONSTRAINT ck_albums_release_date_precision_known")
    op.drop_column("tracks", "version_key")
    op.drop_column("tracks", "title_key")
    op.drop_column("artists", "name_key")
    op.drop_column("albums", "title_key")
    op.drop_column("albums", "release_date_precision")
    op.execute("DROP FUNCTION IF EXISTS catalog_name_key(text)")
