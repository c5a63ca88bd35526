"""tracks.audio_features: each feature within its documented range (CHECK)

Adds `ck_tracks_audio_features_in_range` (the expression comes from
`db.models.catalog.audio_features_in_range_sql`, written out here so that this revision
stays what it was when later code changes). Values already stored outside a range are
garbage the old ingest let through (`energy: 5`, `tempo: -1`): the upgrade removes those
keys (the rest of each track's features stay) before adding the constraint, so it cannot
fail on an existing catalog. The downgrade drops the constraint (removed values stay gone).

Revision ID: 20261203_1915_feature_ranges
Revises: 20261203_1905_counters_one_rule
Create Date: 2026-12-03 19:15:00.000000
"""

from collections.abc import Sequence

from alembic import op

from searxng_cool.db import sql

revision: str = "20261203_1915_feature_ranges"
down_revision: str | Sequence[str] | None = "20261203_1905_counters_one_rule"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RANGES = {
    "danceability": (0, 1),
    "energy": (0, 1),
    "key": (-1, 11),
    "loudness": (-60, 5),
    "mode": (0, 1),
    "speechiness": (0, 1),
    "acousticness": (0, 1),
    "instrumentalness": (0, 1),
    "liveness": (0, 1),
    "valence": (0, 1),
    "tempo": (0, 1000),
}
EXCLUSIVE_LOW = {"tempo"}


def _in_range(name: str) -> str:
    low, high = RANGES[name]
    value = f"(audio_features -> '{name}')::double precision"
    lower = f"{value} > {low}" if name in EXCLUSIVE_LOW else f"{value} >= {low}"
    return (
        f"CASE jsonb_typeof(audio_features -> '{name}') WHEN 'number' "
        f"THEN {lower} AND {value} <= {high} ELSE audio_features -> '{name}' IS NULL END"
    )


def upgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="30min"))
    for name in RANGES:
        op.execute(
            f"UPDATE tracks SET audio_features = audio_features - '{name}' "
            f"WHERE audio_features ? '{name}' AND NOT ({_in_range(name)})"
        )
    condition = "audio_features IS NULL OR (" + " AND ".join(map(_in_range, RANGES)) + ")"
    # NOT VALID, then VALIDATE: the scan of existing rows holds only a SHARE UPDATE
    # EXCLUSIVE lock, so reads and writes of tracks go on meanwhile.
    op.create_check_constraint(
        op.f("ck_tracks_audio_features_in_range"), "tracks", condition, postgresql_not_valid=True
    )
    op.execute("ALTER TABLE tracks VALIDATE CONSTRAINT ck_tracks_audio_features_in_range")


def downgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="1min"))
    op.drop_constraint(op.f("ck_tracks_audio_features_in_range"), "tracks", type_="check")
