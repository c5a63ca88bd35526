"""Playlists in and out: JSPF (the JSON playlist format ListenBrainz uses) and M3U8.

Export writes each track's title, creator (artist), album, duration and identifiers: its
MusicBrainz recording URL when it has one, and its catalog URI. Import resolves each JSPF
track to a canonical track by the catalog's own entity resolution (as listens are), then
creates the playlist with those tracks in order, in the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from searxng_cool.catalog.resolve import resolve_tracks
from searxng_cool.errors import InvalidInput
from searxng_cool.listening.listens import listen_record
from searxng_cool.playlists.editing import add_tracks
from searxng_cool.playlists.manage import create_playlist
from searxng_cool.playlists.reading import get_playlist

TRACK_URI = "https://searxng-cool.invalid/track/"
MUSICBRAINZ_RECORDING = "https://musicbrainz.org/recording/"
JSPF_EXTENSION = "https://searxng-cool.invalid/jspf"
MAX_IMPORT_TRACKS = 5000


def _entries(connection: Connection, playlist_id: int, viewer_id: int | None) -> list[Any]:
    rows = connection.execute(
        text(
            "SELECT pt.position, t.id, t.title, ar.name AS artist, al.title AS album,"
            " t.duration_ms,"
            " (SELECT min(s.source_id) FROM track_sources s WHERE s.track_id = t.id"
            "   AND s.source_type = 'musicbrainz') AS mbid,"
            " (SELECT s.source_uri FROM track_sources s WHERE s.track_id = t.id"
            "   AND s.source_uri IS NOT NULL ORDER BY s.source_type, s.id LIMIT 1) AS uri"
            " FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id"
            " LEFT JOIN artists ar ON ar.id = t.artist_id"
            " LEFT JOIN albums al ON al.id = t.album_id"
            " WHERE pt.playlist_id = :p ORDER BY pt.position"
        ),
        {"p": playlist_id},
    )
    return list(rows)


def export_jspf(
    connection: Connection, *, playlist_id: int, viewer_id: int | None
) -> dict[str, Any]:
    """The playlist as a JSPF document, if `viewer_id` may see it (NotFound otherwise)."""
    summary = get_playlist(connection, playlist_id=playlist_id, viewer_id=viewer_id)
    tracks = []
    for row in _entries(connection, playlist_id, viewer_id):
        identifiers = [TRACK_URI + str(row.id)]
        if row.mbid:
            identifiers.insert(0, MUSICBRAINZ_RECORDING + row.mbid)
        track: dict[str, Any] = {"title": row.title, "identifier": identifiers}
        if row.artist:
            track["creator"] = row.artist
        if row.album:
            track["album"] = row.album
        if row.duration_ms is not None:
            track["duration"] = row.duration_ms
        tracks.append(track)
    playlist: dict[str, Any] = {
        "title": summary.name,
        "creator": summary.owner,
        "date": summary.updated_at.isoformat(),
        "track": tracks,
        "extension": {
            JSPF_EXTENSION: {
                "public": summary.is_public,
                "collaborative": summary.is_collaborative,
                "version": summary.version,
            }
        },
    }
    if summary.description:
        playlist["annotation"] = summary.description
    return {"playlist": playlist}


def export_m3u8(connection: Connection, *, playlist_id: int, viewer_id: int | None) -> str:
    """The playlist as extended M3U (UTF-8): one #EXTINF and one URI per track."""
    summary = get_playlist(connection, playlist_id=playlist_id, viewer_id=viewer_id)
    lines = ["#EXTM3U", f"#PLAYLIST:{_one_line(summary.name)}"]
    for row in _entries(connection, playlist_id, viewer_id):
        seconds = -1 if row.duration_ms is None else round(row.duration_ms / 1000)
        label = f"{row.artist} - {row.title}" if row.artist else row.title
        lines.append(f"#EXTINF:{seconds},{_one_line(label)}")
        lines.append(row.uri or TRACK_URI + str(row.id))
    return "\n".join(lines) + "\n"


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _text(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"JSPF {what} must be text, not {type(value).__name__}")
    return value.strip() or None


