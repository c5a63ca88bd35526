"""Discovery sessions: start, next batch, act on a presented track, end with feedback.

Every presented track is recorded with its position (continuing across batches), score
and reasons. An action on a presented track is recorded on it, recorded as an interaction
through the listening service (`listening.recording.record_interaction`, with the session in
`context`, so it is checked like any other) and folded into the user's profile at once, so
the next batch reflects it; the session's own likes and skips also steer its target.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from searxng_cool.db.models.audio_vector import DIMENSION_NAMES, parse_cube
from searxng_cool.db.models.discovery import USER_ACTIONS
from searxng_cool.discovery.parameters import MAX_BATCH, bounded_int, validate_parameters
from searxng_cool.discovery.recommend import Recommendation, Request, recommend, steer
from searxng_cool.errors import Conflict, InvalidInput, NotFound
from searxng_cool.listening.events import InteractionEvent, shape_problem
from searxng_cool.listening.profiles import (
    Profile,
    favourite_vectors,
    load_profile,
    record_event,
)
from searxng_cool.listening.recording import record_interaction

# The interaction each session action stands for in the audit trail.
ACTION_INTERACTIONS = {
    "liked": "like",
    "disliked": "dislike",
    "skipped": "skip",
    "saved": "save",
    "played": "play",
    "shared": "share",
}
WELCOMED = ("liked", "saved", "played", "shared")
REFUSED = ("skipped", "disliked")
DIMENSIONS = {name: i for i, name in enumerate(DIMENSION_NAMES)}
# How far from a mood's target valence/energy a track may be.
MOOD_TOLERANCE = 0.2


@dataclass(frozen=True)
class PresentedTrack:
    position: int
    track_id: int
    score: float
    reasons: list[str]


@dataclass(frozen=True)
class SessionTrack:
    """A track the session showed, with what the user did with it (None: nothing yet)."""

    position: int
    track_id: int
    title: str
    user_action: str | None
    score: float | None
    reasons: list[str]


@dataclass(frozen=True)
class SessionRow:
    id: int
    user_id: int
    session_type: str
    parameters: dict[str, Any]
    ended_at: datetime | None


def _session_row(connection: Connection, session_id: int, *, lock: bool = False) -> SessionRow:
    row = connection.execute(
        text(
            "SELECT id, user_id, session_type, parameters, ended_at FROM discovery_sessions"
            " WHERE id = :id" + (" FOR UPDATE" if lock else "")
        ),
        {"id": session_id},
    ).one_or_none()
    if row is None:
        raise NotFound(f"discovery session {session_id} does not exist")
    return SessionRow(*row)


def check_owner(connection: Connection, *, session_id: int, user_id: int) -> None:
    """NotFound unless the session is `user_id`'s: another's sessions are invisible."""
    if _session_row(connection, session_id).user_id != user_id:
        raise NotFound(f"discovery session {session_id} does not exist")


def _open_session(connection: Connection, session_id: int) -> SessionRow:
    row = _session_row(connection, session_id, lock=True)
    if row.ended_at is not None:
        raise Conflict(
            f"discovery session {session_id} ended at {row.ended_at:%Y-%m-%d %H:%M}; start a new one"
        )
    return row


def _vectors(connection: Connection, sql: str, **params: Any) -> list[list[float]]:
    found = (parse_cube(v) for v in connection.execute(text(sql), params).scalars())
    return [v for v in found if v is not None]


def _check_references(connection: Connection, user_id: int, parameters: dict[str, Any]) -> None:
    checks = {
        "seed_track_id": "SELECT 1 FROM tracks WHERE id = :id",
        "seed_artist_id": "SELECT 1 FROM artists WHERE id = :id",
        "playlist_id": "SELECT 1 FROM playlists WHERE id = :id"
        " AND (owner_id = :user_id OR is_public OR is_collaborative)",
    }
    for key, sql in checks.items():
        if (
            key in parameters
            and connection.execute(text(sql), {"id": parameters[key], "user_id": user_id}).first()
            is None
        ):
            what = key.removesuffix("_id").replace("_", " ")
            raise NotFound(
                f"{what} {parameters[key]} does not exist or is not visible to user {user_id}"
            )


def start_session(
    connection: Connection, *, user_id: int, session_type: str, parameters: dict[str, Any]
) -> int:
    """Validate the parameters against the type's schema and open a session; returns its id."""
    clean = validate_parameters(session_type, parameters)
    if (
        connection.execute(text("SELECT 1 FROM users WHERE id = :id"), {"id": user_id}).first()
        is None
    ):
        raise NotFound(f"user {user_id} does not exist")
    _check_references(connection, user_id, clean)
    return int(
        connection.execute(
            text(
                "INSERT INTO discovery_sessions (user_id, session_type, parameters)"
                " VALUES (:user_id, :type, CAST(:parameters AS jsonb)) RETURNING id"
            ),
            {"user_id": user_id, "type": session_type, "parameters": json.dumps(clean)},
        ).scalar_one()
    )


