"""search index update triggers: changed rows by EXCEPT; popularity-only track updates

Replaces the three UPDATE trigger functions of the search index
(`db/sql/search_index_updates_v2.sql`): they found the changed rows of a statement by
joining old_rows to new_rows, a plan PL/pgSQL caches after its first use in a session, so
a nested loop planned for a small UPDATE made a later UPDATE of 50,000 rows quadratic.
A track whose only change is its popularity keeps its document: its entry's popularity is
set directly (`search_refresh_track_popularity`) instead of recomputing three documents.
Same results, same triggers; only function bodies change. The downgrade restores the v1
bodies from `db/sql/search_index_v1.sql` and drops the new function.

Revision ID: 20261124_2246_search_triggers
Revises: 20261124_2249_title_trigram
Create Date: 2026-11-24 22:46:15.219997
"""

import re
from collections.abc import Sequence

from alembic import op

from searxng_cool.db import sql

revision: str = "20261124_2246_search_triggers"
down_revision: str | Sequence[str] | None = "20261124_2249_title_trigram"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = (
    "search_index_artists_updated",
    "search_index_albums_updated",
    "search_index_tracks_updated",
)


def _v1_definition(name: str) -> str:
    """The CREATE OR REPLACE FUNCTION statement of `name` in search_index_v1.sql."""
    match = re.search(
        rf"^CREATE OR REPLACE FUNCTION {name}\(\).*?^\$\$;$",
        sql.load("search_index_v1"),
        re.MULTILINE | re.DOTALL,
    )
    if match is None:
        raise LookupError(f"{name} is not defined in search_index_v1.sql")
    return match.group(0)


def upgrade() -> None:
    # CREATE OR REPLACE FUNCTION locks only the function's catalog row.
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="1min"))
    op.execute(sql.load("search_index_updates_v2"))


def downgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="1min"))
    for name in FUNCTIONS:
        op.execute(_v1_definition(name))
    op.execute("DROP FUNCTION IF EXISTS search_refresh_track_popularity(integer[])")