def _identifiers(track: dict[str, Any]) -> list[str]:
    found = track.get("identifier", [])
    values = found if isinstance(found, list) else [found]
    return [v for v in values if isinstance(v, str)]


def _metadata(track: Any, number: int) -> dict[str, Any]:
    """The listen-style metadata of one JSPF track (title and creator are required)."""
    if not isinstance(track, dict):
        raise InvalidInput(f"JSPF track {number} is not an object")
    title, creator = _text(track.get("title"), "title"), _text(track.get("creator"), "creator")
    if not title or not creator:
        raise InvalidInput(f"JSPF track {number} needs a title and a creator to be resolved")
    info: dict[str, Any] = {}
    for identifier in _identifiers(track):
        if identifier.startswith(MUSICBRAINZ_RECORDING):
            info["recording_mbid"] = identifier.removeprefix(MUSICBRAINZ_RECORDING).strip("/")
    duration = track.get("duration")
    if isinstance(duration, int) and not isinstance(duration, bool) and duration > 0:
        info["duration_ms"] = duration
    metadata: dict[str, Any] = {"track_name": title, "artist_name": creator}
    album = _text(track.get("album"), "album")
    if album:
        metadata["release_name"] = album
    if info:
        metadata["additional_info"] = info
    return metadata


def _own_track(track: Any) -> int | None:
    """The catalog id in a track's identifier of this catalog, if it carries one."""
    if not isinstance(track, dict):
        return None
    for identifier in _identifiers(track):
        number = identifier.removeprefix(TRACK_URI)
        if identifier.startswith(TRACK_URI) and number.isdigit() and len(number) <= 10:
            return int(number)
    return None


def _track_ids(connection: Connection, tracks: list[Any]) -> list[int]:
    """Each JSPF track's canonical id: this catalog's identifier when it names an existing
    track, otherwise resolved (and created when unknown) like a submitted listen."""
    named = {n: _own_track(t) for n, t in enumerate(tracks, 1)}
    wanted = [i for i in named.values() if i is not None]
    existing = (
        set(
            connection.execute(
                text("SELECT id FROM tracks WHERE id = ANY(:ids)"), {"ids": wanted}
            ).scalars()
        )
        if wanted
        else set()
    )
    open_lines = [n for n, i in named.items() if i not in existing]
    resolved: dict[int, int] = {}
    if open_lines:
        records = [listen_record(_metadata(tracks[n - 1], n), n) for n in open_lines]
        resolved = resolve_tracks(connection, records=records)
    return [resolved[n] if n in resolved else int(named[n] or 0) for n in named]


def import_jspf(connection: Connection, *, owner_id: int, document: Any) -> int:
    """Create the owner's playlist from a JSPF document; returns its id.

    A track naming this catalog's track URI is that track; any other is resolved (and
    created when unknown) like a submitted listen. The playlist is private; its title is
    the document's.
    """
    playlist = document.get("playlist") if isinstance(document, dict) else None
    if not isinstance(playlist, dict):
        raise InvalidInput('a JSPF document is an object with a "playlist" object')
    tracks = playlist.get("track", [])
    if not isinstance(tracks, list) or len(tracks) > MAX_IMPORT_TRACKS:
        raise InvalidInput(f'JSPF "track" must be a list of at most {MAX_IMPORT_TRACKS} tracks')
    title = _text(playlist.get("title"), "title") or "Imported playlist"
    made = create_playlist(
        connection,
        owner_id=owner_id,
        name=title[:255],
        description=_text(playlist.get("annotation"), "annotation"),
    )
    if tracks:
        add_tracks(
            connection,
            playlist_id=made,
            actor_id=owner_id,
            track_ids=_track_ids(connection, tracks),
        )
    return made
