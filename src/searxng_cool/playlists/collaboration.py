"""Collaborators: the owner grants users the right to add, remove or reorder tracks.

Grants only take effect while the playlist is collaborative (`is_collaborative`); the
checks themselves live in `access.py`, where every edit locks the playlist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from searxng_cool.errors import InvalidInput, NotFound
from searxng_cool.playlists.access import (
    VISIBLE_TO_VIEWER,
    Permission,
    lock_for_edit,
    require_id,
)
from searxng_cool.playlists.activity import record_edit
from searxng_cool.playlists.editing import EditResult


@dataclass(frozen=True)
class Collaborator:
    user_id: int
    username: str
    can_add: bool
    can_remove: bool
    can_reorder: bool
    added_at: datetime


def add_collaborator(
    connection: Connection,
    *,
    playlist_id: int,
    actor_id: int,
    user_id: int,
    can_add: bool = True,
    can_remove: bool = True,
    can_reorder: bool = True,
    expected_version: int | None = None,
) -> EditResult:
    """Grant `user_id` the given rights (or change them if already a collaborator)."""
    require_id(user_id, "collaborator's user id")
    locked = lock_for_edit(
        connection,
        playlist_id=playlist_id,
        actor_id=actor_id,
        permission=Permission.MANAGE,
        expected_version=expected_version,
    )
    if user_id == locked.owner_id:
        raise InvalidInput(f"user {user_id} owns playlist {playlist_id}; owners need no grant")
    if (
        connection.execute(text("SELECT 1 FROM users WHERE id = :id"), {"id": user_id}).first()
        is None
    ):
        raise NotFound(f"user {user_id} not found")
    grants = {
        "can_add": bool(can_add),
        "can_remove": bool(can_remove),
        "can_reorder": bool(can_reorder),
    }
    _grant(connection, playlist_id=playlist_id, user_id=user_id, grants=grants)
    details = {"user_id": user_id, **grants}
    version = record_edit(
        connection, locked=locked, actor_id=actor_id, action="collaborator_add", details=details
    )
    return EditResult(playlist_id, version, locked.track_count)


def _grant(
    connection: Connection, *, playlist_id: int, user_id: int, grants: dict[str, bool]
) -> None:
    connection.execute(
        text(
            """
            INSERT INTO playlist_collaborators
                   (playlist_id, user_id, can_add, can_remove, can_reorder)
            VALUES (:p, :u, :can_add, :can_remove, :can_reorder)
            ON CONFLICT (playlist_id, user_id) DO UPDATE
               SET can_add = EXCLUDED.can_add,
                   can_remove = EXCLUDED.can_remove,
                   can_reorder = EXCLUDED.can_reorder
            """
        ),
        {"p": playlist_id, "u": user_id, **grants},
    )


def remove_collaborator(
    connection: Connection,
    *,
    playlist_id: int,
    actor_id: int,
    user_id: int,
    expected_version: int | None = None,
) -> EditResult:
    """Withdraw every right of `user_id`; the tracks they added stay (with `added_by`)."""
    require_id(user_id, "collaborator's user id")
    locked = lock_for_edit(
        connection,
        playlist_id=playlist_id,
        actor_id=actor_id,
        permission=Permission.MANAGE,
        expected_version=expected_version,
    )
    removed = connection.execute(
        text("DELETE FROM playlist_collaborators WHERE playlist_id = :p AND user_id = :u"),
        {"p": playlist_id, "u": user_id},
    ).rowcount
    if not removed:
        raise NotFound(f"user {user_id} is not a collaborator of playlist {playlist_id}")
    version = record_edit(
        connection,
        locked=locked,
        actor_id=actor_id,
        action="collaborator_remove",
        details={"user_id": user_id},
    )
    return EditResult(playlist_id, version, locked.track_count)


def list_collaborators(
    connection: Connection, *, playlist_id: int, viewer_id: int | None
) -> list[Collaborator]:
    """The collaborators of a playlist the viewer may see (NotFound otherwise)."""
    require_id(playlist_id, "playlist id")
    visible = connection.execute(
        text(f"SELECT 1 FROM playlists p WHERE p.id = :playlist_id AND {VISIBLE_TO_VIEWER}"),
        {"playlist_id": playlist_id, "viewer_id": viewer_id},
    ).first()
    if visible is None:
        raise NotFound(f"playlist {playlist_id} not found")
    rows = connection.execute(
        text(
            """
            SELECT c.user_id, u.username, c.can_add, c.can_remove, c.can_reorder, c.added_at
              FROM playlist_collaborators c JOIN users u ON u.id = c.user_id
             WHERE c.playlist_id = :p ORDER BY u.username
            """
        ),
        {"p": playlist_id},
    )
    return [Collaborator(**row._mapping) for row in rows]
