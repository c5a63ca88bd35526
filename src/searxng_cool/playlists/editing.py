"""Ordered editing of a playlist's tracks: add, remove, move, reorder in bulk, dedupe.

Positions are always 0..n-1, unique and without gaps. Each edit is a few set-based
statements that touch only the rows whose position changes; `idx_playlist_position` is
DEFERRABLE INITIALLY DEFERRED, so a shift may pass through duplicate positions within the
statement and is checked at commit. `total_duration_ms` is kept by triggers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from searxng_cool.errors import Conflict, InvalidInput, NotFound
from searxng_cool.playlists.access import (
    LockedPlaylist,
    Permission,
    lock_for_edit,
    require_id,
)
from searxng_cool.playlists.activity import record_edit

# One request may add this many tracks (Spotify's whole-playlist limit).
MAX_TRACKS_PER_ADD = 10_000
# How many ids an activity entry keeps; the count is always recorded.
LOGGED_IDS = 100


@dataclass(frozen=True)
class EditResult:
    """The playlist after an edit: its new version and how many tracks it holds."""

    playlist_id: int
    version: int
    track_count: int


def add_tracks(
    connection: Connection,
    *,
    playlist_id: int,
    actor_id: int,
    track_ids: Sequence[int],
    position: int | None = None,
    expected_version: int | None = None,
) -> EditResult:
    """Insert `track_ids` in order at `position` (default: the end), shifting what follows."""
    ids = _require_track_ids(track_ids)
    _require_tracks_exist(connection, ids)
    locked = _lock_manual(connection, playlist_id, actor_id, Permission.ADD, expected_version)
    n = locked.track_count
    at = n if position is None else _require_position(locked, position, upper=n)
    if at < n:
        connection.execute(
            text(
                "UPDATE playlist_tracks SET position = position + :k"
                " WHERE playlist_id = :p AND position >= :at"
            ),
            {"k": len(ids), "p": playlist_id, "at": at},
        )
    connection.execute(
        text(
            """
            INSERT INTO playlist_tracks (playlist_id, track_id, position, added_by)
            SELECT :p, t.track_id, :at + t.ord - 1, :actor
              FROM unnest(CAST(:ids AS integer[])) WITH ORDINALITY AS t(track_id, ord)
            """
        ),
        {"p": playlist_id, "at": at, "actor": actor_id, "ids": ids},
    )
    details = {"position": at, "count": len(ids), "track_ids": ids[:LOGGED_IDS]}
    return _finish(connection, locked, actor_id, "add", details, track_count=n + len(ids))


def remove_tracks(
    connection: Connection,
    *,
    playlist_id: int,
    actor_id: int,
    positions: Sequence[int],
    expected_version: int | None = None,
) -> EditResult:
    """Remove the tracks at `positions` (current positions) and close the gaps."""
    if isinstance(positions, str | bytes) or not positions:
        raise InvalidInput("name at least one position to remove")
    locked = _lock_manual(connection, playlist_id, actor_id, Permission.REMOVE, expected_version)
    unique = sorted({_require_position(locked, p, upper=locked.track_count - 1) for p in positions})
    connection.execute(
        text("DELETE FROM playlist_tracks WHERE playlist_id = :p AND position = ANY(:positions)"),
        {"p": playlist_id, "positions": unique},
    )
    close_gaps(connection, playlist_id=playlist_id, from_position=unique[0])
    details = {"positions": unique[:LOGGED_IDS], "count": len(unique)}
    return _finish(
        connection,
        locked,
        actor_id,
        "remove",
        details,
        track_count=locked.track_count - len(unique),
    )


def move_track(
    connection: Connection,
    *,
    playlist_id: int,
    actor_id: int,
    from_position: int,
    to_position: int,
    expected_version: int | None = None,
) -> EditResult:
    """Move one track; only the rows between the two positions are rewritten, in one UPDATE."""
    locked = _lock_manual(connection, playlist_id, actor_id, Permission.REORDER, expected_version)
    last = locked.track_count - 1
    src = _require_position(locked, from_position, upper=last)
    dst = _require_position(locked, to_position, upper=last)
    if src == dst:
        return EditResult(playlist_id, locked.version, locked.track_count)
    connection.execute(
        text(
            """
            UPDATE playlist_tracks
               SET position = CASE WHEN position = :src THEN :dst
                                   WHEN :src < :dst THEN position - 1
                                   ELSE position + 1 END
             WHERE playlist_id = :p AND position BETWEEN :low AND :high
            """
        ),
        {"p": playlist_id, "src": src, "dst": dst, "low": min(src, dst), "high": max(src, dst)},
    )
    details = {"from": src, "to": dst}
    return _finish(connection, locked, actor_id, "move", details, track_count=locked.track_count)


def reorder_tracks(
    connection: Connection,
    *,
    playlist_id: int,
    actor_id: int,
    new_order: Sequence[int],
    expected_version: int | None = None,
) -> EditResult:
    """Apply a whole new order: `new_order[i]` is the current position of the track that
    goes to position i. Must be a permutation of 0..n-1; only moved rows are written."""
    locked = _lock_manual(connection, playlist_id, actor_id, Permission.REORDER, expected_version)
    order = _require_permutation(locked, new_order)
    connection.execute(
        text(
            """
            UPDATE playlist_tracks pt
               SET position = m.new_position
              FROM (SELECT old_position, ord - 1 AS new_position
                      FROM unnest(CAST(:order AS integer[]))
                           WITH ORDINALITY AS u(old_position, ord)) AS m
             WHERE pt.playlist_id = :p
               AND pt.position = m.old_position
               AND m.old_position <> m.new_position
            """
        ),
        {"p": playlist_id, "order": order},
    )
    moved = sum(1 for new, old in enumerate(order) if new != old)
    return _finish(
        connection, locked, actor_id, "reorder", {"moved": moved}, track_count=locked.track_count
    )


def dedupe_tracks(
    connection: Connection,
    *,
    playlist_id: int,
    actor_id: int,
    expected_version: int | None = None,
) -> EditResult:
    """Keep the first occurrence of every track, remove the later ones, close the gaps."""
    locked = _lock_manual(connection, playlist_id, actor_id, Permission.REMOVE, expected_version)
    removed = (
        connection.execute(
            text(
                """
                DELETE FROM playlist_tracks WHERE id IN (
                    SELECT id FROM (
                        SELECT id, row_number() OVER (PARTITION BY track_id ORDER BY position)
                               AS occurrence
                          FROM playlist_tracks WHERE playlist_id = :p) AS numbered
                     WHERE occurrence > 1)
                RETURNING position
                """
            ),
            {"p": playlist_id},
        )
        .scalars()
        .all()
    )
    if removed:
        close_gaps(connection, playlist_id=playlist_id, from_position=min(removed))
    details = {"count": len(removed)}
    return _finish(
        connection,
        locked,
        actor_id,
        "dedupe",
        details,
        track_count=locked.track_count - len(removed),
    )


def close_gaps(connection: Connection, *, playlist_id: int, from_position: int) -> None:
    """Renumber the rows at or after `from_position` to follow on without gaps."""
    connection.execute(
        text(
            """
            UPDATE playlist_tracks pt
               SET position = r.new_position
              FROM (SELECT id, :start + row_number() OVER (ORDER BY position) - 1
                           AS new_position
                      FROM playlist_tracks
                     WHERE playlist_id = :p AND position >= :start) AS r
             WHERE pt.id = r.id AND pt.position <> r.new_position
            """
        ),
        {"p": playlist_id, "start": from_position},
    )


def _lock_manual(
    connection: Connection,
    playlist_id: int,
    actor_id: int,
    permission: Permission,
    expected_version: int | None,
) -> LockedPlaylist:
    locked = lock_for_edit(
        connection,
        playlist_id=playlist_id,
        actor_id=actor_id,
        permission=permission,
        expected_version=expected_version,
    )
    if locked.is_smart:
        raise Conflict(
            f"playlist {playlist_id} is a smart playlist: its tracks come from its rules; "
            "change the rules (or clear them to edit it by hand) instead"
        )
    return locked


def _finish(
    connection: Connection,
    locked: LockedPlaylist,
    actor_id: int,
    action: str,
    details: dict[str, Any],
    *,
    track_count: int,
) -> EditResult:
    version = record_edit(
        connection, locked=locked, actor_id=actor_id, action=action, details=details
    )
    return EditResult(locked.id, version, track_count)


def _require_position(locked: LockedPlaylist, position: object, *, upper: int) -> int:
    if isinstance(position, bool) or not isinstance(position, int):
        raise InvalidInput(f"a position must be a whole number, not {position!r}")
    if not 0 <= position <= upper:
        allowed = f"0..{upper}" if upper >= 0 else "none (it is empty)"
        raise InvalidInput(
            f"playlist {locked.id} has {locked.track_count} tracks; position {position} is "
            f"out of range {allowed}"
        )
    return position


def _require_track_ids(track_ids: Sequence[int]) -> list[int]:
    if isinstance(track_ids, str | bytes) or not track_ids:
        raise InvalidInput("name at least one track to add")
    if len(track_ids) > MAX_TRACKS_PER_ADD:
        raise InvalidInput(
            f"{len(track_ids)} tracks in one request; add at most {MAX_TRACKS_PER_ADD} at a time"
        )
    return [require_id(track_id, "track id") for track_id in track_ids]


def _require_tracks_exist(connection: Connection, ids: list[int]) -> None:
    missing = (
        connection.execute(
            text(
                "SELECT id FROM unnest(CAST(:ids AS integer[])) AS wanted(id)"
                " EXCEPT SELECT id FROM tracks WHERE id = ANY(:ids) ORDER BY 1 LIMIT 10"
            ),
            {"ids": ids},
        )
        .scalars()
        .all()
    )
    if missing:
        listed = ", ".join(str(track_id) for track_id in missing)
        raise NotFound(f"tracks not found: {listed}; nothing was added")


def _require_permutation(locked: LockedPlaylist, new_order: Sequence[int]) -> list[int]:
    n = locked.track_count
    if isinstance(new_order, str | bytes) or len(new_order) != n:
        raise InvalidInput(
            f"playlist {locked.id} has {n} tracks; a new order must list each of its "
            f"positions 0..{n - 1} exactly once, got {len(new_order)} entries"
        )
    for position in new_order:
        _require_position(locked, position, upper=n - 1)
    if len(set(new_order)) != n:
        raise InvalidInput(
            f"a new order must name each position of playlist {locked.id} exactly once; "
            "some are repeated"
        )
    return list(new_order)
