"""Discovery sessions and the tracks presented in them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from searxng_cool.db.models.base import Base, created_at_column, jsonb_is, one_of

SESSION_TYPES = ("mood", "genre", "similarity", "playlist")
USER_ACTIONS = ("liked", "disliked", "skipped", "saved", "played", "shared")


class DiscoverySession(Base):
    __tablename__ = "discovery_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    session_type: Mapped[str] = mapped_column(String(50))
    parameters: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    started_at: Mapped[datetime] = created_at_column()
    ended_at: Mapped[datetime | None]
    feedback_score: Mapped[int | None]

    __table_args__ = (
        one_of("session_type", SESSION_TYPES, "session_type_known"),
        CheckConstraint("feedback_score BETWEEN 1 AND 5", name="feedback_score_range"),
        CheckConstraint("ended_at >= started_at", name="ended_after_start"),
        jsonb_is("parameters", "object"),
        Index("idx_discovery_sessions_user_id", "user_id"),
        Index("idx_discovery_sessions_started", text("started_at DESC")),
    )


class DiscoverySessionTrack(Base):
    __tablename__ = "discovery_session_tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("discovery_sessions.id", ondelete="CASCADE"))
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="RESTRICT"))
    position: Mapped[int]
    user_action: Mapped[str | None] = mapped_column(String(20))
    presented_at: Mapped[datetime] = created_at_column()
    # Why the track was shown: the recommender's score and its reasons, kept for audit.
    score: Mapped[float | None]
    reasons: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"))

    __table_args__ = (
        CheckConstraint("position >= 0", name="position_not_negative"),
        one_of("user_action", USER_ACTIONS, "user_action_known"),
        UniqueConstraint("session_id", "position"),
        jsonb_is("reasons", "array"),
        Index("idx_discovery_session_tracks_track_id", "track_id"),
        # A track is shown at most once per session; also the lookup for recording an action.
        Index("idx_discovery_session_tracks_session_track", "session_id", "track_id", unique=True),
    )
