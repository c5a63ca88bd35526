"""The spec's validation suite: six groups of named checks, each pass, warn or fail.

Schema integrity reads pg_catalog and compares it with what the spec names and the models
declare (not only Alembic's view). Relationship checks use NOT EXISTS, never NOT IN, so a
NULL foreign key cannot hide an orphan. Exit code: 0 pass, 1 warnings, 2 failures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from psycopg import sql as pgsql
from sqlalchemy import CheckConstraint, Connection, ForeignKeyConstraint, text

from searxng_cool.admin import benchmarks, lint, migrations
from searxng_cool.admin.outcomes import Outcome, Result
from searxng_cool.db.models import Base
from searxng_cool.errors import InvalidInput

SPEC_TABLES = (
    "artists", "albums", "tracks", "users", "user_interactions", "user_music_profiles",
    "playlists", "playlist_tracks", "discovery_sessions", "discovery_session_tracks",
    "track_sources", "artist_sources", "album_sources",
)  # fmt: skip
# idx_playlist_tracks_position is deliberately absent: the deferred unique constraint
# idx_playlist_position serves the same (playlist_id, position) lookups (docs/DATABASE.md).
SPEC_INDEXES = (
    "idx_tracks_artist_id", "idx_tracks_album_id", "idx_user_interactions_user_id",
    "idx_tracks_artist_album", "idx_user_interactions_composite", "idx_tracks_audio_features",
    "idx_artists_genres", "idx_playlists_tags", "idx_tracks_search", "idx_artists_search",
    "idx_user_interactions_created", "idx_discovery_sessions_started",
    "idx_track_sources_unique", "idx_playlist_position",
)  # fmt: skip
SPEC_CHECKS = {"check_duration": "tracks", "check_play_duration": "user_interactions",
               "check_total_tracks": "albums"}  # fmt: skip
SPEC_EXTENSIONS = ("pg_trgm", "unaccent", "cube", "pg_stat_statements")


def names(connection: Connection, *, sql: str) -> set[str]:
    return {str(row[0]) for row in connection.execute(text(sql))}


def missing_check(group: str, name: str, expected: Iterable[str], present: set[str]) -> Result:
    wanted = set(expected)
    absent = sorted(wanted - present)
    if absent:
        return Result(group, name, Outcome.FAIL, f"missing: {', '.join(absent)}")
    return Result(group, name, Outcome.PASS, f"all {len(wanted)} present")


def _live_schema(connection: Connection) -> dict[str, set[str]]:
    """Names of what exists, read from pg_catalog."""
    public = "'public'::regnamespace"
    queries = {
        "tables": f"SELECT relname FROM pg_class WHERE relnamespace = {public} AND relkind IN ('r', 'p')",
        "indexes": f"SELECT relname FROM pg_class WHERE relnamespace = {public} AND relkind IN ('i', 'I') "
        f"UNION SELECT conname FROM pg_constraint WHERE connamespace = {public}",
        "constraints": f"SELECT conname FROM pg_constraint WHERE connamespace = {public}",
        "placed checks": "SELECT conname || ' on ' || conrelid::regclass::text FROM pg_constraint "
        "WHERE contype = 'c'",
        "triggers": "SELECT tgrelid::regclass::text FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE p.proname = 'update_updated_at_column' AND NOT t.tgisinternal",
        "views": "SELECT matviewname FROM pg_matviews WHERE schemaname = 'public'",
        "extensions": "SELECT extname FROM pg_extension",
    }
    return {what: names(connection, sql=sql) for what, sql in queries.items()}


def _declared_schema() -> dict[str, set[str]]:
    """Names the models declare (so revisions merged later are checked too)."""
    tables = list(Base.metadata.tables.values())
    constraints = [c for t in tables for c in t.constraints]
    return {
        "tables": {t.name for t in tables},
        "indexes": {str(i.name) for t in tables for i in t.indexes if i.name},
        "foreign keys": {str(c.name) for c in constraints if isinstance(c, ForeignKeyConstraint)},
        "checks": {str(c.name) for c in constraints if isinstance(c, CheckConstraint)},
        "updated_at": {t.name for t in tables if "updated_at" in t.c},
    }


def schema_integrity(connection: Connection) -> list[Result]:
    group = "schema integrity"
    live, declared = _live_schema(connection), _declared_schema()
    spec_checks = {f"{name} on {table}" for name, table in SPEC_CHECKS.items()}
    return [
        missing_check(group, "spec tables", SPEC_TABLES, live["tables"]),
        missing_check(group, "model tables", declared["tables"], live["tables"]),
        missing_check(group, "spec indexes", SPEC_INDEXES, live["indexes"]),
        missing_check(group, "model indexes", declared["indexes"], live["indexes"]),
        missing_check(group, "foreign keys", declared["foreign keys"], live["constraints"]),
        missing_check(group, "check constraints", declared["checks"], live["constraints"]),
        missing_check(
            group, "spec check constraints on their tables", spec_checks, live["placed checks"]
        ),
        missing_check(group, "extensions", SPEC_EXTENSIONS, live["extensions"]),
        missing_check(group, "updated_at triggers", declared["updated_at"], live["triggers"]),
        missing_check(group, "materialized views", ("mv_track_popularity",), live["views"]),
    ]


# conparentid = 0: a partition's clone of its parent's foreign key is checked through the
# parent, once (the parent's query reads every partition).
_SINGLE_COLUMN_FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, r.attname
  FROM pg_constraint c
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
  JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1]
 WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND c.conparentid = 0
   AND c.connamespace = 'public'::regnamespace
 ORDER BY c.conname
"""
# Playlists whose positions are not exactly 0..n-1, and whose total differs from its tracks.
# The expected total is the rule the triggers keep (db/sql/playlist_total_duration_v1.sql,
# docs/DATABASE.md): every playlist_tracks row counts (a track listed twice counts twice),
# a track without a known duration counts as 0, and an empty playlist totals 0.
_PLAYLIST_GAPS = """
SELECT playlist_id FROM playlist_tracks GROUP BY playlist_id
HAVING min(position) <> 0 OR max(position) <> count(*) - 1 ORDER BY 1 LIMIT 10
"""
_PLAYLIST_WRONG_TOTAL = """
SELECT p.id FROM playlists p
 WHERE p.total_duration_ms <> coalesce((SELECT sum(coalesce(t.duration_ms, 0))
        FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id
        WHERE pt.playlist_id = p.id), 0)
 ORDER BY 1 LIMIT 10
"""


