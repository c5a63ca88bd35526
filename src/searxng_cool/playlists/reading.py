"""Reading playlists as a viewer sees them: private playlists are invisible to others."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from searxng_cool.errors import InvalidInput, NotFound
from searxng_cool.playlists.access import VISIBLE_TO_VIEWER, require_id

MAX_PAGE = 10_000


@dataclass(frozen=True)
class PlaylistSummary:
    id: int
    name: str
    description: str | None
    owner_id: int
    owner: str
    is_public: bool
    is_collaborative: bool
    is_smart: bool
    tags: list[Any]
    dynamic_rules: dict[str, Any] | None
    total_duration_ms: int
    track_count: int
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class PlaylistEntry:
    position: int
    track_id: int
    title: str
    artist: str | None
    duration_ms: int | None
    added_by: int | None
    added_at: datetime


_SUMMARY = f"""
    SELECT p.id, p.name, p.description, p.owner_id, u.username AS owner, p.is_public,
           p.is_collaborative, p.dynamic_rules IS NOT NULL AS is_smart, p.tags,
           p.dynamic_rules, p.total_duration_ms,
           (SELECT count(*) FROM playlist_tracks pt WHERE pt.playlist_id = p.id) AS track_count,
           p.version, p.updated_at
      FROM playlists p JOIN users u ON u.id = p.owner_id
     WHERE {VISIBLE_TO_VIEWER}
"""


def get_playlist(
    connection: Connection, *, playlist_id: int, viewer_id: int | None
) -> PlaylistSummary:
    """One playlist, if `viewer_id` (None: anonymous) may see it; NotFound otherwise."""
    require_id(playlist_id, "playlist id")
    row = connection.execute(
        text(_SUMMARY + " AND p.id = :playlist_id"),
        {"playlist_id": playlist_id, "viewer_id": viewer_id},
    ).one_or_none()
    if row is None:
        raise NotFound(f"playlist {playlist_id} not found")
    return PlaylistSummary(**row._mapping)


def list_playlists(
    connection: Connection, *, viewer_id: int | None, owner_id: int | None = None
) -> list[PlaylistSummary]:
    """The playlists `viewer_id` may see (optionally only `owner_id`'s), newest edits first."""
    rows = connection.execute(
        text(
            _SUMMARY
            + " AND (CAST(:owner_id AS integer) IS NULL OR p.owner_id = :owner_id)"
            + " ORDER BY p.updated_at DESC, p.id LIMIT 1000"
        ),
        {"viewer_id": viewer_id, "owner_id": owner_id},
    )
    return [PlaylistSummary(**row._mapping) for row in rows]


def list_collaborating(connection: Connection, *, user_id: int) -> list[PlaylistSummary]:
    """Others' collaborative playlists that `user_id` is a collaborator of, newest edits first."""
    rows = connection.execute(
        text(
            _SUMMARY
            + " AND p.owner_id <> :viewer_id AND p.is_collaborative AND EXISTS ("
            + " SELECT 1 FROM playlist_collaborators c"
            + " WHERE c.playlist_id = p.id AND c.user_id = :viewer_id)"
            + " ORDER BY p.updated_at DESC, p.id LIMIT 1000"
        ),
        {"viewer_id": user_id},
    )
    return [PlaylistSummary(**row._mapping) for row in rows]


def list_public(connection: Connection, *, limit: int = 1000) -> list[PlaylistSummary]:
    """Public playlists, newest edits first."""
    rows = connection.execute(
        text(_SUMMARY + " AND p.is_public ORDER BY p.updated_at DESC, p.id LIMIT :limit"),
        {"viewer_id": None, "limit": limit},
    )
    return [PlaylistSummary(**row._mapping) for row in rows]


def list_tracks(
    connection: Connection,
    *,
    playlist_id: int,
    viewer_id: int | None,
    offset: int = 0,
    limit: int = 100,
) -> list[PlaylistEntry]:
    """A page of the playlist's entries in order (keyset on position: cheap at any offset)."""
    get_playlist(connection, playlist_id=playlist_id, viewer_id=viewer_id)
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"offset must be >= 0 and limit 1..{MAX_PAGE}, not {offset}, {limit}")
    rows = connection.execute(
        text(
            """
            SELECT pt.position, pt.track_id, t.title, a.name AS artist, t.duration_ms,
                   pt.added_by, pt.added_at
              FROM playlist_tracks pt
              JOIN tracks t ON t.id = pt.track_id
              LEFT JOIN artists a ON a.id = t.artist_id
             WHERE pt.playlist_id = :p AND pt.position >= :offset
             ORDER BY pt.position
             LIMIT :limit
            """
        ),
        {"p": playlist_id, "offset": offset, "limit": limit},
    )
    return [PlaylistEntry(**row._mapping) for row in rows]
