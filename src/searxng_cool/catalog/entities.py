"""One catalog entity as an application shows it: a track, an artist or an album by id.

Each comes with its mappings to the sources it was found in, so a page can link to them.
Reads only; NotFound when the id names nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from searxng_cool.errors import NotFound

TOP_TRACKS = 10


@dataclass(frozen=True)
class SourceLink:
    source_type: str
    source_id: str
    source_uri: str | None
    is_available: bool


@dataclass(frozen=True)
class Credit:
    artist_id: int
    role: str
    credited_as: str


@dataclass(frozen=True)
class TrackBrief:
    id: int
    title: str
    duration_ms: int | None
    popularity: float | None


@dataclass(frozen=True)
class AlbumBrief:
    id: int
    title: str
    release_date: date | None
    album_type: str | None


@dataclass(frozen=True)
class Track:
    """A track as a page shows it: names of its artist and album, sources, credits."""

    id: int
    title: str
    artist_id: int | None
    artist_name: str | None
    album_id: int | None
    album_title: str | None
    track_number: int | None
    duration_ms: int | None
    isrc: str | None
    popularity: float | None
    audio_features: dict[str, Any] | None
    sources: list[SourceLink]
    credits: list[Credit]


@dataclass(frozen=True)
class Artist:
    """An artist with sources, albums (newest first) and most popular tracks."""

    id: int
    name: str
    musicbrainz_id: str | None
    country: str | None
    genres: list[Any]
    aliases: list[Any]
    popularity: float | None
    sources: list[SourceLink]
    albums: list[AlbumBrief]
    top_tracks: list[TrackBrief]


@dataclass(frozen=True)
class Album:
    """An album with its artist's name, sources and tracks in album order."""

    id: int
    title: str
    artist_id: int | None
    artist_name: str | None
    release_date: date | None
    album_type: str | None
    total_tracks: int | None
    genres: list[Any]
    sources: list[SourceLink]
    tracks: list[TrackBrief]


def _sources(connection: Connection, table: str, column: str, entity_id: int) -> list[SourceLink]:
    # `table` and `column` come from this module's own calls, never from input.
    found = connection.execute(
        text(
            f"SELECT source_type, source_id, source_uri, is_available FROM {table}"
            f" WHERE {column} = :id ORDER BY source_type, source_id"
        ),
        {"id": entity_id},
    ).all()
    return [SourceLink(*row) for row in found]


def get_track(connection: Connection, *, track_id: int) -> Track:
    """The track with its artist and album names, sources and credits."""
    row = connection.execute(
        text(
            """
            SELECT t.id, t.title, t.artist_id, ar.name AS artist_name, t.album_id,
                   al.title AS album_title, t.track_number,
                   t.duration_ms, t.isrc, t.popularity, t.audio_features
              FROM tracks t
              LEFT JOIN artists ar ON ar.id = t.artist_id
              LEFT JOIN albums al ON al.id = t.album_id
             WHERE t.id = :id
            """
        ),
        {"id": track_id},
    ).one_or_none()
    if row is None:
        raise NotFound(f"track {track_id} does not exist")
    credits = connection.execute(
        text(
            "SELECT artist_id, role, credited_as FROM track_credits"
            " WHERE track_id = :id ORDER BY role, credited_as"
        ),
        {"id": track_id},
    ).all()
    return Track(
        **row._asdict(),
        sources=_sources(connection, "track_sources", "track_id", track_id),
        credits=[Credit(*c) for c in credits],
    )


def get_artist(connection: Connection, *, artist_id: int) -> Artist:
    """The artist with sources, albums (newest first) and most popular tracks."""
    row = connection.execute(
        text(
            "SELECT id, name, musicbrainz_id, country, genres, aliases, popularity"
            " FROM artists WHERE id = :id"
        ),
        {"id": artist_id},
    ).one_or_none()
    if row is None:
        raise NotFound(f"artist {artist_id} does not exist")
    albums = connection.execute(
        text(
            "SELECT id, title, release_date, album_type FROM albums WHERE artist_id = :id"
            " ORDER BY release_date DESC NULLS LAST, title, id"
        ),
        {"id": artist_id},
    ).all()
    tracks = connection.execute(
        text(
            "SELECT id, title, duration_ms, popularity FROM tracks WHERE artist_id = :id"
            " ORDER BY popularity DESC NULLS LAST, title, id LIMIT :limit"
        ),
        {"id": artist_id, "limit": TOP_TRACKS},
    ).all()
    return Artist(
        **row._asdict(),
        sources=_sources(connection, "artist_sources", "artist_id", artist_id),
        albums=[AlbumBrief(*a) for a in albums],
        top_tracks=[TrackBrief(*t) for t in tracks],
    )


def get_album(connection: Connection, *, album_id: int) -> Album:
    """The album with its artist's name, sources and tracks in album order."""
    row = connection.execute(
        text(
            """
            SELECT al.id, al.title, al.artist_id, ar.name AS artist_name, al.release_date,
                   al.album_type,
                   al.total_tracks, al.genres
              FROM albums al LEFT JOIN artists ar ON ar.id = al.artist_id
             WHERE al.id = :id
            """
        ),
        {"id": album_id},
    ).one_or_none()
    if row is None:
        raise NotFound(f"album {album_id} does not exist")
    tracks = connection.execute(
        text(
            "SELECT id, title, duration_ms, popularity FROM tracks WHERE album_id = :id"
            " ORDER BY track_number NULLS LAST, title, id"
        ),
        {"id": album_id},
    ).all()
    return Album(
        **row._asdict(),
        sources=_sources(connection, "album_sources", "album_id", album_id),
        tracks=[TrackBrief(*t) for t in tracks],
    )
