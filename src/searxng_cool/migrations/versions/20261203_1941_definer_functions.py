"""functions the application role may call to do what only the owner may

`ensure_user_interactions_partition` becomes SECURITY DEFINER (v2), and the new
`refresh_track_popularity(refresh_concurrently)` refreshes `mv_track_popularity` as its owner:
the application role can create no table and owns no view, yet monthly partitions and
the popularity refresh keep working. Both run with a fixed search_path, and EXECUTE on
them is taken from PUBLIC here; `init` grants it to the application role. The downgrade
restores partition function v1 and drops the refresh function.

Revision ID: 20261203_1941_definer_functions
Revises: 20261203_1940_api_tokens_limiter
Create Date: 2026-12-03 19:41:00.000000
"""

from collections.abc import Sequence

from alembic import op

from searxng_cool.db import sql

revision: str = "20261203_1941_definer_functions"
down_revision: str | Sequence[str] | None = "20261203_1940_api_tokens_limiter"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFINER_FUNCTIONS = (
    "ensure_user_interactions_partition(date)",
    "refresh_track_popularity(boolean)",
)


def upgrade() -> None:
    # CREATE OR REPLACE FUNCTION locks only the function's catalog row.
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="1min"))
    op.execute(sql.load("user_interactions_partition_v2"))
    op.execute(sql.load("refresh_track_popularity_v1"))
    for function in DEFINER_FUNCTIONS:
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")


def downgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="1min"))
    op.execute("DROP FUNCTION refresh_track_popularity(boolean)")
    # CREATE OR REPLACE resets SECURITY DEFINER and the SET clause: v1 runs as its caller.
    op.execute(sql.load("user_interactions_partition_v1"))
    op.execute("GRANT EXECUTE ON FUNCTION ensure_user_interactions_partition(date) TO PUBLIC")
