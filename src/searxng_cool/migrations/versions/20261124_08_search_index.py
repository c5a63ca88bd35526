"""search index: weighted documents for artists, albums and tracks, and the typo words

Creates `search_entries` (one weighted tsvector per entity) and `search_words` (distinct
lexemes with a GiST trigram index), the functions and statement-level triggers that keep
them current for any writer (`db/sql/search_index_v1.sql`), and fills them from the rows
already there. Touches no existing column or index; the downgrade removes all of it.

Revision ID: 20261124_2050_search_index
Revises: 20261124_2045_discovery_vector
Create Date: 2026-11-24 20:50:44.584632
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from searxng_cool.db import sql

revision: str = "20261124_2050_search_index"
down_revision: str | Sequence[str] | None = "20261124_2045_discovery_vector"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = {
    "artists": (
        "artists_search_vector",
        "artists_search_inserted",
        "artists_search_updated",
        "artists_search_deleted",
        "artists_search_truncated",
    ),
    "albums": (
        "albums_search_inserted",
        "albums_search_updated",
        "albums_search_deleted",
        "albums_search_truncated",
    ),
    "tracks": (
        "tracks_search_inserted",
        "tracks_search_updated",
        "tracks_search_deleted",
        "tracks_search_truncated",
    ),
}
FUNCTIONS = (
    "search_vector_from_aliases()",
    "search_index_truncated()",
    "search_index_deleted()",
    "search_index_tracks_updated()",
    "search_index_tracks_inserted()",
    "search_index_albums_updated()",
    "search_index_albums_inserted()",
    "search_index_artists_updated()",
    "search_index_artists_inserted()",
    "search_index_rebuild()",
    "search_forget(text, integer[])",
    "search_refresh_tracks(integer[])",
    "search_refresh_albums(integer[])",
    "search_refresh_artists(integer[])",
    "search_aliases_text(jsonb)",
    'search_weighted(text, "char")',
    "search_fuzzy_tsquery(text[])",
    "search_tsquery(text[], boolean)",
    "search_quote_lexeme(text)",
    "search_name_norm(text)",
    "search_words_of(text)",
)


def upgrade() -> None:
    # CREATE TRIGGER takes a SHARE ROW EXCLUSIVE lock on artists, albums and tracks:
    # give up rather than queue behind a long writer and block every reader. The backfill
    # reads every row once (minutes at millions of tracks), hence the statement bound.
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="60min"))
    op.create_table(
        "search_entries",
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("name_norm", sa.Text(), nullable=False),
        sa.Column("document", postgresql.TSVECTOR(), nullable=False),
        sa.Column("popularity", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(
            "kind IN ('track', 'artist', 'album')", name=op.f("ck_search_entries_kind_known")
        ),
        sa.PrimaryKeyConstraint("kind", "entity_id", name="pk_search_entries"),
    )
    op.create_table(
        "search_words",
        sa.Column("word", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_words")),
    )
    op.execute(sql.load("search_index_v1"))
    # Fill from existing rows before indexing: one bulk build beats row-by-row inserts.
    op.execute("SELECT search_index_rebuild()")
    # Both tables are new in this revision, so nobody else can be waiting on them.
    op.create_index(
        "idx_search_entries_document",
        "search_entries",
        ["document"],
        postgresql_using="gin",
        postgresql_with={"gin_pending_list_limit": 256},
    )
    op.create_index("idx_search_entries_name", "search_entries", ["name_norm", "popularity"])
    op.create_index(
        "idx_search_words_trgm",
        "search_words",
        ["word"],
        postgresql_using="gist",
        postgresql_ops={"word": "gist_trgm_ops"},
    )


def downgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min"))
    for table, triggers in TRIGGERS.items():
        for trigger in triggers:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.drop_table("search_words")
    op.drop_table("search_entries")
