"""Playlists, their ordered tracks, collaborators and the activity log of every edit.

`(playlist_id, position)` is unique through a DEFERRABLE INITIALLY DEFERRED constraint, so a
reorder can shift positions inside one transaction and be checked at commit.
`total_duration_ms` is kept equal to the sum of the tracks' durations by triggers
(`db/sql/playlist_total_duration_v1.sql`), whoever writes the rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from searxng_cool.db.models.base import (
    Base,
    created_at_column,
    jsonb_is,
    not_blank,
    one_of,
    updated_at_column,
)

# What the activity log records; one row per edit, written by playlists/activity.py.
PLAYLIST_ACTIONS = (
    "create",
    "rename",
    "describe",
    "settings",
    "add",
    "remove",
    "move",
    "reorder",
    "dedupe",
    "refresh",
    "rules",
    "collaborator_add",
    "collaborator_remove",
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
    # BIGINT, not the spec's INTEGER: 2^31 ms is 24.8 days, which a smart playlist of a large
    # catalog exceeds (see docs/DATABASE.md, deviations).
    total_duration_ms: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    # Bumped by every edit, so a client can tell its view is stale (optimistic concurrency).
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    entries: Mapped[list[PlaylistTrack]] = relationship(
        order_by="PlaylistTrack.position", passive_deletes=True
    )

    __table_args__ = (
        not_blank("name"),
        CheckConstraint("total_duration_ms >= 0", name="total_duration_not_negative"),
        CheckConstraint("version >= 1", name="version_positive"),
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


class PlaylistCollaborator(Base):
    """A user the owner lets edit a collaborative playlist, with what they may do."""

    __tablename__ = "playlist_collaborators"

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(ForeignKey("playlists.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    can_add: Mapped[bool] = mapped_column(server_default=text("true"))
    can_remove: Mapped[bool] = mapped_column(server_default=text("true"))
    can_reorder: Mapped[bool] = mapped_column(server_default=text("true"))
    added_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint("playlist_id", "user_id"),
        Index("idx_playlist_collaborators_user_id", "user_id"),
    )


class PlaylistActivity(Base):
    """Who changed a playlist, how and when; `version` is the playlist's version after it."""

    __tablename__ = "playlist_activity"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    playlist_id: Mapped[int] = mapped_column(ForeignKey("playlists.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        one_of("action", PLAYLIST_ACTIONS, "action_known"),
        jsonb_is("details", "object"),
        Index("idx_playlist_activity_playlist_id", "playlist_id", "id"),
        Index("idx_playlist_activity_user_id", "user_id"),
    )
