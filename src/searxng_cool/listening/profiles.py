"""User music profiles (`user_music_profiles`): learned from events, one at a time or in bulk.

Documents (see docs/DATABASE.md, "Discovery"):
- `audio_preferences`: `{"as_of", "liked_weight", "disliked_weight", "features": {name:
  {"centre", "spread", "avoid", "meansq"}}}` over the normalised audio dimensions of
  `tracks.audio_vector`; centre/spread come from events in favour, avoid from events against.
- `genre_preferences`: `{"weights": {genre: share}, "mass": {genre: signed evidence}}`; the
  weights are the positive part of the mass, normalised to sum to 1.
- `discovery_settings`: see `profile_settings`.

`record_event` applies one event exactly (the evidence is stored, not just its summary);
`rebuild_profiles` recomputes every profile from `user_interactions` set-based and gives
the same documents.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from searxng_cool.db.models.audio_vector import DIMENSION_NAMES, parse_cube
from searxng_cool.errors import NotFound
from searxng_cool.listening.profile_settings import (
    DEFAULT_SETTINGS,
    genre_list,
    validate_discovery_settings,
)
from searxng_cool.listening.profile_state import (
    FULL_PLAY_FRACTION,
    HALF_LIFE_SECONDS,
    INTERACTION_WEIGHTS,
    PARTIAL_PLAY_SCALE,
    Moments,
    ProfileEvent,
    ProfileState,
    interaction_weight,
)

# The genres of a track are those of its artist and of its album (there is no tracks.genres):
# GENRES_OF_TRACK over the row `t` joined with GENRE_JOINS. Concatenation, not a set union,
# because it is cheap per row; readers that count genres drop the repeats.
GENRE_JOINS = (
    "LEFT JOIN artists ar ON ar.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id"
)
GENRES_OF_TRACK = "(COALESCE(ar.genres, '[]'::jsonb) || COALESCE(al.genres, '[]'::jsonb))"
COLD_START_POOL = 200
COLD_START_GENRES = 6


@dataclass(frozen=True)
class Profile:
    user_id: int
    state: ProfileState
    settings: dict[str, Any]
    last_updated: datetime | None
    cold_start: bool


def _upsert(connection: Connection, rows: list[dict[str, Any]]) -> None:
    connection.execute(
        text(
            """
            INSERT INTO user_music_profiles (user_id, audio_preferences, genre_preferences)
            VALUES (:user_id, CAST(:audio AS jsonb), CAST(:genres AS jsonb))
            ON CONFLICT (user_id) DO UPDATE
               SET audio_preferences = EXCLUDED.audio_preferences,
                   genre_preferences = EXCLUDED.genre_preferences,
                   last_updated = now()
            """
        ),
        rows,
    )


def _document_row(user_id: int, state: ProfileState) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "audio": json.dumps(state.audio_document()),
        "genres": json.dumps(state.genre_document()),
    }


def record_event(
    connection: Connection,
    *,
    user_id: int,
    track_id: int,
    interaction_type: str,
    occurred_at: datetime,
    play_duration_ms: int | None = None,
) -> None:
    """Fold one interaction into the user's profile (call it for each event recorded)."""
    track = connection.execute(
        text(
            f"SELECT t.audio_vector::text AS vector, t.duration_ms, {GENRES_OF_TRACK} AS genres"
            f" FROM tracks t {GENRE_JOINS} WHERE t.id = :track_id"
        ),
        {"track_id": track_id},
    ).one_or_none()
    if track is None:
        raise NotFound(f"track {track_id} does not exist")
    stored = connection.execute(
        text(
            "SELECT audio_preferences, genre_preferences FROM user_music_profiles"
            " WHERE user_id = :user_id FOR UPDATE"
        ),
        {"user_id": user_id},
    ).one_or_none()
    state = ProfileState.from_documents(*stored) if stored else ProfileState()
    weight = interaction_weight(interaction_type, play_duration_ms, track.duration_ms)
    genres = tuple(dict.fromkeys(track.genres))
    state.apply(ProfileEvent(weight, occurred_at, parse_cube(track.vector), genres))
    _upsert(connection, [_document_row(user_id, state)])


def _weight_sql() -> str:
    """SQL twin of `interaction_weight`, so a rebuild weighs events exactly as `record_event`."""
    cases = " ".join(f"WHEN '{kind}' THEN {w}" for kind, w in INTERACTION_WEIGHTS.items())
    return (
        "CASE WHEN ui.interaction_type = 'play' AND ui.play_duration_ms IS NOT NULL"
        f" AND t.duration_ms > 0 AND ui.play_duration_ms < {FULL_PLAY_FRACTION} * t.duration_ms"
        f" THEN {PARTIAL_PLAY_SCALE} * ui.play_duration_ms::float8 / t.duration_ms"
        f" ELSE CASE ui.interaction_type {cases} ELSE 0 END END"
    )


