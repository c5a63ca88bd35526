"""Reading one catalog entity: a track (sources, credits, play counts), an artist (albums,
top tracks), an album (tracks), and a track's nearest neighbours by audio features.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
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


@dataclass(frozen=True)
class Source:
    source_type: str
    source_id: str
    source_uri: str | None


@dataclass(frozen=True)
class Credit:
    artist_id: int
    role: str
    credited_as: str


@dataclass(frozen=True)
class Plays:
    total_plays: int
    total_likes: int
    total_interactions: int
    last_played_at: datetime | None


@dataclass(frozen=True)
class TrackDetail:
    track: TrackRef
    track_number: int | None
    isrc: str | None
    audio_features: dict[str, Any] | None
    sources: list[Source]
    credits: list[Credit]
    plays: Plays
    updated_at: datetime


@dataclass(frozen=True)
class AlbumRef:
    id: int
    title: str
    release_date: date | None
    album_type: str | None


@dataclass(frozen=True)
class ArtistDetail:
    id: int
    name: str
    musicbrainz_id: str | None
    country: str | None
    genres: list[Any]
    popularity: float | None
    albums: list[AlbumRef]
    top_tracks: list[TrackRef]
    updated_at: datetime


@dataclass(frozen=True)
class AlbumDetail:
    id: int
    title: str
    artist_id: int | None
    artist: str | None
    release_date: date | None
    album_type: str | None
    genres: list[Any]
    tracks: list[TrackRef] = field(default_factory=list)
    updated_at: datetime | None = None


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


def get_track(connection: Connection, *, track_id: int) -> TrackDetail:
    """The track with its source mappings, credits and play counters; NotFound if absent."""
    _check_id(track_id, "track id")
    row = connection.execute(
        text(
            "SELECT t.id, t.title, t.artist_id, ar.name AS artist, t.album_id,"
            " al.title AS album, t.duration_ms, t.popularity, t.track_number, t.isrc,"
            " t.audio_features, t.updated_at, c.total_plays, c.total_likes,"
            " c.total_interactions, c.last_played_at"
            " FROM tracks t LEFT JOIN artists ar ON ar.id = t.artist_id"
            " LEFT JOIN albums al ON al.id = t.album_id"
            " LEFT JOIN track_play_counters c ON c.track_id = t.id WHERE t.id = :id"
        ),
        {"id": track_id},
    ).one_or_none()
    if row is None:
        raise NotFound(f"track {track_id} does not exist in the catalog")
    sources = [
        Source(*r)
        for r in connection.execute(
            text(
                "SELECT source_type, source_id, source_uri FROM track_sources"
                " WHERE track_id = :id ORDER BY source_type, source_id"
            ),
            {"id": track_id},
        )
    ]
    credits = [
        Credit(int(r[0]), r[1], r[2])
        for r in connection.execute(
            text(
                "SELECT artist_id, role, credited_as FROM track_credits"
                " WHERE track_id = :id ORDER BY role, artist_id"
            ),
            {"id": track_id},
        )
    ]
    plays = Plays(
        total_plays=int(row.total_plays or 0),
        total_likes=int(row.total_likes or 0),
        total_interactions=int(row.total_interactions or 0),
        last_played_at=row.last_played_at,
    )
    return TrackDetail(
        track=_ref(row),
        track_number=row.track_number,
        isrc=row.isrc,
        audio_features=row.audio_features,
        sources=sources,
        credits=credits,
        plays=plays,
        updated_at=row.updated_at,
    )


def get_artist(connection: Connection, *, artist_id: int, top: int = 10) -> ArtistDetail:
    """The artist with their albums (newest first) and most played tracks; NotFound if absent."""
    _check_id(artist_id, "artist id")
    row = connection.execute(
        text(
            "SELECT id, name, musicbrainz_id, country, genres, popularity, updated_at"
            " FROM artists WHERE id = :id"
        ),
        {"id": artist_id},
    ).one_or_none()
    if row is None:
        raise NotFound(f"artist {artist_id} does not exist in the catalog")
    albums = [
        AlbumRef(int(r.id), r.title, r.release_date, r.album_type)
        for r in connection.execute(
            text(
                "SELECT id, title, release_date, album_type FROM albums WHERE artist_id = :id"
                " ORDER BY release_date DESC NULLS LAST, id LIMIT 500"
            ),
            {"id": artist_id},
        )
    ]
    tracks = [
        _ref(r)
        for r in connection.execute(
            text(
                _TRACK_REF + " LEFT JOIN track_play_counters c ON c.track_id = t.id"
                " WHERE t.artist_id = :id"
                " ORDER BY coalesce(c.total_plays, 0) DESC, t.popularity DESC NULLS LAST, t.id"
                " LIMIT :top"
            ),
            {"id": artist_id, "top": top},
        )
    ]
    return ArtistDetail(
        id=int(row.id),
        name=row.name,
        musicbrainz_id=row.musicbrainz_id,
        country=row.country,
        genres=list(row.genres),
        popularity=row.popularity,
        albums=albums,
        top_tracks=tracks,
        updated_at=row.updated_at,
    )


def get_album(connection: Connection, *, album_id: int) -> AlbumDetail:
    """The album with its tracks in track order; NotFound if absent."""
    _check_id(album_id, "album id")
    row = connection.execute(
        text(
            "SELECT al.id, al.title, al.artist_id, ar.name AS artist, al.release_date,"
            " al.album_type, al.genres, al.updated_at"
            " FROM albums al LEFT JOIN artists ar ON ar.id = al.artist_id WHERE al.id = :id"
        ),
        {"id": album_id},
    ).one_or_none()
    if row is None:
        raise NotFound(f"album {album_id} does not exist in the catalog")
    tracks = [
        _ref(r)
        for r in connection.execute(
            text(
                _TRACK_REF + " WHERE t.album_id = :id"
                " ORDER BY t.track_number NULLS LAST, t.id LIMIT 1000"
            ),
            {"id": album_id},
        )
    ]
    return AlbumDetail(
        id=int(row.id),
        title=row.title,
        artist_id=row.artist_id,
        artist=row.artist,
        release_date=row.release_date,
        album_type=row.album_type,
        genres=list(row.genres),
        tracks=tracks,
        updated_at=row.updated_at,
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