def _base_target(
    connection: Connection, row: SessionRow, profile: Profile
) -> tuple[list[float], str, list[int]]:
    """The session type's target vector, what it stands for, and tracks it must not return."""
    p = row.parameters
    target = profile.state.target()
    anchor = "popular tracks" if profile.cold_start else "tracks you liked"
    if row.session_type == "mood":
        for name in ("valence", "energy"):
            if name in p:
                target[DIMENSIONS[name]] = float(p[name])
        return target, f"the {p.get('mood', 'mood')} you asked for", []
    if row.session_type == "genre":
        return target, anchor, []
    if "seed_track_id" in p:
        sql = "SELECT audio_vector::text FROM tracks WHERE id = :id"
        return (
            _mean_or(target, _vectors(connection, sql, id=p["seed_track_id"])),
            "the seed track",
            [p["seed_track_id"]],
        )
    if "seed_artist_id" in p:
        sql = "SELECT audio_vector::text FROM tracks WHERE artist_id = :id"
        return (
            _mean_or(target, _vectors(connection, sql, id=p["seed_artist_id"])),
            "the seed artist",
            [],
        )
    ids = list(
        connection.execute(
            text("SELECT track_id FROM playlist_tracks WHERE playlist_id = :id"),
            {"id": p["playlist_id"]},
        ).scalars()
    )
    sql = "SELECT audio_vector::text FROM tracks WHERE id = ANY(:ids)"
    return _mean_or(target, _vectors(connection, sql, ids=ids)), "this playlist", ids


def _mean_or(fallback: list[float], vectors: list[list[float]]) -> list[float]:
    if not vectors:
        return fallback
    return [sum(col) / len(vectors) for col in zip(*vectors, strict=True)]


def _acted(connection: Connection, session_id: int, actions: tuple[str, ...]) -> list[list[float]]:
    sql = (
        "SELECT t.audio_vector::text FROM discovery_session_tracks s JOIN tracks t ON t.id = s.track_id"
        " WHERE s.session_id = :sid AND s.user_action = ANY(:actions)"
    )
    return _vectors(connection, sql, sid=session_id, actions=list(actions))


def _record_presented(
    connection: Connection, session_id: int, picks: list[Recommendation]
) -> list[PresentedTrack]:
    start = connection.execute(
        text(
            "SELECT COALESCE(max(position) + 1, 0) FROM discovery_session_tracks WHERE session_id = :sid"
        ),
        {"sid": session_id},
    ).scalar_one()
    presented = [
        PresentedTrack(start + i, r.track_id, r.score, r.reasons) for i, r in enumerate(picks)
    ]
    if presented:
        connection.execute(
            text(
                "INSERT INTO discovery_session_tracks (session_id, track_id, position, score, reasons)"
                " VALUES (:sid, :track_id, :position, :score, CAST(:reasons AS jsonb))"
            ),
            [
                {
                    "sid": session_id,
                    "track_id": p.track_id,
                    "position": p.position,
                    "score": p.score,
                    "reasons": json.dumps(p.reasons),
                }
                for p in presented
            ],
        )
    return presented


def _mood_window(parameters: dict[str, Any], name: str) -> tuple[float, float]:
    """A mood's target valence/energy, give or take MOOD_TOLERANCE; anything otherwise."""
    if name not in parameters:
        return (0.0, 1.0)
    return (parameters[name] - MOOD_TOLERANCE, parameters[name] + MOOD_TOLERANCE)


def _probes(connection: Connection, row: SessionRow) -> list[list[float]]:
    """Mood and genre sessions also look around the user's favourites; seeded ones do not."""
    if row.session_type not in ("mood", "genre"):
        return []
    return favourite_vectors(connection, user_id=row.user_id)


