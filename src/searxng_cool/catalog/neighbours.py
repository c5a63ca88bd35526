"""Tracks as lists show them, and a track's nearest neighbours by audio features (KNN)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from searxng_cool.errors import InvalidInput, NotFound

MAX_INT4 = 2**31 - 1
MAX_SIMILAR = 100


@dataclass(frozen=True)
class TrackRef:
    """A track as lists show it."""

    id: int
    title: str
    artist_id: int | None
    artist: str | None
    album_id: int | None
    album: str | None
    duration_ms: int | None
    popularity: float | None


def _check_id(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_INT4:
        raise InvalidInput(f"{what} {value!r} is not valid: a whole number in 1..{MAX_INT4}")
    return value


_TRACK_REF = """
SELECT t.id, t.title, t.artist_id, ar.name AS artist, t.album_id, al.title AS album,
       t.duration_ms, t.popularity
  FROM tracks t
  LEFT JOIN artists ar ON ar.id = t.artist_id
  LEFT JOIN albums al ON al.id = t.album_id
"""


def _ref(row: Any) -> TrackRef:
    return TrackRef(
        id=int(row.id),
        title=row.title,
        artist_id=row.artist_id,
        artist=row.artist,
        album_id=row.album_id,
        album=row.album,
        duration_ms=row.duration_ms,
        popularity=row.popularity,
    )


def similar_tracks(
    connection: Connection, *, track_id: int, limit: int = 20
) -> list[tuple[TrackRef, float]]:
    """The tracks nearest this one by audio features (KNN on the GiST index), with distances.

    Empty when the track has no audio features; NotFound when it does not exist.
    """
    _check_id(track_id, "track id")
    if not 1 <= limit <= MAX_SIMILAR:
        raise InvalidInput(f"limit {limit} is out of range 1..{MAX_SIMILAR}")
    vector = connection.execute(
        text("SELECT audio_vector::text, true FROM tracks WHERE id = :id"), {"id": track_id}
    ).one_or_none()
    if vector is None:
        raise NotFound(f"track {track_id} does not exist in the catalog")
    if vector[0] is None:
        return []
    rows = connection.execute(
        text(
            "WITH near AS MATERIALIZED ("
            " SELECT id, audio_vector <-> CAST(:v AS cube) AS distance FROM tracks"
            " WHERE audio_vector IS NOT NULL ORDER BY audio_vector <-> CAST(:v AS cube)"
            " LIMIT :k)"
            " SELECT t.id, t.title, t.artist_id, ar.name AS artist, t.album_id,"
            " al.title AS album, t.duration_ms, t.popularity, n.distance"
            " FROM near n JOIN tracks t ON t.id = n.id"
            " LEFT JOIN artists ar ON ar.id = t.artist_id"
            " LEFT JOIN albums al ON al.id = t.album_id"
            " WHERE t.id <> :id ORDER BY n.distance, t.id LIMIT :limit"
        ),
        {"v": vector[0], "k": limit + 1, "id": track_id, "limit": limit},
    )
    return [(_ref(r), float(r.distance)) for r in rows]


def track_refs(connection: Connection, *, track_ids: list[int]) -> dict[int, TrackRef]:
    """The tracks of `track_ids` that exist, by id."""
    if not track_ids:
        return {}
    rows = connection.execute(text(_TRACK_REF + " WHERE t.id = ANY(:ids)"), {"ids": track_ids})
    return {int(r.id): _ref(r) for r in rows}
