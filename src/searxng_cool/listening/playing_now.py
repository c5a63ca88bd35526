"""What a listener is playing right now: not a play, one per user, gone after it expires."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

# Without a duration, a "playing now" stays this long (ListenBrainz's PLAYING_NOW_MAX_DURATION).
DEFAULT_EXPIRY = timedelta(minutes=10)
MAX_EXPIRY = timedelta(days=1)


@dataclass(frozen=True)
class NowPlaying:
    track_metadata: dict[str, Any]
    started_at: datetime
    expires_at: datetime


def set_playing_now(
    connection: Connection,
    *,
    user_id: int,
    track_metadata: dict[str, Any],
    duration: timedelta | None = None,
) -> None:
    """Replace the user's playing-now; it expires after `duration` (the track's) or a default."""
    lasts = min(duration or DEFAULT_EXPIRY, MAX_EXPIRY)
    connection.execute(
        text(
            "INSERT INTO playing_now (user_id, track_metadata, started_at, expires_at)"
            " VALUES (:user, CAST(:metadata AS jsonb), now(), now() + :lasts)"
            " ON CONFLICT (user_id) DO UPDATE SET track_metadata = EXCLUDED.track_metadata,"
            " started_at = EXCLUDED.started_at, expires_at = EXCLUDED.expires_at"
        ),
        {"user": user_id, "metadata": json.dumps(track_metadata), "lasts": lasts},
    )


def get_playing_now(connection: Connection, *, user_id: int) -> NowPlaying | None:
    """The user's playing-now, or None when there is none or it has expired."""
    row = connection.execute(
        text(
            "SELECT track_metadata, started_at, expires_at FROM playing_now"
            " WHERE user_id = :user AND expires_at > now()"
        ),
        {"user": user_id},
    ).one_or_none()
    return None if row is None else NowPlaying(dict(row[0]), row[1], row[2])