def _orphans(connection: Connection, table: str, column: str, parent: str, key: str) -> Result:
    query = pgsql.SQL(
        "SELECT count(*) FROM {t} c WHERE c.{col} IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM {p} p WHERE p.{key} = c.{col})"
    ).format(
        t=pgsql.SQL(table),
        col=pgsql.Identifier(column),
        p=pgsql.SQL(parent),
        key=pgsql.Identifier(key),
    )
    orphans = int(connection.exec_driver_sql(query.as_string()).scalar_one())
    reason = f"{orphans} {table} rows point at a missing {parent}" if orphans else "no orphans"
    outcome = Outcome.FAIL if orphans else Outcome.PASS
    return Result(
        "relationship consistency", f"no orphans: {table}.{column} -> {parent}", outcome, reason
    )


def relationship_consistency(connection: Connection) -> list[Result]:
    group = "relationship consistency"
    results = [
        _orphans(connection, *foreign_key)
        for foreign_key in connection.execute(text(_SINGLE_COLUMN_FOREIGN_KEYS)).all()
    ]
    gaps = connection.execute(text(_PLAYLIST_GAPS)).scalars().all()
    wrong = connection.execute(text(_PLAYLIST_WRONG_TOTAL)).scalars().all()
    return [
        *results,
        Result(group, "playlist positions contiguous", Outcome.FAIL if gaps else Outcome.PASS,
               f"playlists with gaps: {', '.join(map(str, gaps))}" if gaps else "every playlist is 0..n-1"),
        Result(group, "playlist total_duration_ms", Outcome.FAIL if wrong else Outcome.PASS,
               f"playlists whose total differs from their tracks: {', '.join(map(str, wrong))}"
               if wrong else "every total equals the sum of its tracks"),
    ]  # fmt: skip


