"""trigram index on tracks.title for smart-playlist title rules

Smart-playlist rules on the title (contains, notContains, startsWith, endsWith) compile
to `title ILIKE '%...%'`, which no B-tree can serve: at 1M tracks "title contains '777'"
read every row (285-610 ms). A GIN `gin_trgm_ops` index answers any ILIKE pattern with
3+ characters from the index (pg_trgm is created by the initial schema). Built
CONCURRENTLY outside the transaction when Alembic owns it, so ingest keeps writing.

Revision ID: 20261124_2249_title_trigram
Revises: 20261124_2050_search_index
Create Date: 2026-11-24 22:49:21.965342
"""

from collections.abc import Sequence

from alembic import op

from searxng_cool.db import sql

revision: str = "20261124_2249_title_trigram"
down_revision: str | Sequence[str] | None = "20261124_2050_search_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "INDEX {how} IF NOT EXISTS idx_tracks_title_trgm ON tracks USING gin (title gin_trgm_ops)"


def upgrade() -> None:
    # About 3 s per million tracks on the embedded cluster; the bound leaves room for more.
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min"))
    context = op.get_context()
    if context._in_external_transaction:
        # Our CLI and the tests hand Alembic a connection already in a transaction, where
        # autocommit_block() cannot commit: the index is built there, under lock_timeout.
        op.execute("CREATE " + INDEX.format(how=""))
        return
    with context.autocommit_block():
        op.execute("CREATE " + INDEX.format(how="CONCURRENTLY"))


def downgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min"))
    op.execute("DROP INDEX IF EXISTS idx_tracks_title_trgm")
