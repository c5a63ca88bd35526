"""`discovery_sessions.parameters`: one documented, validated shape per session type.

Every type accepts these common keys:

| key | type | default | meaning |
| --- | --- | --- | --- |
| `batch_size` | integer 1..50 | 10 | tracks per `next` call when the caller does not say |
| `max_per_artist` | integer 1..10 | 2 | at most this many tracks of one artist in a batch |
| `include_liked` | boolean | false | also recommend tracks the user already liked |

And, per type:

| type | keys |
| --- | --- |
| `mood` | `mood`: one of happy, energetic, calm, sad, angry; or `valence` and/or `energy`, numbers 0..1 (explicit numbers override the named mood) |
| `genre` | `genre`: a genre name (1..100 characters), matched against artist and album genres |
| `similarity` | exactly one of `seed_track_id` or `seed_artist_id` (positive integers) |
| `playlist` | `playlist_id` (positive integer): "more like this playlist" |

Unknown keys are refused, so a misspelt key never silently does nothing.
"""

from __future__ import annotations

from typing import Any

from searxng_cool.db.models.discovery import SESSION_TYPES
from searxng_cool.errors import InvalidInput

MOODS: dict[str, dict[str, float]] = {
    "happy": {"valence": 0.85, "energy": 0.7},
    "energetic": {"valence": 0.6, "energy": 0.9},
    "calm": {"valence": 0.5, "energy": 0.2},
    "sad": {"valence": 0.15, "energy": 0.3},
    "angry": {"valence": 0.2, "energy": 0.9},
}
COMMON_DEFAULTS: dict[str, Any] = {"batch_size": 10, "max_per_artist": 2, "include_liked": False}
TYPE_KEYS: dict[str, set[str]] = {
    "mood": {"mood", "valence", "energy"},
    "genre": {"genre"},
    "similarity": {"seed_track_id", "seed_artist_id"},
    "playlist": {"playlist_id"},
}
MAX_BATCH = 50


def bounded_int(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"{what} must be an integer from {low} to {high}, got {value!r}")
    return value


def _unit(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InvalidInput(f"{what} must be a number from 0 to 1, got {value!r}")
    return float(value)


def _positive_id(value: Any, what: str) -> int:
    return bounded_int(value, what, 1, 2**31 - 1)


def _mood(raw: dict[str, Any]) -> dict[str, Any]:
    named = raw.get("mood")
    if named is not None and (not isinstance(named, str) or named not in MOODS):
        raise InvalidInput(f"mood {named!r} is not one of {', '.join(MOODS)}")
    if named is None and "valence" not in raw and "energy" not in raw:
        raise InvalidInput("a mood session needs `mood` or `valence`/`energy`")
    target = dict(MOODS[named]) if named else {}
    for key in ("valence", "energy"):
        if key in raw:
            target[key] = _unit(raw[key], key)
    return {**({"mood": named} if named else {}), **target}


def _genre(raw: dict[str, Any]) -> dict[str, Any]:
    genre = raw.get("genre")
    if not isinstance(genre, str) or not genre.strip() or len(genre) > 100:
        raise InvalidInput(
            f"a genre session needs `genre`, a name of 1..100 characters; got {genre!r}"
        )
    return {"genre": genre.strip()}


def _similarity(raw: dict[str, Any]) -> dict[str, Any]:
    seeds = [key for key in ("seed_track_id", "seed_artist_id") if key in raw]
    if len(seeds) != 1:
        raise InvalidInput(
            "a similarity session needs exactly one of seed_track_id, seed_artist_id"
        )
    return {seeds[0]: _positive_id(raw[seeds[0]], seeds[0])}


def _playlist(raw: dict[str, Any]) -> dict[str, Any]:
    if "playlist_id" not in raw:
        raise InvalidInput("a playlist session needs `playlist_id`")
    return {"playlist_id": _positive_id(raw["playlist_id"], "playlist_id")}


_BY_TYPE = {"mood": _mood, "genre": _genre, "similarity": _similarity, "playlist": _playlist}


def _common(raw: dict[str, Any]) -> dict[str, Any]:
    merged = {**COMMON_DEFAULTS, **{k: raw[k] for k in COMMON_DEFAULTS if k in raw}}
    if not isinstance(merged["include_liked"], bool):
        raise InvalidInput(f"include_liked must be true or false, got {merged['include_liked']!r}")
    return {
        "batch_size": bounded_int(merged["batch_size"], "batch_size", 1, MAX_BATCH),
        "max_per_artist": bounded_int(merged["max_per_artist"], "max_per_artist", 1, 10),
        "include_liked": merged["include_liked"],
    }


def validate_parameters(session_type: Any, raw: Any) -> dict[str, Any]:
    """The parameters, normalised with defaults; anything unknown or out of range is refused."""
    if session_type not in SESSION_TYPES:
        raise InvalidInput(
            f"session type {session_type!r} is not one of {', '.join(SESSION_TYPES)}"
        )
    if not isinstance(raw, dict):
        raise InvalidInput(f"parameters must be an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - TYPE_KEYS[session_type] - set(COMMON_DEFAULTS))
    if unknown:
        known = sorted(TYPE_KEYS[session_type] | set(COMMON_DEFAULTS))
        raise InvalidInput(
            f"unknown parameter(s) for a {session_type} session: {', '.join(map(repr, unknown))};"
            f" known: {', '.join(known)}"
        )
    return {**_BY_TYPE[session_type](raw), **_common(raw)}
