"""Who may see and edit a playlist, and the row lock every edit starts with.

Every edit begins with `lock_for_edit`: `SELECT ... FOR UPDATE` on the playlist row
serialises concurrent editors of one playlist (each sees the positions the previous one
committed), then the permission and the caller's `expected_version` are checked.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import Connection, text

from searxng_cool.errors import Forbidden, InvalidInput, NotFound, StaleVersion

MAX_ID = 2**31 - 1


class Permission(enum.Enum):
    """What an edit needs. MANAGE (rename, settings, collaborators, delete) is the owner's."""

    ADD = "add"
    REMOVE = "remove"
    REORDER = "reorder"
    MANAGE = "manage"


@dataclass(frozen=True)
class LockedPlaylist:
    """The playlist row as locked for this transaction, and how many tracks it holds."""

    id: int
    owner_id: int
    is_public: bool
    is_collaborative: bool
    is_smart: bool
    version: int
    track_count: int


def require_id(value: object, what: str) -> int:
    """An id from outside: an int within PostgreSQL's INTEGER range, or a clear refusal."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise InvalidInput(f"{what} must be a whole number from 1 to {MAX_ID}, not {value!r}")
    return value


_LOCK = text(
    """
    SELECT id, owner_id, is_public, is_collaborative, dynamic_rules IS NOT NULL AS is_smart,
           version
      FROM playlists WHERE id = :playlist_id
       FOR UPDATE
    """
)
# A separate statement after the lock: in READ COMMITTED it takes a fresh snapshot, so it
# sees the tracks the previous editor committed while we waited for the lock.
_AFTER_LOCK = text(
    """
    SELECT (SELECT count(*) FROM playlist_tracks WHERE playlist_id = :playlist_id) AS tracks,
           c.can_add, c.can_remove, c.can_reorder
      FROM (SELECT 1) AS one
      LEFT JOIN playlist_collaborators c
        ON c.playlist_id = :playlist_id AND c.user_id = :actor_id
    """
)


def lock_playlist(connection: Connection, *, playlist_id: int) -> LockedPlaylist:
    """Lock the playlist row (no permission check: for batch jobs and for the owner's checks)."""
    locked, _ = _lock(connection, playlist_id=playlist_id, actor_id=0)
    return locked


def lock_for_edit(
    connection: Connection,
    *,
    playlist_id: int,
    actor_id: int,
    permission: Permission,
    expected_version: int | None = None,
) -> LockedPlaylist:
    """Lock the playlist, then check `actor_id` may do `permission` and the version is current."""
    require_id(actor_id, "user id")
    locked, grants = _lock(connection, playlist_id=playlist_id, actor_id=actor_id)
    _check_permission(locked, grants, actor_id=actor_id, permission=permission)
    check_version(locked, expected_version)
    return locked


def check_version(locked: LockedPlaylist, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != locked.version:
        raise StaleVersion(
            f"playlist {locked.id} is at version {locked.version}, but the edit was made "
            f"against version {expected_version}; reload the playlist and retry"
        )


def _lock(
    connection: Connection, *, playlist_id: int, actor_id: int
) -> tuple[LockedPlaylist, dict[Permission, bool] | None]:
    require_id(playlist_id, "playlist id")
    row = connection.execute(_LOCK, {"playlist_id": playlist_id}).one_or_none()
    if row is None:
        raise NotFound(f"playlist {playlist_id} not found")
    extra = connection.execute(
        _AFTER_LOCK, {"playlist_id": playlist_id, "actor_id": actor_id}
    ).one()
    grants = None
    if extra.can_add is not None:
        grants = {
            Permission.ADD: extra.can_add,
            Permission.REMOVE: extra.can_remove,
            Permission.REORDER: extra.can_reorder,
            Permission.MANAGE: False,
        }
    locked = LockedPlaylist(
        id=row.id,
        owner_id=row.owner_id,
        is_public=row.is_public,
        is_collaborative=row.is_collaborative,
        is_smart=row.is_smart,
        version=row.version,
        track_count=int(extra.tracks),
    )
    return locked, grants


def _check_permission(
    locked: LockedPlaylist,
    grants: dict[Permission, bool] | None,
    *,
    actor_id: int,
    permission: Permission,
) -> None:
    if actor_id == locked.owner_id:
        return
    # Collaborator rows only count while the owner keeps the playlist collaborative.
    collaborating = grants is not None and locked.is_collaborative
    if not locked.is_public and not collaborating:
        # A private playlist is invisible to others: same answer as a missing one.
        raise NotFound(f"playlist {locked.id} not found")
    if permission is Permission.MANAGE:
        raise Forbidden(
            f"only the owner (user {locked.owner_id}) may {permission.value} playlist {locked.id}"
        )
    if not collaborating:
        raise Forbidden(
            f"user {actor_id} may not edit playlist {locked.id}: it is not collaborative or "
            "they are not one of its collaborators; ask the owner to add them"
        )
    assert grants is not None
    if not grants[permission]:
        raise Forbidden(
            f"user {actor_id} may not {permission.value} tracks in playlist {locked.id}; "
            "ask the owner to grant it"
        )


# Visible to a viewer: public, their own, or collaborative with them as a collaborator.
VISIBLE_TO_VIEWER = """
    (p.is_public OR p.owner_id = :viewer_id OR (p.is_collaborative AND EXISTS (
        SELECT 1 FROM playlist_collaborators c
         WHERE c.playlist_id = p.id AND c.user_id = :viewer_id)))
"""
