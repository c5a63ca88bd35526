"""The version counter and activity log: every edit bumps one and appends to the other."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from searxng_cool.errors import InvalidInput
from searxng_cool.playlists.access import VISIBLE_TO_VIEWER, LockedPlaylist, require_id

_RECORD = text(
    """
    WITH bumped AS (
        UPDATE playlists SET version = version + 1 WHERE id = :playlist_id
        RETURNING id, version
    )
    INSERT INTO playlist_activity (playlist_id, user_id, action, details, version)
    SELECT id, :actor_id, :action, CAST(:details AS jsonb), version FROM bumped
    RETURNING version
    """
)

_LIST = text(
    f"""
    SELECT a.id, a.user_id, u.username, a.action, a.details, a.version, a.created_at
      FROM playlist_activity a
      JOIN playlists p ON p.id = a.playlist_id
      LEFT JOIN users u ON u.id = a.user_id
     WHERE a.playlist_id = :playlist_id AND {VISIBLE_TO_VIEWER}
     ORDER BY a.id DESC
     LIMIT :limit
    """
)


@dataclass(frozen=True)
class ActivityEntry:
    id: int
    user_id: int | None
    username: str | None
    action: str
    details: dict[str, Any]
    version: int
    created_at: datetime


def record_edit(
    connection: Connection,
    *,
    locked: LockedPlaylist,
    actor_id: int | None,
    action: str,
    details: dict[str, Any] | None = None,
) -> int:
    """Bump the locked playlist's version and log who did what; returns the new version."""
    version = connection.execute(
        _RECORD,
        {
            "playlist_id": locked.id,
            "actor_id": actor_id,
            "action": action,
            "details": json.dumps(details or {}),
        },
    ).scalar_one()
    return int(version)


def record_creation(connection: Connection, *, playlist_id: int, owner_id: int, name: str) -> None:
    """The first entry of a new playlist's log, at version 1."""
    connection.execute(
        text(
            "INSERT INTO playlist_activity (playlist_id, user_id, action, details, version)"
            " VALUES (:p, :u, 'create', CAST(:d AS jsonb), 1)"
        ),
        {"p": playlist_id, "u": owner_id, "d": json.dumps({"name": name})},
    )


def list_activity(
    connection: Connection, *, playlist_id: int, viewer_id: int | None, limit: int = 50
) -> list[ActivityEntry]:
    """The newest edits first; nothing for a playlist the viewer may not see."""
    require_id(playlist_id, "playlist id")
    if not 1 <= limit <= 10_000:
        raise InvalidInput(f"limit must be from 1 to 10000, not {limit}")
    rows = connection.execute(
        _LIST, {"playlist_id": playlist_id, "viewer_id": viewer_id, "limit": limit}
    )
    return [ActivityEntry(**row._mapping) for row in rows]
