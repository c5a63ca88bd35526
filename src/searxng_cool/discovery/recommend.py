"""Recommendations: KNN candidates on `tracks.audio_vector`, then scoring and exclusions.

1. Candidates: the nearest tracks to a target vector by `audio_vector <-> target`, which the
   GiST index `idx_tracks_audio_vector` serves in distance order (a KNN index scan), so the
   cost depends on the pool size, not on the catalog size.
2. Exclusions, on that small pool: tracks the user skipped or disliked recently, tracks they
   already like (unless asked), tracks already shown in this session, explicit exclusions,
   tracks outside the user's energy range or in an excluded genre.
3. Score = similarity to the target + genre affinity + popularity + novelty, with the
   novelty/popularity balance set by the user's `novelty` setting; then at most
   `max_per_artist` tracks per artist. If too few survive, the pool grows and we retry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from searxng_cool.db.models.audio_vector import DIMENSION_NAMES, cube_literal, parse_cube
from searxng_cool.listening.profiles import (
    GENRES_OF_TRACK,
    Profile,
    favourite_vectors,
    load_profile,
)

RECENT_SKIP_DAYS = 30
POOL_FACTOR = 8
MIN_POOL = 100
MAX_POOL = 6400
POPULAR_AT = 70.0
K_PER_PROBE = 20
# Dimensions a listener can name, used to explain why a track is close.
EXPLAINED_DIMENSIONS = ("energy", "valence", "danceability", "acousticness", "tempo")
ENERGY = DIMENSION_NAMES.index("energy") + 1  # cube coordinates count from 1
VALENCE = DIMENSION_NAMES.index("valence") + 1

# One probe of user_interactions per candidate (the composite index), not three.
CANDIDATES_SQL = f"""
WITH pool AS MATERIALIZED (
    SELECT t.id, t.artist_id, t.album_id, t.popularity, t.audio_vector,
           t.audio_vector <-> CAST(:target AS cube) AS distance
      FROM tracks t
     WHERE t.audio_vector IS NOT NULL {{genre_filter}}
     ORDER BY t.audio_vector <-> CAST(:target AS cube)
     LIMIT :pool
), heard_artists AS (
    SELECT DISTINCT t.artist_id FROM user_interactions ui JOIN tracks t ON t.id = ui.track_id
     WHERE ui.user_id = :user_id
)
SELECT t.id, t.artist_id, t.popularity, t.distance, t.audio_vector::text AS vector,
       {GENRES_OF_TRACK} AS genres, h.heard,
       t.artist_id IN (SELECT artist_id FROM heard_artists) AS known_artist
  FROM pool t
  LEFT JOIN artists ar ON ar.id = t.artist_id
  LEFT JOIN albums al ON al.id = t.album_id
  CROSS JOIN LATERAL (
       SELECT count(*) > 0 AS heard,
              COALESCE(bool_or(ui.interaction_type = 'like'), false) AS liked,
              COALESCE(bool_or(ui.interaction_type IN ('skip', 'dislike')
                               AND ui.created_at > now() - make_interval(days => {RECENT_SKIP_DAYS})),
                       false) AS skipped_recently
         FROM user_interactions ui WHERE ui.user_id = :user_id AND ui.track_id = t.id) h
 WHERE NOT h.skipped_recently
   AND (:include_liked OR NOT h.liked)
   AND NOT EXISTS (
           SELECT 1 FROM discovery_session_tracks s
            WHERE s.session_id = :session_id AND s.track_id = t.id)
   AND t.id <> ALL(CAST(:excluded AS integer[]))
   AND cube_ll_coord(t.audio_vector, {ENERGY}) BETWEEN :energy_low AND :energy_high
   AND cube_ll_coord(t.audio_vector, {VALENCE}) BETWEEN :valence_low AND :valence_high
   AND NOT {GENRES_OF_TRACK} ?| CAST(:excluded_genres AS text[])
 ORDER BY t.distance
"""
GENRE_FILTER = """
       AND (EXISTS (SELECT 1 FROM artists a WHERE a.id = t.artist_id AND a.genres @> CAST(:genre AS jsonb))
            OR EXISTS (SELECT 1 FROM albums b WHERE b.id = t.album_id AND b.genres @> CAST(:genre AS jsonb)))"""


@dataclass(frozen=True)
class Request:
    """What to look for: a target vector and the session's rules."""

    target: list[float]
    anchor: str  # what the target stands for, for the reasons: "tracks you liked", ...
    limit: int
    max_per_artist: int = 2
    include_liked: bool = False
    genre: str | None = None
    session_id: int | None = None
    excluded_track_ids: list[int] = field(default_factory=list)
    # Hard windows on normalised energy and valence (a mood's "target valence/energy").
    energy_window: tuple[float, float] = (0.0, 1.0)
    valence_window: tuple[float, float] = (0.0, 1.0)
    # More places to look: the user's favourite tracks ("more like what you play most").
    probes: list[list[float]] = field(default_factory=list)
    probe_anchor: str = "tracks you play most"


@dataclass(frozen=True)
class Recommendation:
    track_id: int
    artist_id: int | None
    score: float
    reasons: list[str]
    distance: float


