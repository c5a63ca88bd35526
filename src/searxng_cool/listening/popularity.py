"""Popularity: the spec's materialized view, the live per-track counters, and the 0-100 scores.

Three speeds: `track_play_counters` is current at every commit (statement triggers);
`mv_track_popularity` is as fresh as its last `refresh_view`; `tracks.popularity` and
`artists.popularity` are as fresh as their last `compute_popularity`, whose time-decayed
formula is written out in docs/DATABASE.md ("Popularity").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from time import perf_counter

from sqlalchemy import Connection, text

from searxng_cool.db import maintenance
from searxng_cool.errors import InvalidInput, NotFound

POPULARITY_VIEW = "mv_track_popularity"

# How much one event of each type moves a track's score. Negative events pull it down;
# the score never goes below zero.
WEIGHTS: dict[str, float] = {
    "play": 1.0,
    "like": 2.0,
    "save": 2.0,
    "share": 3.0,
    "playlist_add": 2.0,
    "skip": -0.5,
    "dislike": -2.0,
    "unlike": -2.0,
    "unsave": -2.0,
    "playlist_remove": -1.0,
}
# Events older than this many half-lives weigh under 0.1% (2^-10) and are not read at all,
# so the computation prunes to the recent monthly partitions.
HORIZON_HALF_LIVES = 10

TRACK_SCORES = """
WITH recent AS (
    SELECT ui.track_id,
           greatest(sum(w.weight::float8 * power(2.0,
               -extract(epoch FROM (:now - ui.created_at)) / (86400.0 * :half_life))), 0) AS score
      FROM user_interactions ui
      JOIN jsonb_each_text(CAST(:weights AS jsonb)) AS w(kind, weight)
        ON w.kind = ui.interaction_type
     WHERE ui.created_at > :now - make_interval(secs => 86400.0 * :half_life * :horizon)
       AND ui.created_at <= :now
     GROUP BY ui.track_id
), scored AS (
    -- tracks with history but nothing recent fall back to 0; tracks never played are left alone
    SELECT c.track_id, coalesce(r.score, 0) AS score
      FROM (SELECT track_id FROM track_play_counters UNION SELECT track_id FROM recent) AS c
      LEFT JOIN recent r USING (track_id)
)
"""

NORMALISE = """
SELECT {key},
       CASE WHEN max(score) OVER () > 0
            THEN round((100 * ln(1 + score) / ln(1 + max(score) OVER ()))::numeric, 2)::float8
            ELSE 0 END AS popularity
  FROM {source}
"""

UPDATE_TRACKS = (
    TRACK_SCORES
    + ", normalised AS ("
    + NORMALISE.format(key="track_id", source="scored")
    + """)
UPDATE tracks t SET popularity = n.popularity
  FROM normalised n
 WHERE t.id = n.track_id AND t.popularity IS DISTINCT FROM n.popularity
"""
)

UPDATE_ARTISTS = (
    TRACK_SCORES
    + """, by_artist AS (
    SELECT t.artist_id, sum(s.score) AS score
      FROM scored s JOIN tracks t ON t.id = s.track_id
     WHERE t.artist_id IS NOT NULL
     GROUP BY t.artist_id
), normalised AS ("""
    + NORMALISE.format(key="artist_id", source="by_artist")
    + """)
UPDATE artists a SET popularity = n.popularity
  FROM normalised n
 WHERE a.id = n.artist_id AND a.popularity IS DISTINCT FROM n.popularity
"""
)


@dataclass(frozen=True)
class RefreshReport:
    rows: int
    seconds: float
    concurrently: bool


@dataclass(frozen=True)
class PopularityReport:
    tracks_updated: int
    artists_updated: int
    half_life_days: float
    computed_at: datetime


@dataclass(frozen=True)
class TrackCounters:
    track_id: int
    total_interactions: int
    total_plays: int
    total_likes: int
    avg_play_duration_ms: float | None
    last_played_at: datetime | None


def view_populated(connection: Connection) -> bool | None:
    """Whether mv_track_popularity holds data (None when the view does not exist)."""
    populated: bool | None = connection.execute(
        text("SELECT ispopulated FROM pg_matviews WHERE matviewname = :view"),
        {"view": POPULARITY_VIEW},
    ).scalar()
    return populated


def refresh_view(connection: Connection) -> RefreshReport:
    """REFRESH MATERIALIZED VIEW mv_track_popularity, CONCURRENTLY when it holds data.

    CONCURRENTLY keeps readers unblocked; it runs inside the caller's transaction (unlike
    CREATE INDEX CONCURRENTLY it is allowed in a transaction block) but needs the view to be
    populated already, so a never-populated view gets one plain refresh first. The refresh
    is recorded, since `status` reports its age and PostgreSQL does not keep it.
    """
    started = perf_counter()
    populated = bool(view_populated(connection))
    # Through a SECURITY DEFINER function: only the view's owner may refresh it, and the
    # application role owns nothing (docs/DATABASE.md, "Database roles").
    connection.execute(
        text("SELECT refresh_track_popularity(:concurrently)"), {"concurrently": populated}
    )
    maintenance.record_refresh(connection, view_name=POPULARITY_VIEW)
    rows = connection.execute(text(f"SELECT count(*) FROM {POPULARITY_VIEW}")).scalar_one()
    return RefreshReport(int(rows), perf_counter() - started, concurrently=populated)


def track_counters(connection: Connection, *, track_id: int) -> TrackCounters | None:
    """The live counters of one track (None when it has never had an interaction).

    NotFound when there is no such track: "no interactions" would hide a mistyped id.
    """
    row = connection.execute(
        text(
            "SELECT track_id, total_interactions, total_plays, total_likes,"
            " play_duration_sum_ms::float8 / nullif(timed_plays, 0), last_played_at"
            " FROM track_play_counters WHERE track_id = :track_id"
        ),
        {"track_id": track_id},
    ).one_or_none()
    if row is not None:
        return TrackCounters(*row)
    exists = connection.execute(
        text("SELECT EXISTS (SELECT FROM tracks WHERE id = :track_id)"), {"track_id": track_id}
    ).scalar_one()
    if not exists:
        raise NotFound(f"track {track_id} does not exist in the catalog; check the id")
    return None


def compute_popularity(
    connection: Connection, *, half_life_days: float = 30.0, now: datetime | None = None
) -> PopularityReport:
    """Write tracks.popularity and artists.popularity (0-100) from time-decayed activity."""
    if not 0.01 <= half_life_days <= 3650:
        raise InvalidInput(f"half-life {half_life_days} days is out of range 0.01..3650")
    moment = now or datetime.now(UTC)
    params = {
        "now": moment,
        "half_life": half_life_days,
        "horizon": HORIZON_HALF_LIVES,
        "weights": json.dumps(WEIGHTS),
    }
    tracks = connection.execute(text(UPDATE_TRACKS), params).rowcount
    artists = connection.execute(text(UPDATE_ARTISTS), params).rowcount
    return PopularityReport(tracks, artists, half_life_days, moment)
