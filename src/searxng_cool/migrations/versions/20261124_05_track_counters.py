"""track_play_counters: per-track totals kept current by statement triggers

Creates `track_play_counters`, the trigger function `track_play_counters_apply()` and its
four statement-level triggers on `user_interactions` (INSERT, UPDATE, DELETE with transition
tables; TRUNCATE), then fills the counters from the rows already there. A new play is
counted when its statement ends, without refreshing `mv_track_popularity`.

Creating the triggers takes a SHARE ROW EXCLUSIVE lock on `user_interactions` until commit,
so no event slips between the backfill and the triggers; lock_timeout bounds the wait.

Revision ID: 20261124_2051_track_counters
Revises: 20261124_2045_partition_ui_month
Create Date: 2026-11-24 20:51:25.358315
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from searxng_cool.db import sql

revision: str = "20261124_2051_track_counters"
down_revision: str | Sequence[str] | None = "20261124_2045_partition_ui_month"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = ("insert", "update", "delete", "truncate")


def _counter(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), server_default=sa.text("0"), nullable=False)


def upgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min"))
    op.create_table(
        "track_play_counters",
        sa.Column("track_id", sa.Integer(), nullable=False),
        _counter("total_interactions"),
        _counter("total_plays"),
        _counter("total_likes"),
        _counter("play_duration_sum_ms"),
        _counter("timed_plays"),
        sa.Column("last_played_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "total_interactions >= 0 AND total_plays >= 0 AND total_likes >= 0"
            " AND play_duration_sum_ms >= 0 AND timed_plays >= 0",
            name=op.f("ck_track_play_counters_counters_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_track_play_counters_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("track_id", name=op.f("pk_track_play_counters")),
    )
    op.execute(sql.load("track_play_counters_v1"))


def downgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min"))
    for event in TRIGGERS:
        op.execute(f"DROP TRIGGER track_play_counters_on_{event} ON user_interactions")
    op.execute("DROP FUNCTION track_play_counters_apply()")
    op.drop_table("track_play_counters")
