"""The canonical catalog: artists, albums, tracks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Computed,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import TextClause

from searxng_cool.db.models.audio_vector import Cube, audio_vector_sql
from searxng_cool.db.models.base import (
    Base,
    created_at_column,
    jsonb_is,
    musicbrainz_id_format,
    not_blank,
    one_of,
    popularity_range,
    spec_check,
    updated_at_column,
)

# The keys of tracks.audio_features (Spotify's audio features), shared by ingest, search
# filters, smart-playlist rules and discovery.
AUDIO_FEATURES = (
    "danceability",
    "energy",
    "key",
    "loudness",
    "mode",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
)
# Each feature's documented range (Spotify's): ingest rejects a value outside it and the
# `audio_features_in_range` CHECK of tracks agrees. Tempo must be above 0 (0 means "no beat
# found" and is dropped on ingest); key -1 means "no key detected".
UNIT = (0.0, 1.0)
AUDIO_FEATURE_RANGES: dict[str, tuple[float, float]] = {
    "danceability": UNIT,
    "energy": UNIT,
    "key": (-1, 11),
    "loudness": (-60.0, 5.0),
    "mode": (0, 1),
    "speechiness": UNIT,
    "acousticness": UNIT,
    "instrumentalness": UNIT,
    "liveness": UNIT,
    "valence": UNIT,
    "tempo": (0.0, 1000.0),
}
EXCLUSIVE_LOW = frozenset({"tempo"})


def audio_features_in_range_sql() -> str:
    """The CHECK: each present feature is a number within its range (absent ones pass)."""
    parts = []
    for name, (low, high) in AUDIO_FEATURE_RANGES.items():
        value = f"(audio_features -> '{name}')::double precision"
        lower = f"{value} > {low:g}" if name in EXCLUSIVE_LOW else f"{value} >= {low:g}"
        # CASE, not AND: PostgreSQL may evaluate AND's operands in any order, and the cast
        # of a non-number would raise instead of failing the check.
        parts.append(
            f"CASE jsonb_typeof(audio_features -> '{name}') WHEN 'number' "
            f"THEN {lower} AND {value} <= {high:g} ELSE audio_features -> '{name}' IS NULL END"
        )
    return "audio_features IS NULL OR (" + " AND ".join(parts) + ")"


ALBUM_TYPES = (
    "album",
    "single",
    "ep",
    "compilation",
    "live",
    "soundtrack",
    "remix",
    "broadcast",
    "other",
)


def search_document(column: str) -> TextClause:
    """The spec's full-text expression, `to_tsvector('english', COALESCE(col, '') || ' ' ||
    COALESCE(search_vector, ''))`, written as PostgreSQL prints it back so that Alembic's
    comparison of the reflected index with the model finds no drift."""
    return text(
        f"to_tsvector('english'::regconfig, (COALESCE({column}, ''::character varying)::text"
        " || ' '::text) || COALESCE(search_vector, ''::text))"
    )


class Artist(Base):
    __tablename__ = "artists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    musicbrainz_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    genres: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"))
    aliases: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"))
    social_links: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    popularity: Mapped[float | None] = mapped_column(Float)
    country: Mapped[str | None] = mapped_column(String(2))
    search_vector: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    # Ingest's match key: catalog_name_key(name), so spellings of one name meet (catalog/).
    name_key: Mapped[str | None] = mapped_column(Text)

    albums: Mapped[list[Album]] = relationship(back_populates="artist", passive_deletes="all")
    tracks: Mapped[list[Track]] = relationship(back_populates="artist", passive_deletes="all")

    __table_args__ = (
        not_blank("name"),
        musicbrainz_id_format(),
        popularity_range(),
        CheckConstraint("country ~ '^[A-Z]{2}$'", name="country_iso_3166_alpha2"),
        jsonb_is("genres", "array"),
        jsonb_is("aliases", "array"),
        jsonb_is("social_links", "object"),
        Index("idx_artists_genres", "genres", postgresql_using="gin"),
        Index(
            "idx_artists_search",
            search_document("name"),
            postgresql_using="gin",
        ),
        Index("idx_artists_name_key", "name_key"),
    )


class Album(Base):
    __tablename__ = "albums"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    artist_id: Mapped[int | None] = mapped_column(ForeignKey("artists.id", ondelete="RESTRICT"))
    musicbrainz_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    album_type: Mapped[str | None] = mapped_column(String(50))
    release_date: Mapped[date | None]
    total_tracks: Mapped[int | None] = mapped_column(Integer)
    genres: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"))
    credits: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    cover_url_small: Mapped[str | None] = mapped_column(Text)
    cover_url_medium: Mapped[str | None] = mapped_column(Text)
    cover_url_large: Mapped[str | None] = mapped_column(Text)
    search_vector: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    # A source may give only a year (YYYY) or a month (YYYY-MM): release_date then holds the
    # first day and this says how much of it is known.
    release_date_precision: Mapped[str | None] = mapped_column(String(5))
    title_key: Mapped[str | None] = mapped_column(Text)

    artist: Mapped[Artist | None] = relationship(back_populates="albums")
    tracks: Mapped[list[Track]] = relationship(back_populates="album", passive_deletes="all")

    __table_args__ = (
        spec_check("check_total_tracks", "total_tracks >= 0"),
        not_blank("title"),
        musicbrainz_id_format(),
        one_of("album_type", ALBUM_TYPES, "album_type_known"),
        jsonb_is("genres", "array"),
        jsonb_is("credits", "object"),
        Index("idx_albums_genres", "genres", postgresql_using="gin"),
        CheckConstraint(
            "release_date_precision IN ('year', 'month', 'day')",
            name="release_date_precision_known",
        ),
        Index("idx_albums_artist_title_key", "artist_id", "title_key"),
    )


class Track(Base):
    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    artist_id: Mapped[int | None] = mapped_column(ForeignKey("artists.id", ondelete="RESTRICT"))
    album_id: Mapped[int | None] = mapped_column(ForeignKey("albums.id", ondelete="RESTRICT"))
    track_number: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    audio_features: Mapped[dict[str, Any] | None]
    # Discovery's KNN vector, derived from audio_features (see db/models/audio_vector.py).
    audio_vector: Mapped[str | None] = mapped_column(
        Cube(), Computed(audio_vector_sql(), persisted=True)
    )
    lyrics: Mapped[str | None] = mapped_column(Text)
    isrc: Mapped[str | None] = mapped_column(String(12))
    popularity: Mapped[float | None] = mapped_column(Float)
    search_vector: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    # Ingest's match key: the base title without version tags or featured artists, and the
    # version tag apart ('' for none), so "Song - Live" never merges with "Song".
    title_key: Mapped[str | None] = mapped_column(Text)
    version_key: Mapped[str] = mapped_column(Text, server_default=text("''"))

    artist: Mapped[Artist | None] = relationship(back_populates="tracks")
    album: Mapped[Album | None] = relationship(back_populates="tracks")

    __table_args__ = (
        spec_check("check_duration", "duration_ms >= 0"),
        not_blank("title"),
        popularity_range(),
        CheckConstraint("track_number > 0", name="track_number_positive"),
        CheckConstraint("isrc ~ '^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$'", name="isrc_format"),
        jsonb_is("audio_features", "object", nullable=True),
        CheckConstraint(audio_features_in_range_sql(), name="audio_features_in_range"),
        Index("idx_tracks_artist_id", "artist_id"),
        Index("idx_tracks_album_id", "album_id"),
        Index("idx_tracks_artist_album", "artist_id", "album_id"),
        Index("idx_tracks_isrc", "isrc"),
        # Smart playlists sorted by popularity stop after their limit, and discovery's cold
        # start reads the most popular tracks without sorting the catalog (playlists revision).
        Index("idx_tracks_popularity", text("popularity DESC NULLS LAST"), "id"),
        Index("idx_tracks_audio_features", "audio_features", postgresql_using="gin"),
        Index("idx_tracks_audio_vector", "audio_vector", postgresql_using="gist"),
        Index(
            "idx_tracks_search",
            search_document("title"),
            postgresql_using="gin",
        ),
        Index("idx_tracks_match_key", "artist_id", "title_key", "version_key"),
        # Smart-playlist title rules (contains/startsWith/endsWith compile to ILIKE): the
        # trigram index finds a pattern of 3+ characters without reading every track.
        Index(
            "idx_tracks_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ),
    )
