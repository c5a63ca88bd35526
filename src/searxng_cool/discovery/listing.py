"""Listing discovery sessions: whose, what kind, open or ended, how many tracks shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from searxng_cool.errors import InvalidInput

MAX_LISTED = 1000


@dataclass(frozen=True)
class SessionSummary:
    id: int
    user_id: int
    username: str
    session_type: str
    started_at: datetime
    ended_at: datetime | None
    feedback_score: int | None
    presented: int


def list_sessions(
    connection: Connection, *, user_id: int | None = None, limit: int = 100
) -> list[SessionSummary]:
    """Sessions, newest first; only `user_id`'s when given."""
    if not 1 <= limit <= MAX_LISTED:
        raise InvalidInput(f"limit {limit} is out of range 1..{MAX_LISTED}")
    rows = connection.execute(
        text(
            "SELECT s.id, s.user_id, u.username, s.session_type, s.started_at, s.ended_at,"
            "       s.feedback_score,"
            "       (SELECT count(*) FROM discovery_session_tracks t"
            "         WHERE t.session_id = s.id) AS presented"
            "  FROM discovery_sessions s JOIN users u ON u.id = s.user_id"
            " WHERE CAST(:user_id AS integer) IS NULL OR s.user_id = :user_id"
            " ORDER BY s.started_at DESC, s.id DESC LIMIT :limit"
        ),
        {"user_id": user_id, "limit": limit},
    ).mappings()
    return [SessionSummary(**row) for row in rows]
