"""Smart playlists: rules stored in `dynamic_rules`, tracks rewritten by a refresh.

A refresh computes the rules' tracks and replaces the playlist's entries in one statement
(the delete and the insert share one snapshot), inside the caller's transaction, with the
playlist row locked: readers see the old list or the new one, never half of each.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, func, insert, literal, select, text
from sqlalchemy.exc import DBAPIError

from searxng_cool.db.models import PlaylistTrack
from searxng_cool.errors import InvalidInput
from searxng_cool.playlists.access import (
    LockedPlaylist,
    Permission,
    lock_for_edit,
    lock_playlist,
    require_id,
)
from searxng_cool.playlists.activity import record_edit
from searxng_cool.playlists.editing import EditResult
from searxng_cool.playlists.rule_sql import compile_rules, numbered
from searxng_cool.playlists.rules import Condition, Group, SmartRules, parse_rules

entries = cast(Table, PlaylistTrack.__table__)


@dataclass(frozen=True)
class RefreshResult:
    playlist_id: int
    version: int
    track_count: int


def set_rules(
    connection: Connection,
    *,
    playlist_id: int,
    actor_id: int,
    rules: Any,
    expected_version: int | None = None,
) -> EditResult:
    """Make the playlist smart with `rules` (validated first), or a plain one with None.
    The tracks change at the next refresh."""
    parsed = None if rules is None else parse_rules(rules)
    locked = lock_for_edit(
        connection,
        playlist_id=playlist_id,
        actor_id=actor_id,
        permission=Permission.MANAGE,
        expected_version=expected_version,
    )
    if parsed is not None:
        _refuse_self_reference(parsed, playlist_id)
    connection.execute(
        text("UPDATE playlists SET dynamic_rules = CAST(:rules AS jsonb) WHERE id = :id"),
        {"id": playlist_id, "rules": None if parsed is None else json.dumps(parsed.source)},
    )
    details = {"smart": parsed is not None}
    version = record_edit(
        connection, locked=locked, actor_id=actor_id, action="rules", details=details
    )
    return EditResult(playlist_id, version, locked.track_count)


def preview_rules(connection: Connection, *, rules: Any, owner_id: int) -> list[int]:
    """The track ids `rules` would pick for `owner_id`, in order, without writing anything."""
    parsed = parse_rules(rules)
    require_id(owner_id, "owner id")
    return [row.id for row in connection.execute(compile_rules(parsed, owner_id=owner_id))]


def refresh_smart_playlist(
    connection: Connection, *, playlist_id: int, actor_id: int | None = None
) -> RefreshResult:
    """Rewrite a smart playlist's tracks from its rules. `actor_id` None is a batch job
    (no permission check); a user must be the owner or a collaborator who may add and remove."""
    locked = _lock_for_refresh(connection, playlist_id, actor_id)
    stored = connection.execute(
        text("SELECT dynamic_rules FROM playlists WHERE id = :id"), {"id": playlist_id}
    ).scalar_one()
    if stored is None:
        raise InvalidInput(
            f"playlist {playlist_id} is not a smart playlist (it has no rules); set rules first"
        )
    rules = _stored_rules(stored, playlist_id)
    count = _rewrite_entries(connection, locked, rules)
    version = record_edit(
        connection, locked=locked, actor_id=actor_id, action="refresh", details={"count": count}
    )
    return RefreshResult(playlist_id, version, count)


@dataclass(frozen=True)
class RefreshFailure:
    playlist_id: int
    reason: str


def refresh_all_smart_playlists(
    connection: Connection,
) -> tuple[list[RefreshResult], list[RefreshFailure]]:
    """Refresh every smart playlist (a batch job), in id order so locks are taken in order.
    Each runs in a savepoint: one playlist whose stored rules no longer parse, or whose
    refresh the database refuses (a value out of range, a check), is reported and keeps its
    tracks, and the others are still refreshed."""
    ids = list(
        connection.execute(
            text("SELECT id FROM playlists WHERE dynamic_rules IS NOT NULL ORDER BY id")
        ).scalars()
    )
    done: list[RefreshResult] = []
    failed: list[RefreshFailure] = []
    for playlist_id in ids:
        try:
            with connection.begin_nested():
                done.append(refresh_smart_playlist(connection, playlist_id=playlist_id))
        except InvalidInput as exc:
            failed.append(RefreshFailure(playlist_id, str(exc)))
        except DBAPIError as exc:
            refused = (str(exc.orig).strip().splitlines() or ["no message"])[0]
            failed.append(RefreshFailure(playlist_id, f"playlist {playlist_id}: {refused}"))
    return done, failed


def _lock_for_refresh(
    connection: Connection, playlist_id: int, actor_id: int | None
) -> LockedPlaylist:
    if actor_id is None:
        return lock_playlist(connection, playlist_id=playlist_id)
    return lock_for_edit(
        connection, playlist_id=playlist_id, actor_id=actor_id, permission=Permission.MANAGE
    )


def _stored_rules(stored: Any, playlist_id: int) -> SmartRules:
    try:
        return parse_rules(stored)
    except InvalidInput as exc:
        # Rules written before a change to the language, or by hand in SQL.
        raise InvalidInput(f"playlist {playlist_id} has invalid stored rules: {exc}") from exc


def _rewrite_entries(connection: Connection, locked: LockedPlaylist, rules: SmartRules) -> int:
    """Replace the entries with the rules' tracks: two set-based statements under the lock."""
    connection.execute(delete(entries).where(entries.c.playlist_id == locked.id))
    picked = numbered(rules, compile_rules(rules, owner_id=locked.owner_id)).subquery("numbered")
    rows = select(
        literal(locked.id), picked.c.track_id, picked.c.position, literal(locked.owner_id)
    ).select_from(picked)
    inserted = (
        insert(entries)
        .from_select(["playlist_id", "track_id", "position", "added_by"], rows)
        .returning(entries.c.id)
        .cte("inserted")
    )
    return int(connection.execute(select(func.count()).select_from(inserted)).scalar_one())


def _refuse_self_reference(rules: SmartRules, playlist_id: int) -> None:
    pending: list[Group | Condition] = [rules.root]
    while pending:
        node = pending.pop()
        if isinstance(node, Group):
            pending.extend(node.children)
        elif node.field == "playlist" and node.value == playlist_id:
            raise InvalidInput(
                f"{node.path}: refers to playlist {playlist_id} itself; a smart playlist "
                "cannot depend on its own tracks"
            )
