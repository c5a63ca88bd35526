"""The search index: one typed, weighted document per artist, album and track, and the
distinct words of all documents for the typo fallback.

Both tables are derived data. Statement-level triggers on artists, albums and tracks keep
them current for any writer (`db/sql/search_index_v1.sql`); `search_index_refresh()`
rebuilds them. Nothing else writes here.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from searxng_cool.db.models.base import Base

SEARCH_KINDS = ("track", "artist", "album")


class SearchEntry(Base):
    """One row per searchable entity.

    `document` weights the entity's own name A, the artist B, album and aliases C (for an
    artist: name A, aliases B), all accent-stripped with the `simple` configuration so
    names are neither stemmed nor lose stop words ("The The", "Let It Be").
    `name_norm` is the name's words, space-joined, for exact-name ranking.
    """

    __tablename__ = "search_entries"

    kind: Mapped[str] = mapped_column(Text)
    entity_id: Mapped[int] = mapped_column(Integer)
    name_norm: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(TSVECTOR)
    popularity: Mapped[float] = mapped_column(Float, server_default=text("0"))

    __table_args__ = (
        PrimaryKeyConstraint("kind", "entity_id", name="pk_search_entries"),
        CheckConstraint("kind IN ('track', 'artist', 'album')", name="kind_known"),
        # A small pending list: every search scans it whole, so the default 4 MB costs
        # each lookup milliseconds after a bulk write until (auto)vacuum merges it.
        Index(
            "idx_search_entries_document",
            "document",
            postgresql_using="gin",
            postgresql_with={"gin_pending_list_limit": 256},
        ),
        # Equality on the name, read backwards for the most popular first.
        Index("idx_search_entries_name", "name_norm", "popularity"),
    )


class SearchWord(Base):
    """Every distinct lexeme of every document: the small table the typo fallback searches
    with trigram distance instead of scanning every track."""

    __tablename__ = "search_words"

    word: Mapped[str] = mapped_column(Text, primary_key=True)

    __table_args__ = (
        Index(
            "idx_search_words_trgm",
            "word",
            postgresql_using="gist",
            postgresql_ops={"word": "gist_trgm_ops"},
        ),
    )


class SearchWordVariant(Base):
    """Each lexicon word under itself and under each of its one-letter deletions ("again":
    again, gain, aain, agin, agan, agai), so the words within one edit of a query word (a
    deletion, insertion, substitution or adjacent transposition) are found by looking up the
    query word's own deletions: a few btree probes instead of a trigram scan (symmetric
    delete). Kept by triggers on `search_words` (`db/sql/search_word_variants_v1.sql`)."""

    __tablename__ = "search_word_variants"

    variant: Mapped[str] = mapped_column(Text)
    # No foreign key to search_words: its per-row checks made adding 2,000 words take a
    # minute; a DELETE trigger on search_words removes the variants of its words instead.
    word: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        PrimaryKeyConstraint("variant", "word", name="pk_search_word_variants"),
        # The DELETE trigger finds a word's variants by word.
        Index("idx_search_word_variants_word", "word"),
    )