def _events_cte(*, with_genres: bool = False) -> str:
    return f"""
        WITH weighted AS (
            SELECT ui.user_id, ui.track_id, ui.created_at, t.audio_vector, {_weight_sql()} AS w,
                   {{genres}}
              FROM user_interactions ui JOIN tracks t ON t.id = ui.track_id {{joins}}
             WHERE ui.user_id = ANY(:user_ids)
        ), decayed AS (
            -- extract() is numeric since PostgreSQL 14; float8 keeps power() cheap.
            SELECT w.*, w.w * power(0.5::float8, extract(epoch FROM
                       max(w.created_at) OVER (PARTITION BY w.user_id) - w.created_at
                   )::float8 / {HALF_LIFE_SECONDS}) AS dw,
                   max(w.created_at) OVER (PARTITION BY w.user_id) AS as_of
              FROM weighted w
        )
    """.format(
        genres=f"{GENRES_OF_TRACK} AS genres" if with_genres else "NULL::jsonb AS genres",
        joins=GENRE_JOINS if with_genres else "",
    )


def _moment_columns() -> str:
    pos, neg = "dw > 0 AND audio_vector IS NOT NULL", "dw < 0 AND audio_vector IS NOT NULL"
    columns = [
        f"sum(dw) FILTER (WHERE {pos}) AS pos_w",
        f"sum(-dw) FILTER (WHERE {neg}) AS neg_w",
    ]
    for i in range(1, len(DIMENSION_NAMES) + 1):
        coord = f"cube_ll_coord(audio_vector, {i})"
        columns += [
            f"sum(dw * {coord}) FILTER (WHERE {pos}) AS pos_s{i}",
            f"sum(dw * {coord} * {coord}) FILTER (WHERE {pos}) AS pos_q{i}",
            f"sum(-dw * {coord}) FILTER (WHERE {neg}) AS neg_s{i}",
        ]
    return ", ".join(columns)


def _moments(weight: float | None, sums: list[float], squares: list[float]) -> Moments:
    if not weight:
        return Moments()
    return Moments(weight, [s / weight for s in sums], [q / weight for q in squares])


def _states_for(connection: Connection, user_ids: list[int]) -> dict[int, ProfileState]:
    """Every listed user's profile recomputed from all their events, set-based."""
    states = {user_id: ProfileState() for user_id in user_ids}
    n = len(DIMENSION_NAMES)
    moments = connection.execute(
        text(
            f"{_events_cte()} SELECT user_id, max(as_of) AS as_of, {_moment_columns()}"
            " FROM decayed GROUP BY user_id"
        ),
        {"user_ids": user_ids},
    ).mappings()
    for row in moments:
        state = states[row["user_id"]]
        state.as_of = row["as_of"]
        pos = [float(row[f"pos_s{i}"] or 0) for i in range(1, n + 1)]
        sq = [float(row[f"pos_q{i}"] or 0) for i in range(1, n + 1)]
        neg = [float(row[f"neg_s{i}"] or 0) for i in range(1, n + 1)]
        state.liked = _moments(row["pos_w"], pos, sq)
        state.disliked = _moments(row["neg_w"], neg, [0.0] * n)
    genres = connection.execute(
        text(
            f"""{_events_cte(with_genres=True)}
            SELECT d.user_id, g.genre, sum(d.dw) AS mass
              FROM decayed d,
                   LATERAL (SELECT DISTINCT x FROM jsonb_array_elements_text(d.genres) x) AS g(genre)
             GROUP BY d.user_id, g.genre"""
        ),
        {"user_ids": user_ids},
    )
    for user_id, genre, mass in genres:
        states[user_id].genre_mass[genre] = float(mass)
    return states


