"""A user's top artists, recordings and releases over a time range, counted from their plays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from searxng_cool.errors import InvalidInput

# Rolling windows ending now; `this_*` from the start of the current week, month or year.
RANGES: dict[str, timedelta | str | None] = {
    "week": timedelta(days=7),
    "month": timedelta(days=30),
    "quarter": timedelta(days=91),
    "half_yearly": timedelta(days=182),
    "year": timedelta(days=365),
    "all_time": None,
    "this_week": "week",
    "this_month": "month",
    "this_year": "year",
}
ENTITIES = ("artists", "recordings", "releases")

_GROUPS = {
    "artists": (
        "t.artist_id",
        "t.artist_id AS artist_id, ar.name AS artist_name, ar.musicbrainz_id AS artist_mbid",
        "t.artist_id, ar.name, ar.musicbrainz_id",
    ),
    "recordings": (
        "t.id",
        "t.id AS track_id, t.title AS track_name, ar.name AS artist_name,"
        " al.title AS release_name, al.musicbrainz_id AS release_mbid,"
        " (SELECT min(s.source_id) FROM track_sources s"
        "   WHERE s.track_id = t.id AND s.source_type = 'musicbrainz') AS recording_mbid",
        "t.id, t.title, ar.name, al.title, al.musicbrainz_id",
    ),
    "releases": (
        "t.album_id",
        "t.album_id AS album_id, al.title AS release_name, al.musicbrainz_id AS release_mbid,"
        " ar2.name AS artist_name",
        "t.album_id, al.title, al.musicbrainz_id, ar2.name",
    ),
}

_TOP = """
WITH plays AS (
    SELECT track_id FROM user_interactions
     WHERE user_id = :user AND interaction_type = 'play'
       AND (CAST(:since AS timestamptz) IS NULL OR created_at >= :since)
), counted AS (
    SELECT {select}, count(*) AS listen_count
      FROM plays p
      JOIN tracks t ON t.id = p.track_id
      LEFT JOIN artists ar ON ar.id = t.artist_id
      LEFT JOIN albums al ON al.id = t.album_id
      LEFT JOIN artists ar2 ON ar2.id = al.artist_id
     WHERE {key} IS NOT NULL
     GROUP BY {group}
)
SELECT *, count(*) OVER () AS total FROM counted
 ORDER BY listen_count DESC, {order}
 LIMIT :count OFFSET :offset
"""


@dataclass(frozen=True)
class TopEntities:
    items: list[dict[str, Any]]
    total: int
    from_ts: datetime | None
    to_ts: datetime


def range_start(connection: Connection, *, stats_range: str) -> datetime | None:
    """Where a range starts (None for all_time); InvalidInput for an unknown range."""
    if stats_range not in RANGES:
        raise InvalidInput(f"range {stats_range!r} is not one of {', '.join(RANGES)}")
    span = RANGES[stats_range]
    if span is None:
        return None
    if isinstance(span, str):
        start = connection.execute(
            text("SELECT date_trunc(:unit, now())"), {"unit": span}
        ).scalar_one()
    else:
        start = connection.execute(text("SELECT now() - :span"), {"span": span}).scalar_one()
    return start if isinstance(start, datetime) else None


def top_entities(
    connection: Connection,
    *,
    user_id: int,
    entity: str,
    stats_range: str = "all_time",
    count: int = 25,
    offset: int = 0,
) -> TopEntities:
    """The user's most played `entity` (artists, recordings, releases) in the range."""
    if entity not in ENTITIES:
        raise InvalidInput(f"entity {entity!r} is not one of {', '.join(ENTITIES)}")
    if count < 0 or offset < 0:
        raise InvalidInput(f"count {count} and offset {offset} must be >= 0")
    since = range_start(connection, stats_range=stats_range)
    key, select, group = _GROUPS[entity]
    # Ties in order of the entity's id (the output column named by the key's alias).
    order = {"artists": "artist_id", "recordings": "track_id", "releases": "album_id"}[entity]
    statement = _TOP.format(key=key, select=select, group=group, order=order)
    rows = (
        connection.execute(
            text(statement),
            {"user": user_id, "since": since, "count": count, "offset": offset},
        )
        .mappings()
        .all()
    )
    now = connection.execute(text("SELECT now()")).scalar_one()
    items = [{k: v for k, v in row.items() if k != "total"} for row in rows]
    total = int(rows[0]["total"]) if rows else 0
    return TopEntities(items=items, total=total, from_ts=since, to_ts=now)


def chart_tracks(
    connection: Connection, *, stats_range: str = "week", limit: int = 50
) -> list[tuple[int, int]]:
    """(track id, plays) of the most played tracks by everyone in the range, most first."""
    if not 1 <= limit <= 100:
        raise InvalidInput(f"limit {limit} is out of range 1..100")
    since = range_start(connection, stats_range=stats_range)
    rows = connection.execute(
        text(
            "SELECT track_id, count(*) AS plays FROM user_interactions"
            " WHERE interaction_type = 'play'"
            " AND (CAST(:since AS timestamptz) IS NULL OR created_at >= :since)"
            " GROUP BY track_id ORDER BY plays DESC, track_id LIMIT :limit"
        ),
        {"since": since, "limit": limit},
    )
    return [(int(track), int(plays)) for track, plays in rows]
