"""discovery: tracks.audio_vector (cube, GiST), presented tracks' score and reasons

`tracks.audio_vector` is a STORED generated column over `audio_features` (the expression is
owned by `searxng_cool.db.models.audio_vector` and frozen here as text, so this revision
means the same thing forever). Adding a STORED generated column rewrites `tracks` under an
ACCESS EXCLUSIVE lock: accepted, because the alternative (a plain column kept by a trigger
or by every writer) lets the vector go stale when a bulk writer forgets it, and the table
is rewritten once, at deploy time, while it is still small. Indexes on existing tables are
built CONCURRENTLY; the CHECK is added NOT VALID then validated.

Revision ID: 20261124_2045_discovery_vector
Revises: 20261124_2046_catalog_ingest
Create Date: 2026-11-24 20:45:13.379744
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from searxng_cool.db import sql

revision: str = "20261124_2045_discovery_vector"
down_revision: str | Sequence[str] | None = "20261124_2046_catalog_ingest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIMENSIONS = (
    ("danceability", 0.0, 1.0),
    ("energy", 0.0, 1.0),
    ("loudness", -60.0, 60.0),
    ("speechiness", 0.0, 1.0),
    ("acousticness", 0.0, 1.0),
    ("instrumentalness", 0.0, 1.0),
    ("liveness", 0.0, 1.0),
    ("valence", 0.0, 1.0),
    ("tempo", 0.0, 250.0),
)  # (name, low, span): value scaled to (value - low) / span, clamped to 0..1


def _audio_vector_sql() -> str:
    numeric = " AND ".join(
        f"jsonb_typeof(audio_features -> '{name}') = 'number'" for name, _, _ in DIMENSIONS
    )
    scaled = ", ".join(
        f"LEAST(1.0, GREATEST(0.0, ((audio_features -> '{name}')::double precision"
        f" - ({low})) / {span}))"
        for name, low, span in DIMENSIONS
    )
    return f"CASE WHEN {numeric} THEN cube(ARRAY[{scaled}]) END"


class Cube(sa.types.UserDefinedType[object]):
    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "cube"


def upgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min"))
    op.add_column("discovery_session_tracks", sa.Column("score", sa.Double(), nullable=True))
    op.add_column(
        "discovery_session_tracks",
        sa.Column(
            "reasons",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
    )
    op.execute(
        "ALTER TABLE discovery_session_tracks ADD CONSTRAINT"
        " ck_discovery_session_tracks_reasons_is_array"
        " CHECK (jsonb_typeof(reasons) = 'array') NOT VALID"
    )
    op.execute(
        "ALTER TABLE discovery_session_tracks"
        " VALIDATE CONSTRAINT ck_discovery_session_tracks_reasons_is_array"
    )
    # Rewrites tracks (see the module docstring for why that is accepted).
    op.add_column(
        "tracks",
        sa.Column(
            "audio_vector", Cube(), sa.Computed(_audio_vector_sql(), persisted=True), nullable=True
        ),
    )
    _create_indexes(
        "UNIQUE INDEX {how} IF NOT EXISTS idx_discovery_session_tracks_session_track"
        " ON discovery_session_tracks (session_id, track_id)",
        "INDEX {how} IF NOT EXISTS idx_tracks_audio_vector ON tracks USING gist (audio_vector)",
    )


def _create_indexes(*statements: str) -> None:
    """CONCURRENTLY when Alembic owns the transaction (deploys via our CLI, `alembic`, flask).

    A caller that runs the upgrade inside its own transaction (the test-suite's stairway)
    cannot leave it for an autocommit block; there the plain form is used, in its transaction.
    """
    context = op.get_context()
    if context._in_external_transaction:
        for statement in statements:
            op.execute("CREATE " + statement.format(how=""))
        return
    with context.autocommit_block():
        for statement in statements:
            op.execute("CREATE " + statement.format(how="CONCURRENTLY"))


def downgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min"))
    op.drop_index("idx_tracks_audio_vector", table_name="tracks")
    op.drop_column("tracks", "audio_vector")
    op.drop_index(
        "idx_discovery_session_tracks_session_track", table_name="discovery_session_tracks"
    )
    op.execute(
        "ALTER TABLE discovery_session_tracks"
        " DROP CONSTRAINT ck_discovery_session_tracks_reasons_is_array"
    )
    op.drop_column("discovery_session_tracks", "reasons")
    op.drop_column("discovery_session_tracks", "score")