def next_batch(
    connection: Connection, *, session_id: int, size: int | None = None
) -> list[PresentedTrack]:
    """The next `size` tracks (default: the session's batch_size), recorded as presented."""
    row = _open_session(connection, session_id)
    limit = bounded_int(
        size if size is not None else row.parameters["batch_size"], "batch size", 1, MAX_BATCH
    )
    profile = load_profile(connection, user_id=row.user_id)
    base, anchor, excluded = _base_target(connection, row, profile)
    target = steer(
        base, _acted(connection, session_id, WELCOMED), _acted(connection, session_id, REFUSED)
    )
    request = Request(
        target=target,
        anchor=anchor,
        limit=limit,
        max_per_artist=row.parameters["max_per_artist"],
        include_liked=row.parameters["include_liked"],
        genre=row.parameters.get("genre"),
        session_id=session_id,
        excluded_track_ids=excluded,
        probes=_probes(connection, row),
        energy_window=_mood_window(row.parameters, "energy"),
        valence_window=_mood_window(row.parameters, "valence"),
    )
    return _record_presented(
        connection, session_id, recommend(connection, profile=profile, request=request)
    )


def record_action(
    connection: Connection,
    *,
    session_id: int,
    track_id: int,
    action: str,
    play_duration_ms: int | None = None,
) -> None:
    """Record what the user did with a presented track; also an interaction and a profile update.

    The interaction goes through `listening.recording.record_interaction`, so it is checked
    (and refused, with the same message) exactly like any other recorded interaction; a
    refused action writes nothing.
    """
    if action not in USER_ACTIONS:
        raise InvalidInput(f"action {action!r} is not one of {', '.join(USER_ACTIONS)}")
    if play_duration_ms is not None and action != "played":
        raise InvalidInput(f"play_duration_ms {play_duration_ms!r} only goes with 'played'")
    row = _open_session(connection, session_id)
    interaction_type = ACTION_INTERACTIONS[action]
    # The shape of the event (a duration out of range, ...) is refused before anything is
    # looked up, with the message the listening service gives.
    event = InteractionEvent(row.user_id, track_id, interaction_type, play_duration_ms)
    if problem := shape_problem(event):
        raise InvalidInput(problem[1])
    position = connection.execute(
        text(
            "SELECT position FROM discovery_session_tracks"
            " WHERE session_id = :sid AND track_id = :track_id FOR UPDATE"
        ),
        {"sid": session_id, "track_id": track_id},
    ).scalar_one_or_none()
    if position is None:
        raise NotFound(
            f"track {track_id} was not presented in discovery session {session_id}; act only on presented tracks"
        )
    # The transaction's time, as the interaction's default would be; the profile uses it too.
    occurred_at: datetime = connection.execute(text("SELECT now()")).scalar_one()
    record_interaction(
        connection,
        user_id=row.user_id,
        track_id=track_id,
        interaction_type=interaction_type,
        play_duration_ms=play_duration_ms,
        context={"discovery_session_id": session_id, "position": position},
        created_at=occurred_at,
    )
    connection.execute(
        text(
            "UPDATE discovery_session_tracks SET user_action = :action"
            " WHERE session_id = :sid AND track_id = :track_id"
        ),
        {"action": action, "sid": session_id, "track_id": track_id},
    )
    record_event(
        connection,
        user_id=row.user_id,
        track_id=track_id,
        interaction_type=interaction_type,
        occurred_at=occurred_at,
        play_duration_ms=play_duration_ms,
    )


def end_session(connection: Connection, *, session_id: int, feedback_score: int | None) -> None:
    """Close the session with the user's 1..5 rating (or none)."""
    if feedback_score is not None:
        bounded_int(feedback_score, "feedback score", 1, 5)
    _open_session(connection, session_id)
    connection.execute(
        text(
            "UPDATE discovery_sessions SET ended_at = now(), feedback_score = :score WHERE id = :id"
        ),
        {"score": feedback_score, "id": session_id},
    )


def presented_tracks(connection: Connection, *, session_id: int) -> list[SessionTrack]:
    """What the session has shown so far, in order, with actions, scores and reasons."""
    _session_row(connection, session_id)
    rows = connection.execute(
        text(
            "SELECT s.position, s.track_id, t.title, s.user_action, s.score, s.reasons"
            " FROM discovery_session_tracks s JOIN tracks t ON t.id = s.track_id"
            " WHERE s.session_id = :sid ORDER BY s.position"
        ),
        {"sid": session_id},
    )
    return [SessionTrack(*row) for row in rows]
