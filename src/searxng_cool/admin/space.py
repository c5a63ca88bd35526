"""Space: tables and indexes by size, with growth over 7 and 30 days from the size samples
that `status` records (at most one an hour: run it periodically, e.g. from monitoring)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from searxng_cool.admin.relations import root_of
from searxng_cool.db import maintenance
from searxng_cool.errors import InvalidInput

MAX_RELATIONS = 200
MAX_DAYS = 366


@dataclass(frozen=True)
class RelationSize:
    name: str
    kind: str
    table: str
    total_bytes: int
    growth_7d: int | None
    growth_30d: int | None


def relation_sizes(connection: Connection, *, limit: int = 50) -> list[RelationSize]:
    """The largest tables (partitions summed into their parent) and indexes, largest first;
    growth is None where no sample is old enough."""
    if not 1 <= limit <= MAX_RELATIONS:
        raise InvalidInput(f"limit {limit} is out of range 1..{MAX_RELATIONS}")
    found = connection.execute(
        text(
            f"SELECT {root_of('c.oid')}::regclass::text AS name, 'table' AS kind,"
            f"       {root_of('c.oid')}::regclass::text AS tbl,"
            "       sum(pg_total_relation_size(c.oid))::bigint AS bytes"
            "  FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace"
            "   AND c.relkind IN ('r', 'm') GROUP BY 1, 3"
            " UNION ALL "
            "SELECT i.indexrelid::regclass::text, 'index', i.indrelid::regclass::text,"
            "       pg_relation_size(i.indexrelid)"
            "  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relnamespace = 'public'::regnamespace"
            " ORDER BY bytes DESC, name LIMIT :limit"
        ),
        {"limit": limit},
    ).all()
    then = {days: _sizes_before(connection, days) for days in (7, 30)}
    return [
        RelationSize(
            name=str(row.name),
            kind=str(row.kind),
            table=str(row.tbl),
            total_bytes=int(row.bytes),
            growth_7d=_growth(int(row.bytes), then[7].get(str(row.name))),
            growth_30d=_growth(int(row.bytes), then[30].get(str(row.name))),
        )
        for row in found
    ]


def _growth(now: int, before: int | None) -> int | None:
    return None if before is None else now - before


def _sizes_before(connection: Connection, days: int) -> dict[str, int]:
    """Each relation's last sample taken at least `days` days ago."""
    if not maintenance.has_operations_tables(connection):
        return {}
    rows = connection.execute(
        text(
            "SELECT DISTINCT ON (relation) relation, total_bytes FROM size_samples"
            " WHERE sampled_at <= now() - make_interval(days => :days)"
            " ORDER BY relation, sampled_at DESC"
        ),
        {"days": days},
    )
    return {str(relation): int(size) for relation, size in rows}


def database_size_history(connection: Connection, *, days: int = 30) -> list[tuple[datetime, int]]:
    """(time, bytes) of the database's size samples in the last `days` days, oldest first."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days {days} is out of range 1..{MAX_DAYS}")
    if not maintenance.has_operations_tables(connection):
        return []
    rows = connection.execute(
        text(
            "SELECT sampled_at, total_bytes FROM size_samples WHERE relation = 'database'"
            " AND sampled_at > now() - make_interval(days => :days) ORDER BY sampled_at"
        ),
        {"days": days},
    )
    return [(at, int(size)) for at, size in rows]


def relation_bytes(connection: Connection, *, names: list[str]) -> dict[str, int]:
    """The total size (with indexes and TOAST) of each named relation that exists."""
    rows = connection.execute(
        text(
            "SELECT n, pg_total_relation_size(to_regclass(n)) FROM unnest(CAST(:names AS text[])) n"
            " WHERE to_regclass(n) IS NOT NULL"
        ),
        {"names": names},
    )
    return {str(name): int(size) for name, size in rows}


@dataclass(frozen=True)
class TableMaintenance:
    table: str
    live_rows: int
    dead_rows: int
    last_vacuum: datetime | None
    last_analyze: datetime | None


def table_maintenance(connection: Connection) -> list[TableMaintenance]:
    """Each table's (and partition's) live and dead rows and its last vacuum and analyze,
    manual or automatic, most dead rows first."""
    rows = connection.execute(
        text(
            "SELECT relname, n_live_tup, n_dead_tup,"
            "       greatest(last_vacuum, last_autovacuum) AS vacuumed,"
            "       greatest(last_analyze, last_autoanalyze) AS analyzed"
            "  FROM pg_stat_user_tables WHERE schemaname = 'public'"
            " ORDER BY n_dead_tup DESC, relname"
        )
    )
    return [
        TableMaintenance(str(name), int(live), int(dead), vacuumed, analyzed)
        for name, live, dead, vacuumed, analyzed in rows
    ]
