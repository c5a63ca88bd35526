"""Rows for tests, made in one place. Each takes a Connection and returns the new id."""

from __future__ import annotations

import itertools
import json
from typing import Any

from sqlalchemy import Connection, text

_counter = itertools.count(1)


def insert(conn: Connection, table: str, **values: Any) -> int:
    columns = ", ".join(values)
    params = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in values.items()}
    placeholders = ", ".join(
        f"CAST(:{k} AS jsonb)" if isinstance(values[k], dict | list) else f":{k}" for k in values
    )
    row = conn.execute(
        text(f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING id"), params
    )
    return int(row.scalar_one())


def artist(conn: Connection, **values: Any) -> int:
    values.setdefault("name", f"Artist {next(_counter)}")
    return insert(conn, "artists", **values)


def album(conn: Connection, **values: Any) -> int:
    values.setdefault("title", f"Album {next(_counter)}")
    if "artist_id" not in values:
        values["artist_id"] = artist(conn)
    return insert(conn, "albums", **values)


def track(conn: Connection, **values: Any) -> int:
    values.setdefault("title", f"Track {next(_counter)}")
    values.setdefault("duration_ms", 180_000)
    if "artist_id" not in values:
        values["artist_id"] = artist(conn)
    return insert(conn, "tracks", **values)


def user(conn: Connection, **values: Any) -> int:
    n = next(_counter)
    values.setdefault("username", f"user{n}")
    values.setdefault("email", f"user{n}@example.org")
    values.setdefault("password_hash", "argon2id$test")
    return insert(conn, "users", **values)


def interaction(conn: Connection, **values: Any) -> int:
    values.setdefault("interaction_type", "play")
    return insert(conn, "user_interactions", **values)


def playlist(conn: Connection, **values: Any) -> int:
    values.setdefault("name", f"Playlist {next(_counter)}")
    if "owner_id" not in values:
        values["owner_id"] = user(conn)
    return insert(conn, "playlists", **values)


def audio_features(**overrides: float) -> dict[str, float]:
    """A complete Spotify-style audio_features document, mid-range unless overridden."""
    features = {
        "danceability": 0.5,
        "energy": 0.5,
        "key": 5,
        "loudness": -8.0,
        "mode": 1,
        "speechiness": 0.05,
        "acousticness": 0.3,
        "instrumentalness": 0.0,
        "liveness": 0.1,
        "valence": 0.5,
        "tempo": 120.0,
    }
    features.update(overrides)
    return features
