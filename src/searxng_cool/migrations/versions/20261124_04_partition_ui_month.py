"""partition user_interactions by month (RANGE on created_at)

Replaces the plain `user_interactions` with a table partitioned by month, keeping every
row and every id (the id sequence moves to the new table). Partitions are
`user_interactions_pYYYY_MM` for every month that holds rows plus the current month and the
next three, and `user_interactions_default` for anything else. The primary key becomes
(id, created_at): a unique constraint on a partitioned table must include the partition key.
`mv_track_popularity` depends on the table, so it is dropped and recreated around the swap.

This is a table rewrite by nature, not a safe online change: PostgreSQL cannot turn a
table into a partitioned one in place, so every row is copied under an ACCESS EXCLUSIVE
lock on the old table (taken by the RENAME, bounded by lock_timeout so a busy table makes
the migration fail fast instead of queueing every writer behind it). Run it in a
maintenance window; the copy costs about as much as the table's size.

The downgrade rewrites it back into a plain table with a primary key on id alone, keeping
every row of the attached partitions (partitions detached for archiving are separate
tables by then, and stay as they are).

Revision ID: 20261124_2045_partition_ui_month
Revises: 20261124_2046_playlists_editing
Create Date: 2026-11-24 20:45:00
"""

from collections.abc import Sequence

from alembic import op

from searxng_cool.db import sql

revision: str = "20261124_2045_partition_ui_month"
down_revision: str | Sequence[str] | None = "20261124_2046_playlists_editing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "id, user_id, track_id, interaction_type, play_duration_ms, context, created_at"
SPEC_INDEXES = (
    "idx_user_interactions_user_id",
    "idx_user_interactions_track_id",
    "idx_user_interactions_composite",
    "idx_user_interactions_created",
)

# Everything but the primary key, which differs between the two shapes.
COLUMNS_AND_CONSTRAINTS = """
    id bigint NOT NULL DEFAULT nextval('user_interactions_id_seq'::regclass),
    user_id integer NOT NULL,
    track_id integer NOT NULL,
    interaction_type varchar(20) NOT NULL,
    play_duration_ms integer,
    context jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT check_play_duration CHECK (play_duration_ms >= 0),
    CONSTRAINT ck_user_interactions_interaction_type_known CHECK (interaction_type IN
        ('play', 'like', 'unlike', 'dislike', 'skip', 'share', 'save', 'unsave',
         'playlist_add', 'playlist_remove')),
    CONSTRAINT ck_user_interactions_context_is_object CHECK (jsonb_typeof(context) = 'object'),
    CONSTRAINT fk_user_interactions_track_id_tracks FOREIGN KEY (track_id)
        REFERENCES tracks (id) ON DELETE RESTRICT,
    CONSTRAINT fk_user_interactions_user_id_users FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE"""

# One partition per month that holds rows, and the current month plus the next three.
CREATE_MONTHLY_PARTITIONS = """
DO $$
DECLARE
    first_day date;
BEGIN
    FOR first_day IN
        SELECT DISTINCT date_trunc('month', created_at AT TIME ZONE 'UTC')::date
          FROM user_interactions_unpartitioned
        UNION
        SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => ahead))::date
          FROM generate_series(0, 3) AS ahead
        ORDER BY 1
    LOOP
        PERFORM ensure_user_interactions_partition(first_day);
    END LOOP;
END
$$
"""


def _create_spec_indexes() -> None:
    op.execute("CREATE INDEX idx_user_interactions_user_id ON user_interactions (user_id)")
    op.execute("CREATE INDEX idx_user_interactions_track_id ON user_interactions (track_id)")
    op.execute(
        "CREATE INDEX idx_user_interactions_composite"
        " ON user_interactions (user_id, track_id, interaction_type)"
    )
    op.execute("CREATE INDEX idx_user_interactions_created ON user_interactions (created_at DESC)")


def _set_aside_current_table(new_name: str) -> None:
    """Rename the table and free the names that live in the schema (indexes, PK, sequence)."""
    op.execute(f"ALTER TABLE user_interactions RENAME TO {new_name}")
    op.execute(f"DROP INDEX {', '.join(SPEC_INDEXES)}")
    op.execute(f"ALTER TABLE {new_name} DROP CONSTRAINT pk_user_interactions")
    op.execute(f"ALTER TABLE {new_name} ALTER COLUMN id DROP DEFAULT")
    op.execute("ALTER SEQUENCE user_interactions_id_seq OWNED BY NONE")


def _owned_like(set_aside: str) -> None:
    """Give the new table the owner of the one it replaces (the schema owner's role once
    `init` has handed objects over), so the sequence, which that role owns, can belong to it."""
    op.execute(
        "DO $$ BEGIN EXECUTE format('ALTER TABLE user_interactions OWNER TO %I', "
        f"(SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = '{set_aside}'))"
        "; END $$"
    )


def upgrade() -> None:
    # 60 min bounds the copy of every row; a gated run uses its configured timeouts instead
    # (give a large table more with --statement-timeout-ms)
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="60min"))
    op.execute("DROP MATERIALIZED VIEW mv_track_popularity")
    _set_aside_current_table("user_interactions_unpartitioned")
    op.execute(
        f"CREATE TABLE user_interactions ({COLUMNS_AND_CONSTRAINTS},"
        " CONSTRAINT pk_user_interactions PRIMARY KEY (id, created_at)"
        ") PARTITION BY RANGE (created_at)"
    )
    _owned_like("user_interactions_unpartitioned")
    op.execute("ALTER SEQUENCE user_interactions_id_seq OWNED BY user_interactions.id")
    # Indexes on the empty parent are instant; each partition gets its own copy on attach.
    _create_spec_indexes()
    op.execute("CREATE TABLE user_interactions_default PARTITION OF user_interactions DEFAULT")
    op.execute(sql.load("user_interactions_partition_v1"))
    op.execute(CREATE_MONTHLY_PARTITIONS)
    op.execute(
        f"INSERT INTO user_interactions ({COLUMNS})"
        f" SELECT {COLUMNS} FROM user_interactions_unpartitioned"
    )
    op.execute("DROP TABLE user_interactions_unpartitioned")
    op.execute(sql.load("mv_track_popularity_v1"))


def downgrade() -> None:
    # 60 min bounds the copy of every row; a gated run uses its configured timeouts instead
    # (give a large table more with --statement-timeout-ms)
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="60min"))
    op.execute("DROP MATERIALIZED VIEW mv_track_popularity")
    _set_aside_current_table("user_interactions_partitioned")
    op.execute(
        f"CREATE TABLE user_interactions ({COLUMNS_AND_CONSTRAINTS},"
        " CONSTRAINT pk_user_interactions PRIMARY KEY (id))"
    )
    _owned_like("user_interactions_partitioned")
    op.execute("ALTER SEQUENCE user_interactions_id_seq OWNED BY user_interactions.id")
    op.execute(
        f"INSERT INTO user_interactions ({COLUMNS})"
        f" SELECT {COLUMNS} FROM user_interactions_partitioned"
    )
    # Dropping the parent drops its attached partitions (their rows were copied above).
    op.execute("DROP TABLE user_interactions_partitioned")
    op.execute("DROP FUNCTION ensure_user_interactions_partition(date)")
    # Built after the copy: one sort per index instead of a million insertions.
    _create_spec_indexes()
    op.execute(sql.load("mv_track_popularity_v1"))