def rebuild_profiles(
    connection: Connection,
    *,
    user_ids: list[int] | None = None,
    chunk_size: int = 2000,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Recompute profiles from all events (every user's, or only `user_ids`); returns the count.

    Users are processed in chunks of `chunk_size` (each chunk joins its events to the whole
    of `tracks` once, so fewer, larger chunks are faster); `on_progress(done, total)` after each.
    A user without events gets an empty profile (the recommender then uses the cold start).
    After a bulk load of interactions, call it with the users the load touched.
    """
    user_ids = list(
        connection.execute(
            text(
                "SELECT id FROM users WHERE CAST(:only AS integer[]) IS NULL OR id = ANY(:only)"
                " ORDER BY id"
            ),
            {"only": user_ids},
        ).scalars()
    )
    for start in range(0, len(user_ids), chunk_size):
        chunk = user_ids[start : start + chunk_size]
        states = _states_for(connection, chunk)
        _upsert(connection, [_document_row(uid, state) for uid, state in states.items()])
        if on_progress:
            on_progress(min(start + chunk_size, len(user_ids)), len(user_ids))
    return len(user_ids)


def _cold_start_state(connection: Connection, stated_genres: list[str]) -> ProfileState:
    """Popular tracks across genres (or within the genres the user stated) stand in for history."""
    popular = connection.execute(
        text(
            f"""
            SELECT t.audio_vector::text AS vector, {GENRES_OF_TRACK} AS genres
              FROM tracks t {GENRE_JOINS}
             WHERE t.audio_vector IS NOT NULL
               AND (cardinality(CAST(:stated AS text[])) = 0
                    OR {GENRES_OF_TRACK} ?| CAST(:stated AS text[]))
             ORDER BY t.popularity DESC NULLS LAST, t.id
             LIMIT {COLD_START_POOL}
            """
        ),
        {"stated": stated_genres},
    ).all()
    state = ProfileState()
    genre_counts: dict[str, float] = dict.fromkeys(stated_genres, 1.0)
    for row in popular:
        vector = parse_cube(row.vector)
        assert vector is not None  # filtered by the query
        state.liked.add(vector, 1.0)
        if not stated_genres:
            for genre in dict.fromkeys(row.genres):
                genre_counts[genre] = genre_counts.get(genre, 0.0) + 1.0
    top = sorted(genre_counts.items(), key=lambda item: (-item[1], item[0]))[:COLD_START_GENRES]
    state.genre_mass = {genre: 1.0 for genre, _ in top}  # equal shares: across genres
    return state


def load_profile(connection: Connection, *, user_id: int) -> Profile:
    """The user's learned profile, or a cold-start one when there is no evidence yet."""
    user = connection.execute(
        text(
            "SELECT u.preferences, p.audio_preferences, p.genre_preferences,"
            " p.discovery_settings, p.last_updated FROM users u"
            " LEFT JOIN user_music_profiles p ON p.user_id = u.id WHERE u.id = :user_id"
        ),
        {"user_id": user_id},
    ).one_or_none()
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    state = ProfileState.from_documents(user.audio_preferences or {}, user.genre_preferences or {})
    settings = {**DEFAULT_SETTINGS, **(user.discovery_settings or {})}
    if state.has_evidence:
        return Profile(user_id, state, settings, user.last_updated, cold_start=False)
    stated = genre_list(user.preferences.get("genres", []), "users.preferences.genres")
    cold = _cold_start_state(connection, stated)
    return Profile(user_id, cold, settings, user.last_updated, cold_start=True)


def set_discovery_settings(
    connection: Connection, *, user_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Merge `changes` into the user's settings after validating the result; returns it."""
    current = load_profile(connection, user_id=user_id).settings
    merged = validate_discovery_settings({**current, **changes})
    connection.execute(
        text(
            """
            INSERT INTO user_music_profiles (user_id, discovery_settings)
            VALUES (:user_id, CAST(:settings AS jsonb))
            ON CONFLICT (user_id) DO UPDATE
               SET discovery_settings = EXCLUDED.discovery_settings, last_updated = now()
            """
        ),
        {"user_id": user_id, "settings": json.dumps(merged)},
    )
    return merged


def favourite_vectors(connection: Connection, *, user_id: int, limit: int = 5) -> list[list[float]]:
    """Audio vectors of the user's favourite tracks: most weight in favour, recent counting more."""
    positive = ", ".join(f"'{kind}'" for kind, weight in INTERACTION_WEIGHTS.items() if weight > 0)
    rows = connection.execute(
        text(
            f"""
            SELECT t.audio_vector::text FROM user_interactions ui JOIN tracks t ON t.id = ui.track_id
             WHERE ui.user_id = :user_id AND ui.interaction_type IN ({positive})
               AND t.audio_vector IS NOT NULL
             GROUP BY t.id
             ORDER BY sum(power(0.5::float8,
                                extract(epoch FROM now() - ui.created_at)::float8 / {HALF_LIFE_SECONDS}))
                      DESC, t.id
             LIMIT :limit
            """
        ),
        {"user_id": user_id, "limit": limit},
    ).scalars()
    return [v for v in map(parse_cube, rows) if v is not None]
