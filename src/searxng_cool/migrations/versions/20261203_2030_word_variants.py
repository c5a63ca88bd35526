"""search_word_variants: the typo tolerance's symmetric-delete lexicon

Adds `search_word_variants (variant, word)`: every word of `search_words` under itself and
each of its one-letter deletions, so the words within one edit of a query word are found
by btree lookups of the query word's own deletions (`catalog/search_typos.py`); a trigram
nearest-neighbour scan of the words took 15-40 ms. A statement-level trigger on
`search_words` keeps it current and a second removes the variants of deleted words
(`db/sql/search_word_variants_v1.sql`); the existing words are back-filled here. The downgrade drops the trigger, its functions and the table.

Revision ID: 20261203_2030_word_variants
Revises: 20261203_1950_catalog_version
Create Date: 2026-12-03 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from searxng_cool.db import sql

revision: str = "20261203_2030_word_variants"
down_revision: str | Sequence[str] | None = "20261203_1950_catalog_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A new table, and a trigger on the derived words table; the back-fill writes about
    # eight rows per word (a few seconds per hundred thousand words).
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min"))
    op.create_table(
        "search_word_variants",
        sa.Column("variant", sa.Text(), nullable=False),
        sa.Column("word", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("variant", "word", name="pk_search_word_variants"),
    )
    op.create_index("idx_search_word_variants_word", "search_word_variants", ["word"])
    op.execute(sql.load("search_word_variants_v1"))
    op.execute(
        "INSERT INTO search_word_variants (variant, word)"
        " SELECT v, w.word FROM search_words w"
        " CROSS JOIN LATERAL search_word_variants_of(w.word) AS v ORDER BY 1, 2"
    )


def downgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="1min"))
    op.execute("DROP TRIGGER IF EXISTS search_words_variants ON search_words")
    op.execute("DROP TRIGGER IF EXISTS search_words_variants_removed ON search_words")
    op.execute("DROP FUNCTION IF EXISTS search_word_variants_added()")
    op.execute("DROP FUNCTION IF EXISTS search_word_variants_removed()")
    op.execute("DROP FUNCTION IF EXISTS search_word_variants_of(text)")
    op.drop_index("idx_search_word_variants_word", table_name="search_word_variants")
    op.drop_table("search_word_variants")
