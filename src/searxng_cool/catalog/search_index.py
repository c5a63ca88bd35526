"""The search index's maintenance: what the triggers do, on demand.

Statement-level triggers on artists, albums and tracks keep `search_entries` and
`search_words` current for every writer, so callers normally need nothing from here.
`refresh` repairs or rebuilds (after restoring a dump taken without triggers, or to
recompute artist and album popularity exactly); `missing` is the consistency check.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

_MISSING = """
SELECT 'artist' AS kind, count(*) FROM artists a
 WHERE NOT EXISTS (SELECT 1 FROM search_entries e WHERE e.kind = 'artist' AND e.entity_id = a.id)
UNION ALL
SELECT 'album', count(*) FROM albums a
 WHERE NOT EXISTS (SELECT 1 FROM search_entries e WHERE e.kind = 'album' AND e.entity_id = a.id)
UNION ALL
SELECT 'track', count(*) FROM tracks t
 WHERE NOT EXISTS (SELECT 1 FROM search_entries e WHERE e.kind = 'track' AND e.entity_id = t.id)
"""


def refresh(connection: Connection, *, track_ids: Sequence[int] | None = None) -> None:
    """Re-index the given tracks (set-based, one statement), or with no ids rebuild the
    whole index: every entry, exact artist and album popularity, no stale typo words."""
    if track_ids is None:
        connection.execute(text("SELECT search_index_rebuild()"))
        return
    connection.execute(text("SELECT search_refresh_tracks(:ids)"), {"ids": list(track_ids)})


def missing(connection: Connection) -> dict[str, int]:
    """How many artists, albums and tracks have no search entry (0 each when healthy)."""
    return {kind: int(count) for kind, count in connection.execute(text(_MISSING))}
