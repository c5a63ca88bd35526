"""Listening: per-track counters kept current as interactions arrive."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, text
from sqlalchemy.orm import Mapped, mapped_column

from searxng_cool.db.models.base import Base, created_at_column, jsonb_is


def _counter() -> Mapped[int]:
    return mapped_column(BigInteger, server_default=text("0"))


class TrackPlayCounter(Base):
    """Running totals per track, maintained by statement-level triggers on `user_interactions`
    (db/sql/track_play_counters_v1.sql), so a new play is visible without refreshing
    `mv_track_popularity`. The same definitions as the view, so the two agree after a refresh.
    """

    __tablename__ = "track_play_counters"

    track_id: Mapped[int] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True
    )
    total_interactions: Mapped[int] = _counter()
    total_plays: Mapped[int] = _counter()
    total_likes: Mapped[int] = _counter()
    # AVG(play_duration_ms) of plays = play_duration_sum_ms / timed_plays (NULL durations skipped).
    play_duration_sum_ms: Mapped[int] = _counter()
    timed_plays: Mapped[int] = _counter()
    last_played_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(
            "total_interactions >= 0 AND total_plays >= 0 AND total_likes >= 0"
            " AND play_duration_sum_ms >= 0 AND timed_plays >= 0",
            name="counters_not_negative",
        ),
    )


class PlayingNow(Base):
    """What a listener says they are playing right now (ListenBrainz's `playing_now`).

    Not a play: one row per user, replaced by the next announcement and ignored once
    `expires_at` has passed (the track's duration after it started, or a default).
    """

    __tablename__ = "playing_now"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    track_metadata: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    started_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime]

    __table_args__ = (
        jsonb_is("track_metadata", "object"),
        CheckConstraint("expires_at > started_at", name="expires_after_start"),
    )
