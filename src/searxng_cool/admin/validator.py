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


def names(connection: Connection, sql: str) -> set[str]:
    return {str(row[0]) for row in connection.execute(text(sql))}


def missing_check(group: str, name: str, expected: Iterable[str], present: set[str]) -> Result:
    wanted = set(expected)
    absent = sorted(wanted - present)
    if absent:
        return Result(group, name, Outcome.FAIL, f"missing: {', '.join(absent)}")
    return Result(group, name, Outcome.PASS, f"all {len(wanted)} present")


def schema_integrity(connection: Connection) -> list[Result]:
    group = "schema integrity"
    tables = names(
        connection,
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')",
    )
    indexes = names(
        connection,
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('i', 'I')",
    )
    constraints = names(
        connection, "SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
    )
    declared = Base.metadata.tables.values()
    model_indexes = {str(i.name) for t in declared for i in t.indexes if i.name}
    model_fks = {
        str(c.name) for t in declared for c in t.constraints if isinstance(c, ForeignKeyConstraint)
    }
    model_checks = {
        str(c.name) for t in declared for c in t.constraints if isinstance(c, CheckConstraint)
    }
    placed = {
        f"{name} on {table}"
        for name, table in connection.execute(
            text("SELECT conname, conrelid::regclass::text FROM pg_constraint WHERE contype = 'c'")
        )
    }
    triggers = names(
        connection,
        "SELECT tgrelid::regclass::text FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = 'update_updated_at_column' AND NOT t.tgisinternal",
    )
    with_updated_at = {t.name for t in declared if "updated_at" in t.c}
    views = names(connection, "SELECT matviewname FROM pg_matviews WHERE schemaname = 'public'")
    return [
        missing_check(group, "spec tables", SPEC_TABLES, tables),
        missing_check(group, "model tables", (t.name for t in declared), tables),
        missing_check(group, "spec indexes", SPEC_INDEXES, indexes | constraints),
        missing_check(group, "model indexes", model_indexes, indexes | constraints),
        missing_check(group, "foreign keys", model_fks, constraints),
        missing_check(group, "check constraints", model_checks, constraints),
        missing_check(
            group,
            "spec check constraints on their tables",
            (f"{n} on {t}" for n, t in SPEC_CHECKS.items()),
            placed,
        ),
        missing_check(
            group,
            "extensions",
            SPEC_EXTENSIONS,
            names(connection, "SELECT extname FROM pg_extension"),
        ),
        missing_check(group, "updated_at triggers", with_updated_at, triggers),
        missing_check(group, "materialized views", ("mv_track_popularity",), views),
    ]


def _single_column_foreign_keys(connection: Connection) -> list[tuple[str, str, str, str, str]]:
    return [
        tuple(row)
        for row in connection.execute(
            text(
                "SELECT c.conname, c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, r.attname "
                "FROM pg_constraint c "
                "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
                "JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1] "
                "WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 "
                "AND c.connamespace = 'public'::regnamespace ORDER BY 1"
            )
        )
    ]


def relationship_consistency(connection: Connection) -> list[Result]:
    group = "relationship consistency"
    results = []
    for _name, table, column, parent, key in _single_column_foreign_keys(connection):
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
        outcome = Outcome.FAIL if orphans else Outcome.PASS
        reason = f"{orphans} {table} rows point at a missing {parent}" if orphans else "no orphans"
        results.append(Result(group, f"no orphans: {table}.{column} -> {parent}", outcome, reason))
    gaps = (
        connection.execute(
            text(
                "SELECT playlist_id FROM playlist_tracks GROUP BY playlist_id "
                "HAVING min(position) <> 0 OR max(position) <> count(*) - 1 ORDER BY 1 LIMIT 10"
            )
        )
        .scalars()
        .all()
    )
    results.append(
        Result(
            group,
            "playlist positions contiguous",
            Outcome.FAIL if gaps else Outcome.PASS,
            f"playlists with gaps: {', '.join(map(str, gaps))}"
            if gaps
            else "every playlist is 0..n-1",
        )
    )
    wrong = (
        connection.execute(
            text(
                "SELECT p.id FROM playlists p WHERE p.total_duration_ms <> coalesce(("
                "SELECT sum(t.duration_ms) FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id "
                "WHERE pt.playlist_id = p.id), 0) ORDER BY 1 LIMIT 10"
            )
        )
        .scalars()
        .all()
    )
    results.append(
        Result(
            group,
            "playlist total_duration_ms",
            Outcome.FAIL if wrong else Outcome.PASS,
            f"playlists whose total differs from their tracks: {', '.join(map(str, wrong))}"
            if wrong
            else "every total equals the sum of its tracks",
        )
    )
    return results


def data_consistency(connection: Connection) -> list[Result]:
    group = "data consistency"
    not_valid = names(
        connection,
        "SELECT conrelid::regclass::text || '.' || conname FROM pg_constraint WHERE NOT convalidated AND connamespace = 'public'::regnamespace",
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
