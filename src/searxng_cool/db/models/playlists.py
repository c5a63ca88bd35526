"""Playlists and their ordered tracks.

`(playlist_id, position)` is unique through a DEFERRABLE INITIALLY DEFERRED constraint, so a
reorder can shift positions inside one transaction and be checked at commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from searxng_cool.db.models.base import (
    Base,
    created_at_column,
    jsonb_is,
    not_blank,
    updated_at_column,
)


class Playlist(Base):
    __tablename__ = "playlists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    is_public: Mapped[bool] = mapped_column(server_default=text("false"))
    is_collaborative: Mapped[bool] = mapped_column(server_default=text("false"))
    tags: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"))
    dynamic_rules: Mapped[dict[str, Any] | None]
    total_duration_ms: Mapped[int] = mapped_column(server_default=text("0"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    entries: Mapped[list[PlaylistTrack]] = relationship(
        order_by="PlaylistTrack.position", passive_deletes=True
    )

    __table_args__ = (
        not_blank("name"),
        CheckConstraint("total_duration_ms >= 0", name="total_duration_not_negative"),
        jsonb_is("tags", "array"),
        jsonb_is("dynamic_rules", "object", nullable=True),
        Index("idx_playlists_owner_id", "owner_id"),
        Index("idx_playlists_tags", "tags", postgresql_using="gin"),
    )


class PlaylistTrack(Base):
    __tablename__ = "playlist_tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(ForeignKey("playlists.id", ondelete="CASCADE"))
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="RESTRICT"))
    position: Mapped[int]
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("position >= 0", name="position_not_negative"),
        UniqueConstraint(
            "playlist_id",
            "position",
            name="idx_playlist_position",
            deferrable=True,
            initially="DEFERRED",
        ),
        Index("idx_playlist_tracks_track_id", "track_id"),
        Index("idx_playlist_tracks_added_by", "added_by"),
    )
