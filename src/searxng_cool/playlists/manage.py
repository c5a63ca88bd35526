"""A playlist's life and metadata: create, rename, settings, delete (the owner's)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

from searxng_cool.errors import InvalidInput, NotFound
from searxng_cool.playlists.access import (
    LockedPlaylist,
    Permission,
    lock_for_edit,
    require_id,
)
from searxng_cool.playlists.activity import record_creation, record_edit
from searxng_cool.playlists.editing import EditResult
from searxng_cool.playlists.rules import parse_rules

NAME_MAX = 255  # playlists.name is VARCHAR(255)
DESCRIPTION_MAX = 5_000
TAG_MAX = 50
TAGS_MAX = 30


def require_text(value: object, what: str, *, max_length: int, allow_blank: bool = False) -> str:
    """Text PostgreSQL can store as given: a str, no NUL, valid UTF-8, within its limit."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text, not {type(value).__name__}")
    if "\x00" in value:
        raise InvalidInput(f"{what} contains a NUL character, which cannot be stored; remove it")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(f"{what} is not valid Unicode text (a lone surrogate?)") from exc
    if not allow_blank and not value.strip():
        raise InvalidInput(f"{what} must not be blank")
    if len(value) > max_length:
        raise InvalidInput(f"{what} is {len(value)} characters long; the limit is {max_length}")
    return value


def create_playlist(
    connection: Connection,
    *,
    owner_id: int,
    name: str,
    description: str | None = None,
    is_public: bool = False,
    is_collaborative: bool = False,
    tags: Sequence[str] = (),
    dynamic_rules: Any = None,
) -> int:
    """A new, empty playlist (a smart one when `dynamic_rules` is given); returns its id."""
    require_id(owner_id, "owner id")
    clean_name = require_text(name, "playlist name", max_length=NAME_MAX).strip()
    clean_description = _optional_description(description)
    clean_tags = _require_tags(tags)
    rules = None if dynamic_rules is None else json.dumps(parse_rules(dynamic_rules).source)
    if (
        connection.execute(text("SELECT 1 FROM users WHERE id = :id"), {"id": owner_id}).first()
        is None
    ):
        raise NotFound(f"user {owner_id} not found; create the account first")
    playlist_id = connection.execute(
        text(
            """
            INSERT INTO playlists (name, description, owner_id, is_public, is_collaborative,
                                   tags, dynamic_rules)
            VALUES (:name, :description, :owner_id, :is_public, :is_collaborative,
                    CAST(:tags AS jsonb), CAST(:rules AS jsonb))
            RETURNING id
            """
        ),
        {
            "name": clean_name,
            "description": clean_description,
            "owner_id": owner_id,
            "is_public": bool(is_public),
            "is_collaborative": bool(is_collaborative),
            "tags": json.dumps(clean_tags),
            "rules": rules,
        },
    ).scalar_one()
    record_creation(connection, playlist_id=playlist_id, owner_id=owner_id, name=clean_name)
    return int(playlist_id)


def rename_playlist(
    connection: Connection,
    *,
    playlist_id: int,
    actor_id: int,
    name: str,
    expected_version: int | None = None,
) -> EditResult:
    """Give the playlist a new name (owner only); the version moves on."""
    clean = require_text(name, "playlist name", max_length=NAME_MAX).strip()
    locked = _lock_owner(connection, playlist_id, actor_id, expected_version)
    _update(connection, locked, "name = :value", clean)
    return _finish(connection, locked, actor_id, "rename", {"name": clean})


def change_settings(
    connection: Connection,
    *,
    playlist_id: int,
    actor_id: int,
    is_public: bool | None = None,
    is_collaborative: bool | None = None,
    tags: Sequence[str] | None = None,
    expected_version: int | None = None,
) -> EditResult:
    """Change visibility, collaboration and tags; None leaves a setting as it is."""
    changes: dict[str, Any] = {}
    if is_public is not None:
        changes["is_public"] = bool(is_public)
    if is_collaborative is not None:
        changes["is_collaborative"] = bool(is_collaborative)
    if tags is not None:
        changes["tags"] = _require_tags(tags)
    if not changes:
        raise InvalidInput("name at least one setting to change (public, collaborative, tags)")
    locked = _lock_owner(connection, playlist_id, actor_id, expected_version)
    connection.execute(
        text(
            """
            UPDATE playlists
               SET is_public = COALESCE(:is_public, is_public),
                   is_collaborative = COALESCE(:is_collaborative, is_collaborative),
                   tags = COALESCE(CAST(:tags AS jsonb), tags)
             WHERE id = :id
            """
        ),
        {
            "id": locked.id,
            "is_public": changes.get("is_public"),
            "is_collaborative": changes.get("is_collaborative"),
            "tags": json.dumps(changes["tags"]) if "tags" in changes else None,
        },
    )
    return _finish(connection, locked, actor_id, "settings", changes)


def delete_playlist(
    connection: Connection, *, playlist_id: int, actor_id: int, expected_version: int | None = None
) -> int:
    """Delete the playlist with its entries, collaborators and log; returns how many tracks
    it held. Only the owner may, and a stale `expected_version` is refused."""
    locked = _lock_owner(connection, playlist_id, actor_id, expected_version)
    connection.execute(text("DELETE FROM playlists WHERE id = :id"), {"id": locked.id})
    return locked.track_count


def _lock_owner(
    connection: Connection, playlist_id: int, actor_id: int, expected_version: int | None
) -> LockedPlaylist:
    return lock_for_edit(
        connection,
        playlist_id=playlist_id,
        actor_id=actor_id,
        permission=Permission.MANAGE,
        expected_version=expected_version,
    )


def _update(connection: Connection, locked: LockedPlaylist, assignment: str, value: object) -> None:
    # `assignment` is one of this module's constant SET clauses; the value is always bound.
    connection.execute(
        text(f"UPDATE playlists SET {assignment} WHERE id = :id"), {"id": locked.id, "value": value}
    )


def _finish(
    connection: Connection,
    locked: LockedPlaylist,
    actor_id: int,
    action: str,
    details: dict[str, Any],
) -> EditResult:
    version = record_edit(
        connection, locked=locked, actor_id=actor_id, action=action, details=details
    )
    return EditResult(locked.id, version, locked.track_count)


def _optional_description(description: str | None) -> str | None:
    if description is None:
        return None
    return require_text(
        description, "playlist description", max_length=DESCRIPTION_MAX, allow_blank=True
    )


def _require_tags(tags: Sequence[str]) -> list[str]:
    if isinstance(tags, str | bytes):
        raise InvalidInput("tags must be a list of words, not one string")
    if len(tags) > TAGS_MAX:
        raise InvalidInput(f"{len(tags)} tags given; a playlist may have at most {TAGS_MAX}")
    cleaned = [require_text(tag, "a tag", max_length=TAG_MAX).strip() for tag in tags]
    return list(dict.fromkeys(cleaned))