def data_consistency(connection: Connection) -> list[Result]:
    group = "data consistency"
    not_valid = names(
        connection,
        sql="SELECT conrelid::regclass::text || '.' || conname FROM pg_constraint WHERE NOT convalidated "
        "AND conparentid = 0 AND connamespace = 'public'::regnamespace",
    )
    populated = connection.execute(
        text(
            "SELECT bool_and(ispopulated) FROM pg_matviews WHERE matviewname = 'mv_track_popularity'"
        )
    ).scalar()
    over_full = connection.execute(
        text(
            "SELECT count(*) FROM albums a WHERE a.total_tracks IS NOT NULL AND a.total_tracks < "
            "(SELECT count(*) FROM tracks t WHERE t.album_id = a.id)"
        )
    ).scalar_one()
    return [
        Result(
            group,
            "constraints validated",
            Outcome.WARN if not_valid else Outcome.PASS,
            f"NOT VALID: {', '.join(sorted(not_valid))}"
            if not_valid
            else "every constraint is validated",
        ),
        Result(
            group,
            "popularity view populated",
            Outcome.PASS if populated else Outcome.FAIL,
            "mv_track_popularity is populated"
            if populated
            else "mv_track_popularity is missing or never populated",
        ),
        Result(
            group,
            "album track counts",
            Outcome.WARN if over_full else Outcome.PASS,
            f"{over_full} albums hold more tracks than total_tracks says"
            if over_full
            else "no album over its total_tracks",
        ),
    ]


def migration_history(connection: Connection) -> list[Result]:
    group = "migration history"
    heads = migrations.heads()
    at = migrations.current(connection)
    drift = migrations.drift(connection) if at == heads else None
    findings = [f for f in lint.lint_revisions() if f.blocking]
    return [
        Result(
            group,
            "single head",
            Outcome.PASS if len(heads) == 1 else Outcome.FAIL,
            f"heads: {', '.join(heads)}",
        ),
        Result(
            group,
            "database at head",
            Outcome.PASS if at == heads else Outcome.FAIL,
            f"current {', '.join(at) or 'none'}, head {', '.join(heads)}",
        ),
        Result(
            group,
            "no drift",
            Outcome.FAIL if drift else Outcome.PASS,
            (drift or "").splitlines()[0][:200] if drift else "models match the database",
        ),
        Result(
            group,
            "revisions pass the migration lint",
            Outcome.FAIL if findings else Outcome.PASS,
            "; ".join(f"{f.revision}: {f.rule}" for f in findings[:5]) or "no unsafe operation",
        ),
    ]


GROUPS: dict[str, Callable[[Connection], list[Result]]] = {
    "schema": schema_integrity,
    "relationships": relationship_consistency,
    "indexes": benchmarks.index_effectiveness,
    "performance": benchmarks.performance_benchmarks,
    "data": data_consistency,
    "migrations": migration_history,
}


def validate(connection: Connection, *, groups: Iterable[str] | None = None) -> list[Result]:
    """Run the named groups (default: all six) and return every result."""
    wanted = list(groups or GROUPS)
    unknown = [g for g in wanted if g not in GROUPS]
    if unknown:
        raise InvalidInput(
            f"unknown validation group(s) {', '.join(unknown)}; known: {', '.join(GROUPS)}"
        )
    results: list[Result] = []
    for group in wanted:
        results += GROUPS[group](connection)
    return results


def exit_code(results: Iterable[Result]) -> int:
    return int(max((r.outcome for r in results), default=Outcome.PASS))
