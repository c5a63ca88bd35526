"""catalog_name_key without STRICT, so the planner inlines it

Replaces `catalog_name_key(text)` with `db/sql/catalog_name_key_v2.sql`: the same
expression, declared without STRICT (it returns NULL for NULL either way). A STRICT SQL
function whose body is not provably strict is never inlined, so every key cost a separate
SQL-function call; ingest computes hundreds of thousands of keys per million records.
No stored key changes. The downgrade restores v1.

Revision ID: 20261124_2310_name_key_inline
Revises: 20261124_2246_search_triggers
Create Date: 2026-11-24 23:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

from searxng_cool.db import sql

revision: str = "20261124_2310_name_key_inline"
down_revision: str | Sequence[str] | None = "20261124_2246_search_triggers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # CREATE OR REPLACE FUNCTION locks only the function's catalog row.
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="1min"))
    op.execute(sql.load("catalog_name_key_v2"))


def downgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="1min"))
    op.execute(sql.load("catalog_name_key_v1"))
