"""playlists: version counter, collaborators, activity log, duration triggers, smart index

Adds `playlists.version` (NOT NULL DEFAULT 1, for stale-view detection), the
`playlist_collaborators` and `playlist_activity` tables, the triggers that keep
`playlists.total_duration_ms` equal to the sum of its tracks (and recomputes it once for
existing playlists), and `idx_tracks_popularity`, which lets a smart playlist sorted by
popularity stop after its limit. Touches only the playlists area's objects; the downgrade
removes all of them.

Revision ID: 20261124_2046_playlists_editing
Revises: 20261124_2044_operations_tables
Create Date: 2026-11-24 20:46:26.113168
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from searxng_cool.db import sql

revision: str = "20261124_2046_playlists_editing"
down_revision: str | Sequence[str] | None = "20261124_2044_operations_tables"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DURATION_TRIGGERS = (
    ("playlist_tracks_duration_insert", "playlist_tracks"),
    ("playlist_tracks_duration_delete", "playlist_tracks"),
    ("playlist_tracks_duration_update", "playlist_tracks"),
    ("tracks_duration_update", "tracks"),
)
DURATION_FUNCTIONS = (
    "playlist_tracks_duration_after_insert",
    "playlist_tracks_duration_after_delete",
    "playlist_tracks_duration_after_update",
    "tracks_duration_after_update",
)
RECOMPUTE_TOTALS = """
UPDATE playlists p
   SET total_duration_ms = COALESCE(
       (SELECT sum(COALESCE(t.duration_ms, 0)) FROM playlist_tracks pt
          JOIN tracks t ON t.id = pt.track_id WHERE pt.playlist_id = p.id), 0)
"""


def upgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min"))
    op.create_table(
        "playlist_activity",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("playlist_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column(
            "details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "action IN ('create', 'rename', 'describe', 'settings', 'add', 'remove', 'move', "
            "'reorder', 'dedupe', 'refresh', 'rules', 'collaborator_add', 'collaborator_remove')",
            name=op.f("ck_playlist_activity_action_known"),
        ),
        sa.CheckConstraint(
            "jsonb_typeof(details) = 'object'", name=op.f("ck_playlist_activity_details_is_object")
        ),
        sa.ForeignKeyConstraint(
            ["playlist_id"],
            ["playlists.id"],
            name=op.f("fk_playlist_activity_playlist_id_playlists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_playlist_activity_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playlist_activity")),
    )
    op.create_index("idx_playlist_activity_playlist_id", "playlist_activity", ["playlist_id", "id"])
    op.create_index("idx_playlist_activity_user_id", "playlist_activity", ["user_id"])
    op.create_table(
        "playlist_collaborators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playlist_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("can_add", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("can_remove", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("can_reorder", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "added_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["playlist_id"],
            ["playlists.id"],
            name=op.f("fk_playlist_collaborators_playlist_id_playlists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_playlist_collaborators_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playlist_collaborators")),
        sa.UniqueConstraint(
            "playlist_id", "user_id", name=op.f("uq_playlist_collaborators_playlist_id_user_id")
        ),
    )
    op.create_index("idx_playlist_collaborators_user_id", "playlist_collaborators", ["user_id"])

    # A constant default: PostgreSQL 11+ adds the column without rewriting the table.
    op.add_column(
        "playlists",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.execute(
        "ALTER TABLE playlists ADD CONSTRAINT ck_playlists_version_positive "
        "CHECK (version >= 1) NOT VALID"
    )
    op.execute("ALTER TABLE playlists VALIDATE CONSTRAINT ck_playlists_version_positive")

    op.execute(sql.load("playlist_total_duration_v1"))
    op.execute(RECOMPUTE_TOTALS)

    # Not CONCURRENTLY: the project's migration runner executes every revision inside the
    # caller's transaction, where Alembic's autocommit_block() cannot run (it asserts).
    # lock_timeout above bounds how long writers to tracks can be made to wait.
    # lint: allow index-not-concurrent -- gated upgrades run in one transaction, where CONCURRENTLY cannot; lock_timeout bounds the wait
    op.create_index(
        "idx_tracks_popularity", "tracks", [sa.text("popularity DESC NULLS LAST"), "id"]
    )


def downgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s"))
    op.drop_index("idx_tracks_popularity", table_name="tracks")
    for trigger, table in DURATION_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    for function in DURATION_FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.drop_constraint(op.f("ck_playlists_version_positive"), "playlists", type_="check")
    op.drop_column("playlists", "version")
    op.drop_index("idx_playlist_collaborators_user_id", table_name="playlist_collaborators")
    op.drop_table("playlist_collaborators")
    op.drop_index("idx_playlist_activity_user_id", table_name="playlist_activity")
    op.drop_index("idx_playlist_activity_playlist_id", table_name="playlist_activity")
    op.drop_table("playlist_activity")
