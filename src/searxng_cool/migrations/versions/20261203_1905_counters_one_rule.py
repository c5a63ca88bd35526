"""track play counters: each rule in one SQL function

Loads `track_play_counters_v2.sql`: the per-track sum of a set of interaction rows
(`track_play_counts_query`), the arithmetic that adds it to or takes it from the counters
(`track_play_counters_merge`), and `track_play_counters_count(regclass, direction)` for the
Python paths whose rows bypass the triggers (a detached partition, an offline-filled month).
The statement triggers keep their names and now call the same functions. Downgrade restores
the v1 trigger function and drops the new ones.

Revision ID: 20261203_1905_counters_one_rule
Revises: 20261124_2310_name_key_inline
Create Date: 2026-12-03 19:05:00
"""

from collections.abc import Sequence

from alembic import op

from searxng_cool.db import sql

revision: str = "20261203_1905_counters_one_rule"
down_revision: str | Sequence[str] | None = "20261124_2310_name_key_inline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_FUNCTIONS = (
    "track_play_counters_count(regclass, integer)",
    "track_play_counters_merge(track_play_counters[], integer)",
    "track_play_counts_query(text)",
)


def upgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s"))
    op.execute(sql.load("track_play_counters_v2"))


def downgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s"))
    # v1's file also creates the triggers and fills the counters: only its function is
    # restored here (the triggers call it by name and stay as they are).
    v1_function = sql.load("track_play_counters_v1").split("\nCREATE TRIGGER", 1)[0]
    op.execute(v1_function)
    for function in NEW_FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")
