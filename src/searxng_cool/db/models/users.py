"""Accounts, their interaction log, and the music profile learned from it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from searxng_cool.db.models.base import (
    Base,
    created_at_column,
    jsonb_is,
    not_blank,
    one_of,
    spec_check,
    updated_at_column,
)

INTERACTION_TYPES = (
    "play",
    "like",
    "unlike",
    "dislike",
    "skip",
    "share",
    "save",
    "unsave",
    "playlist_add",
    "playlist_remove",
)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))
    is_admin: Mapped[bool] = mapped_column(server_default=text("false"))
    preferences: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        not_blank("username"),
        CheckConstraint("email ~ '^[^@\\s]+@[^@\\s]+$'", name="email_format"),
        jsonb_is("preferences", "object"),
    )


class UserInteraction(Base):
    """One event of the audit trail. BIGSERIAL: the log outgrows 2^31 events first.

    Partitioned by month on `created_at` (RANGE), so the primary key must include it;
    partitions are named `user_interactions_pYYYY_MM` plus `user_interactions_default`
    and are made by `listening.partitions`, not declared here.
    """

    __tablename__ = "user_interactions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="RESTRICT"))
    interaction_type: Mapped[str] = mapped_column(String(20))
    play_duration_ms: Mapped[int | None] = mapped_column(Integer)
    context: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(primary_key=True, server_default=func.now())

    __table_args__ = (
        spec_check("check_play_duration", "play_duration_ms >= 0"),
        one_of("interaction_type", INTERACTION_TYPES, "interaction_type_known"),
        jsonb_is("context", "object"),
        Index("idx_user_interactions_user_id", "user_id"),
        Index("idx_user_interactions_track_id", "track_id"),
        Index("idx_user_interactions_composite", "user_id", "track_id", "interaction_type"),
        Index("idx_user_interactions_created", text("created_at DESC")),
        {"postgresql_partition_by": "RANGE (created_at)"},
    )


class UserMusicProfile(Base):
    __tablename__ = "user_music_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    audio_preferences: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    genre_preferences: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    discovery_settings: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    last_updated: Mapped[datetime] = created_at_column()

    __table_args__ = (
        jsonb_is("audio_preferences", "object"),
        jsonb_is("genre_preferences", "object"),
        jsonb_is("discovery_settings", "object"),
    )
