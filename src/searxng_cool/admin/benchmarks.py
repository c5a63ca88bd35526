"""The validator's index effectiveness and performance benchmark groups.

Each canonical query runs under EXPLAIN (ANALYZE, BUFFERS); it passes when the plan uses
one of the indexes meant for it and finishes under 100 ms. On a table too small for the
planner to bother with an index (fewer than SMALL_TABLE_ROWS rows), sequential scans are
switched off for that one query, which still proves the index can serve it.

On a partitioned table the plan names each partition's copy of an index; those names are
mapped to the partitioned index they belong to before they are compared with the expected
ones, and the table's size is the sum of its partitions' (admin/relations.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from searxng_cool.admin import relations
from searxng_cool.admin.health_checks import IDENTICAL_INDEXES, INVALID_INDEXES
from searxng_cool.admin.outcomes import Outcome, Result

TIME_LIMIT_MS = 100.0
# conparentid = 0: a partition's clone of its parent's foreign key is the parent's, judged once.
_UNINDEXED_FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text || '.' || a.attname FROM pg_constraint c
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
 WHERE c.contype = 'f' AND c.conparentid = 0 AND NOT EXISTS (
       SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
 ORDER BY 1
"""
SMALL_TABLE_ROWS = 10_000


@dataclass(frozen=True)
class CanonicalQuery:
    name: str
    table: str
    sql: str
    indexes: tuple[str, ...]  # any of these serves it


CANONICAL_QUERIES = (
    CanonicalQuery("tracks of an artist", "tracks",
                   "SELECT id, title FROM tracks WHERE artist_id = 1",
                   ("idx_tracks_artist_id", "idx_tracks_artist_album", "idx_tracks_match_key")),
    CanonicalQuery("tracks of an album", "tracks",
                   "SELECT id, title FROM tracks WHERE album_id = 1", ("idx_tracks_album_id",)),
    CanonicalQuery("a user's plays of a track", "user_interactions",
                   "SELECT id FROM user_interactions WHERE user_id = 1 AND track_id = 1 "
                   "AND interaction_type = 'play'", ("idx_user_interactions_composite",)),
    CanonicalQuery("a user's interactions", "user_interactions",
                   "SELECT id FROM user_interactions WHERE user_id = 1",
                   ("idx_user_interactions_user_id", "idx_user_interactions_composite")),
    CanonicalQuery("recent interactions", "user_interactions",
                   "SELECT id FROM user_interactions ORDER BY created_at DESC LIMIT 50",
                   ("idx_user_interactions_created",)),
    CanonicalQuery("playlist in order", "playlist_tracks",
                   "SELECT track_id FROM playlist_tracks WHERE playlist_id = 1 ORDER BY position",
                   ("idx_playlist_position",)),
    CanonicalQuery("track by source id", "track_sources",
                   "SELECT track_id FROM track_sources WHERE track_id = 1 AND source_type = 'spotify'",
                   ("idx_track_sources_unique",)),
    CanonicalQuery("full-text track search", "tracks",
                   "SELECT id FROM tracks WHERE to_tsvector('english', COALESCE(title, '') || ' ' || "
                   "COALESCE(search_vector, '')) @@ plainto_tsquery('english', 'love')",
                   ("idx_tracks_search",)),
    CanonicalQuery("full-text artist search", "artists",
                   "SELECT id FROM artists WHERE to_tsvector('english', COALESCE(name, '') || ' ' || "
                   "COALESCE(search_vector, '')) @@ plainto_tsquery('english', 'love')",
                   ("idx_artists_search",)),
    CanonicalQuery("artists by genre", "artists",
                   "SELECT id FROM artists WHERE genres @> '[\"rock\"]'", ("idx_artists_genres",)),
    CanonicalQuery("tracks by audio feature", "tracks",
                   "SELECT id FROM tracks WHERE audio_features @> '{\"mode\": 1}'",
                   ("idx_tracks_audio_features",)),
    CanonicalQuery("playlists by tag", "playlists",
                   "SELECT id FROM playlists WHERE tags @> '[\"chill\"]'", ("idx_playlists_tags",)),
    CanonicalQuery("recent discovery sessions", "discovery_sessions",
                   "SELECT id FROM discovery_sessions ORDER BY started_at DESC LIMIT 20",
                   ("idx_discovery_sessions_started",)),
)  # fmt: skip


def _index_names(plan: dict[str, Any]) -> Iterator[str]:
    if "Index Name" in plan:
        yield str(plan["Index Name"])
    for child in plan.get("Plans", []):
        yield from _index_names(child)


def explain(connection: Connection, *, query: CanonicalQuery) -> tuple[set[str], float, bool]:
    """Indexes used (partition copies named by their parent index), execution time (ms), and
    whether seq scans had to be switched off."""
    small = relations.estimated_rows(connection, table=query.table) < SMALL_TABLE_ROWS
    savepoint = connection.begin_nested()
    try:
        if small:
            connection.execute(text("SET LOCAL enable_seqscan = off"))
        raw = connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {query.sql}"
        ).scalar_one()
    finally:
        savepoint.rollback()
    document = raw if isinstance(raw, list) else json.loads(raw)
    used = relations.root_index_names(connection, names=_index_names(document[0]["Plan"]))
    return used, float(document[0]["Execution Time"]), small


def performance_benchmarks(connection: Connection) -> list[Result]:
    results = []
    for query in CANONICAL_QUERIES:
        used, elapsed, small = explain(connection, query=query)
        serving = used & set(query.indexes)
        note = " (small table: seq scan disabled)" if small else ""
        if not serving:
            outcome = Outcome.FAIL
            reason = f"expected {' or '.join(query.indexes)}, plan used {', '.join(sorted(used)) or 'no index'}"
        elif elapsed >= TIME_LIMIT_MS:
            outcome, reason = (
                Outcome.FAIL,
                f"{elapsed:.1f} ms >= {TIME_LIMIT_MS:.0f} ms via {', '.join(serving)}",
            )
        else:
            outcome, reason = (
                Outcome.PASS,
                f"{elapsed:.2f} ms via {', '.join(sorted(serving))}{note}",
            )
        results.append(Result("performance benchmarks", query.name, outcome, reason))
    return results


def index_effectiveness(connection: Connection) -> list[Result]:
    group = "index effectiveness"
    invalid = connection.execute(text(INVALID_INDEXES)).scalars().all()
    unindexed = connection.execute(text(_UNINDEXED_FOREIGN_KEYS)).scalars().all()
    duplicates = [f"{a} = {b}" for a, b in connection.execute(text(IDENTICAL_INDEXES))]
    return [
        Result(group, "no invalid indexes", Outcome.FAIL if invalid else Outcome.PASS,
               f"invalid: {', '.join(invalid)}" if invalid else "every index is valid"),
        Result(group, "foreign keys lead an index", Outcome.WARN if unindexed else Outcome.PASS,
               f"unindexed: {', '.join(unindexed)}" if unindexed else "every foreign key column leads an index"),
        Result(group, "no duplicate indexes", Outcome.WARN if duplicates else Outcome.PASS,
               "; ".join(duplicates) if duplicates else "no two indexes are identical"),
    ]  # fmt: skip
