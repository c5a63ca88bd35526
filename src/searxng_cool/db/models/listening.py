"""Listening: per-track counters kept current as interactions arrive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, text
from sqlalchemy.orm import Mapped, mapped_column

from searxng_cool.db.models.base import Base


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
