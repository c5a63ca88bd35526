"""Where each canonical entity came from: one row per (source_type, source_id).

A source row goes with its entity (ON DELETE CASCADE). Besides the spec's
`idx_track_sources_unique (track_id, source_type, source_id)`, an external id maps to
exactly one entity: UNIQUE (source_type, source_id) on each table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from searxng_cool.db.models.base import Base, not_blank

SOURCE_TYPE_FORMAT = "source_type ~ '^[a-z0-9_]+$'"


def _source_table_args(entity: str) -> tuple[object, ...]:
    table = f"{entity}_sources"
    return (
        CheckConstraint(SOURCE_TYPE_FORMAT, name="source_type_format"),
        not_blank("source_id"),
        UniqueConstraint("source_type", "source_id"),
        Index(f"idx_{table}_unique", f"{entity}_id", "source_type", "source_id", unique=True),
    )


class _SourceColumns:
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)
    source_type: Mapped[str] = mapped_column(String(50))
    source_id: Mapped[str] = mapped_column(String(255))
    source_uri: Mapped[str | None] = mapped_column(String(500))
    is_available: Mapped[bool] = mapped_column(server_default=text("true"))
    last_synced: Mapped[datetime | None]


class ArtistSource(_SourceColumns, Base):
    __tablename__ = "artist_sources"

    artist_id: Mapped[int] = mapped_column(ForeignKey("artists.id", ondelete="CASCADE"))
    __table_args__ = _source_table_args("artist")


class AlbumSource(_SourceColumns, Base):
    __tablename__ = "album_sources"

    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    __table_args__ = _source_table_args("album")


class TrackSource(_SourceColumns, Base):
    __tablename__ = "track_sources"

    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    __table_args__ = _source_table_args("track")
