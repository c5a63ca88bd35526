"""Love/hate feedback on recordings, as ListenBrainz scores it: 1 like, -1 dislike, 0 withdrawn.

Feedback is part of the interaction log (`like`, `dislike`, and `unlike` for a withdrawal);
a user's current feedback on a track is the latest of those three events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from searxng_cool.errors import InvalidInput
from searxng_cool.listening.recording import record_interaction

SCORES = {1: "like", -1: "dislike", 0: "unlike"}


@dataclass(frozen=True)
class Feedback:
    track_id: int
    score: int
    created: datetime


def give_feedback(connection: Connection, *, user_id: int, track_id: int, score: int) -> None:
    """Record the user's feedback on the track; score 0 withdraws what they gave before."""
    if isinstance(score, bool) or score not in SCORES:
        raise InvalidInput(f"score {score!r} is not 1 (love), -1 (hate) or 0 (withdraw)")
    record_interaction(
        connection,
        user_id=user_id,
        track_id=track_id,
        interaction_type=SCORES[score],
        context={"source": "feedback"},
    )


_CURRENT = """
WITH latest AS (
    SELECT DISTINCT ON (track_id) track_id, interaction_type, created_at
      FROM user_interactions
     WHERE user_id = :user AND interaction_type IN ('like', 'dislike', 'unlike')
     ORDER BY track_id, created_at DESC, id DESC
)
SELECT track_id, CASE interaction_type WHEN 'like' THEN 1 ELSE -1 END AS score, created_at,
       count(*) OVER () AS total
  FROM latest
 WHERE interaction_type <> 'unlike'
   AND (CAST(:score AS integer) IS NULL
        OR CASE interaction_type WHEN 'like' THEN 1 ELSE -1 END = :score)
 ORDER BY created_at DESC, track_id
 LIMIT :count OFFSET :offset
"""


def list_feedback(
    connection: Connection,
    *,
    user_id: int,
    score: int | None = None,
    count: int = 25,
    offset: int = 0,
) -> tuple[list[Feedback], int]:
    """The user's current feedback, newest first, and how many there are in all."""
    if score is not None and score not in (1, -1):
        raise InvalidInput(f"score {score} is not 1 (loved) or -1 (hated)")
    if count < 0 or offset < 0:
        raise InvalidInput(f"count {count} and offset {offset} must be >= 0")
    rows = connection.execute(
        text(_CURRENT),
        {"user": user_id, "score": score, "count": count, "offset": offset},
    ).all()
    if not rows and offset:
        total = list_feedback(connection, user_id=user_id, score=score, count=1)[1]
        return [], total
    items = [Feedback(int(r.track_id), int(r.score), r.created_at) for r in rows]
    return items, int(rows[0].total) if rows else 0