def _candidates(
    connection: Connection, profile: Profile, request: Request, target: list[float], pool: int
) -> list[Any]:
    settings = profile.settings
    sql = CANDIDATES_SQL.format(genre_filter=GENRE_FILTER if request.genre else "")
    params: dict[str, Any] = {
        "target": cube_literal(target),
        "pool": pool,
        "user_id": profile.user_id,
        "include_liked": request.include_liked,
        "session_id": request.session_id or 0,
        "excluded": request.excluded_track_ids,
        "energy_low": max(settings["energy_range"][0], request.energy_window[0]),
        "energy_high": min(settings["energy_range"][1], request.energy_window[1]),
        "valence_low": request.valence_window[0],
        "valence_high": request.valence_window[1],
        "excluded_genres": settings["excluded_genres"],
    }
    if request.genre:
        params["genre"] = json.dumps([request.genre])
    return list(connection.execute(text(sql), params))


def _closest_dimensions(vector: list[float], target: list[float]) -> list[str]:
    gaps = {
        name: abs(vector[DIMENSION_NAMES.index(name)] - target[DIMENSION_NAMES.index(name)])
        for name in EXPLAINED_DIMENSIONS
    }
    return sorted(gaps, key=lambda name: (gaps[name], name))[:2]


def _score(row: Any, profile: Profile, target: list[float], anchor: str) -> Recommendation:
    weights = profile.state.genre_weights()
    top_weight = max(weights.values(), default=0.0)
    matching = sorted((g for g in row.genres if g in weights), key=lambda g: -weights[g])
    affinity = weights[matching[0]] / top_weight if matching else 0.0
    similarity = 1.0 / (1.0 + 4.0 * float(row.distance))
    popularity = float(row.popularity or 0.0) / 100.0
    # Unheard is what counts; an unheard track by an artist the user already plays is the
    # likeliest welcome (offline evaluation: it lifts new-track hits above random).
    novelty = 0.0 if row.heard else (1.0 if row.known_artist else 0.8)
    lean = float(profile.settings["novelty"])
    popularity_weight = 0.25 * (1.0 - lean) + (0.2 if profile.cold_start else 0.0)
    score = (
        0.5 * similarity + 0.25 * affinity + popularity_weight * popularity + 0.25 * lean * novelty
    )
    vector = parse_cube(row.vector) or target
    reasons = [f"close in {'/'.join(_closest_dimensions(vector, target))} to {anchor}"]
    reasons += [f"genre: {matching[0]}"] if matching else []
    reasons += ["popular"] if popularity * 100 >= POPULAR_AT else []
    reasons += ["new to you"] if not row.heard else []
    reasons += ["by an artist you play"] if row.known_artist and not row.heard else []
    return Recommendation(row.id, row.artist_id, round(score, 6), reasons, float(row.distance))


def _diverse(scored: list[Recommendation], limit: int, max_per_artist: int) -> list[Recommendation]:
    chosen: list[Recommendation] = []
    per_artist: dict[int | None, int] = {}
    for rec in sorted(scored, key=lambda r: (-r.score, r.distance, r.track_id)):
        if rec.artist_id is not None and per_artist.get(rec.artist_id, 0) >= max_per_artist:
            continue
        per_artist[rec.artist_id] = per_artist.get(rec.artist_id, 0) + 1
        chosen.append(rec)
        if len(chosen) == limit:
            break
    return chosen


def _scored_pool(
    connection: Connection, profile: Profile, request: Request, pool: int
) -> list[Recommendation]:
    """Candidates around the target and each probe, each scored against what found it best."""
    best: dict[int, Recommendation] = {}
    searches = [(request.target, request.anchor, pool)]
    probe_pool = max(K_PER_PROBE, 2 * request.limit)
    searches += [(probe, request.probe_anchor, probe_pool) for probe in request.probes]
    for target, anchor, size in searches:
        for row in _candidates(connection, profile, request, target, size):
            scored = _score(row, profile, target, anchor)
            if row.id not in best or scored.score > best[row.id].score:
                best[row.id] = scored
    return list(best.values())


def recommend(
    connection: Connection, *, profile: Profile, request: Request
) -> list[Recommendation]:
    """Up to `request.limit` tracks, best first, each with its score and reasons."""
    pool = max(MIN_POOL, POOL_FACTOR * request.limit)
    while True:
        scored = _scored_pool(connection, profile, request, pool)
        chosen = _diverse(scored, request.limit, request.max_per_artist)
        if len(chosen) == request.limit or pool >= MAX_POOL:
            return chosen
        pool *= 4


def steer(target: list[float], toward: list[list[float]], away: list[list[float]]) -> list[float]:
    """Move a target halfway to what was welcomed and a quarter away from what was refused."""
    moved = list(target)
    if toward:
        mean = [sum(col) / len(toward) for col in zip(*toward, strict=True)]
        moved = [m + 0.5 * (x - m) for m, x in zip(moved, mean, strict=True)]
    if away:
        mean = [sum(col) / len(away) for col in zip(*away, strict=True)]
        moved = [m + 0.25 * (m - x) for m, x in zip(moved, mean, strict=True)]
    return [min(1.0, max(0.0, x)) for x in moved]


def recommend_for_user(connection: Connection, *, user_id: int, count: int) -> list[Recommendation]:
    """Up to `count` tracks for the user outside any session: near their profile and favourites."""
    profile = load_profile(connection, user_id=user_id)
    anchor = "popular tracks" if profile.cold_start else "tracks you liked"
    probes = favourite_vectors(connection, user_id=user_id)
    request = Request(target=profile.state.target(), anchor=anchor, limit=count, probes=probes)
    return recommend(connection, profile=profile, request=request)
