"""The individual health checks behind `status`, each a function of (connection, thresholds).

Every query is limited to the current database: pg_stat_activity, pg_stat_statements and
pg_locks are cluster-wide, and other databases' sessions are not ours to report.

Partitioned tables (`user_interactions`): the checks judge what the schema declares.
- Index checks (usage of an index, duplicates, known prefixes, invalid) treat each
  partition's copy of an index as the partitioned index it belongs to: scans and sizes are
  summed over the partitions and the parent's name is reported, once.
- Index usage per table is summed over a table's partitions and reported under the parent:
  queries address the parent, and a month's partition alone is mostly too small to judge.
- Dead tuples are reported per partition, named with its parent: VACUUM (autovacuum and
  `optimize`) works on one partition at a time, and one busy month can be bloated while the
  table as a whole is not.
- Sizes (in `status`) are summed under the parent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from sqlalchemy import Connection, text

from searxng_cool.admin.relations import root_of
from searxng_cool.config import OperationsConfig

# Indexes the spec names although a composite index starts with the same column(s):
# kept on purpose (docs/DATABASE.md), so `status` reports them as known, never as a problem.
KNOWN_PREFIX_INDEXES: Mapping[str, str] = {
    "idx_tracks_artist_id": "named by the spec; idx_tracks_artist_album also serves it",
    "idx_user_interactions_user_id": "named by the spec; idx_user_interactions_composite also serves it",
}


class Level(IntEnum):
    OK = 0
    INFO = 1
    WARNING = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    value: str
    threshold: str = ""
    details: list[str] = field(default_factory=list)
    # The check's figures as numbers (bytes, counts, ratios) for monitoring; `value` is prose.
    numbers: dict[str, float | int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "level": self.level.label,
            "value": self.value,
            "threshold": self.threshold,
            "details": self.details,
            "numbers": self.numbers,
        }


def rows(connection: Connection, *, sql: str, **params: Any) -> list[Any]:
    return list(connection.execute(text(sql), params).all())


def _worst(findings: list[tuple[Level, str]]) -> Level:
    return max((level for level, _ in findings), default=Level.OK)


def connections(connection: Connection, *, ops: OperationsConfig, pool_size: int) -> Check:
    mine, total, limit = rows(
        connection,
        sql="SELECT count(*) FILTER (WHERE datname = current_database()), count(*), "
        "current_setting('max_connections')::int FROM pg_stat_activity WHERE backend_type = 'client backend'",
    )[0]
    findings = []
    for used, cap, what in ((mine, pool_size, "pool size"), (total, limit, "max_connections")):
        ratio = used / cap if cap else 1.0
        if ratio >= ops["CONNECTIONS_CRITICAL_RATIO"]:
            findings.append((Level.CRITICAL, f"{used} of {what} {cap}"))
        elif ratio >= ops["CONNECTIONS_WARN_RATIO"]:
            findings.append((Level.WARNING, f"{used} of {what} {cap}"))
    return Check(
        "connections",
        _worst(findings),
        f"{mine} here / pool {pool_size}; {total} in cluster / max_connections {limit}",
        f"warn {ops['CONNECTIONS_WARN_RATIO']:.0%}, critical {ops['CONNECTIONS_CRITICAL_RATIO']:.0%}",
        [text_ for _, text_ in findings],
    )


def index_usage(connection: Connection, *, ops: OperationsConfig) -> Check:
    found = rows(
        connection,
        sql="SELECT r.relname, sum(s.n_live_tup)::bigint, sum(s.seq_scan)::bigint, "
        "sum(coalesce(s.idx_scan, 0))::bigint FROM pg_stat_user_tables s "
        f"JOIN pg_class r ON r.oid = {root_of('s.relid')} GROUP BY r.relname ORDER BY 1",
    )
    low, judged, sparse = [], 0, 0
    for name, live, seq, idx in found:
        scans = seq + idx
        if live < ops["INDEX_USAGE_MIN_ROWS"] or scans < ops["INDEX_USAGE_MIN_SCANS"]:
            sparse += 1
            continue
        judged += 1
        if idx / scans < ops["INDEX_USAGE_MIN_RATIO"]:
            low.append(f"{name}: {idx / scans:.0%} of {scans} scans use an index ({live} rows)")
    value = f"{judged} active tables judged, {len(low)} below; {sparse} with insufficient data"
    return Check(
        "index usage",
        Level.WARNING if low else Level.OK,
        value,
        f">= {ops['INDEX_USAGE_MIN_RATIO']:.0%} on tables with >= {ops['INDEX_USAGE_MIN_ROWS']:.0f} "
        f"rows and >= {ops['INDEX_USAGE_MIN_SCANS']:.0f} scans",
        low,
        numbers={"judged": judged, "below": len(low), "insufficient_data": sparse},
    )


# The project's own maintenance and bulk statements are slow by nature and are not the
# application's queries: DDL, COPY, VACUUM/ANALYZE, view refreshes, and the set-based
# statements of catalog ingest and interaction loads (they read their temporary tables).
MAINTENANCE_STATEMENTS = (
    r"^\s*(COPY|CREATE|ALTER|DROP|REFRESH|VACUUM|ANALYZE|TRUNCATE|CLUSTER|REINDEX|DO|SELECT "
    r"ensure_user_interactions_partition)\b"
    r"|\m(batch_tracks|batch_artists|batch_albums|incoming_tracks|changed_tracks|changed_artists"
    r"|changed_albums|new_mappings|ingest_staging|ingest_raw|ingest_keys|interaction_staging"
    r"|interaction_raw|interaction_not_plain)\M"
)


def slow_queries(connection: Connection, *, ops: OperationsConfig) -> Check:
    installed = rows(
        connection, sql="SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"
    )
    threshold = f"mean > {ops['SLOW_QUERY_MS']:.0f} ms"
    if not installed:
        return Check("slow queries", Level.INFO, "pg_stat_statements not installed", threshold)
    found = rows(
        connection,
        sql="SELECT calls, mean_exec_time, total_exec_time, left(regexp_replace(query, '\\s+', ' ', 'g'), 80) "
        "FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
        "WHERE d.datname = current_database() AND mean_exec_time > :ms "
        "AND query !~* :maintenance ORDER BY total_exec_time DESC LIMIT 10",
        ms=ops["SLOW_QUERY_MS"],
        maintenance=MAINTENANCE_STATEMENTS,
    )
    details = [
        f"{mean:.0f} ms mean x {calls} calls = {total:.0f} ms: {q}"
        for calls, mean, total, q in found
    ]
    return Check(
        "slow queries",
        Level.WARNING if found else Level.OK,
        f"{len(found)} slow",
        threshold,
        details,
        numbers={"slow": len(found)},
    )


def dead_tuples(connection: Connection, *, ops: OperationsConfig) -> Check:
    found = rows(
        connection,
        sql="SELECT s.relname || CASE WHEN c.relispartition THEN ' (partition of ' "
        "|| pg_partition_root(s.relid)::regclass::text || ')' ELSE '' END, "
        "s.n_live_tup, s.n_dead_tup FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
        "WHERE s.n_live_tup + s.n_dead_tup >= :min_rows "
        "AND s.n_dead_tup::float / (s.n_live_tup + s.n_dead_tup) > :ratio ORDER BY 1",
        min_rows=ops["DEAD_TUPLE_MIN_ROWS"],
        ratio=ops["DEAD_TUPLE_MAX_RATIO"],
    )
    details = [f"{n}: {d / (live + d):.0%} dead ({d} of {live + d})" for n, live, d in found]
    return Check(
        "dead tuples",
        Level.WARNING if found else Level.OK,
        f"{len(found)} tables over",
        f"dead/(live+dead) > {ops['DEAD_TUPLE_MAX_RATIO']:.0%} on tables >= "
        f"{ops['DEAD_TUPLE_MIN_ROWS']:.0f} rows",
        details,
    )


# Index pairs are found on every table, partitions included, then named by the index each
# belongs to (a partition's copy by its partitioned index) and reported once per pair.
_PAIR_NAMES = f"""
  JOIN pg_class c ON c.oid = a.indrelid
  JOIN pg_class ra ON ra.oid = {root_of("a.indexrelid")}
  JOIN pg_class rb ON rb.oid = {root_of("b.indexrelid")}
 WHERE c.relnamespace = 'public'::regnamespace
"""
# Pairs of indexes on the same table with the same columns, operator classes, expressions
# and predicate: one of each pair is pure cost. Shared with the validator.
IDENTICAL_INDEXES = f"""
SELECT DISTINCT least(ra.relname, rb.relname), greatest(ra.relname, rb.relname) FROM pg_index a
  JOIN pg_index b ON a.indrelid = b.indrelid AND a.indexrelid < b.indexrelid
   AND a.indkey = b.indkey AND a.indclass = b.indclass
   AND coalesce(pg_get_expr(a.indexprs, a.indrelid), '') = coalesce(pg_get_expr(b.indexprs, b.indrelid), '')
   AND coalesce(pg_get_expr(a.indpred, a.indrelid), '') = coalesce(pg_get_expr(b.indpred, b.indrelid), '')
{_PAIR_NAMES} ORDER BY 1, 2
"""
# A plain non-unique index whose columns lead another index of the same table.
_PREFIX_INDEXES = f"""
SELECT DISTINCT ra.relname, rb.relname FROM pg_index a
  JOIN pg_index b ON a.indrelid = b.indrelid AND a.indexrelid <> b.indexrelid
   AND a.indnatts < b.indnatts AND a.indexprs IS NULL AND b.indexprs IS NULL
   AND a.indpred IS NULL AND NOT a.indisunique
   AND (string_to_array(b.indkey::text, ' '))[1:a.indnatts] = string_to_array(a.indkey::text, ' ')
{_PAIR_NAMES} ORDER BY 1, 2
"""
# An invalid partition copy is named with the partitioned index it belongs to.
INVALID_INDEXES = f"""
SELECT i.indexrelid::regclass::text || CASE WHEN c.relispartition
       THEN ' (partition copy of ' || {root_of("i.indexrelid")}::regclass::text || ')' ELSE '' END
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid ORDER BY 1
"""


# Statistics cover the time since the later of: the first size sample (`status` records
# one when it first runs) and the last statistics reset.
WATCHED_DAYS = """
SELECT extract(epoch FROM now() - greatest(
           (SELECT min(sampled_at) FROM size_samples),
           (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database())
       )) / 86400
"""


def _days_watched(connection: Connection) -> float:
    if connection.execute(text("SELECT to_regclass('size_samples')")).scalar() is None:
        return 0.0
    days = connection.execute(text(WATCHED_DAYS)).scalar()
    return float(days) if days is not None else 0.0


def unused_indexes(connection: Connection, *, ops: OperationsConfig) -> Check:
    threshold = (
        f"idx_scan = 0, non-unique, >= {ops['UNUSED_INDEX_MIN_BYTES'] / 1048576:.1f} MB, "
        f"statistics older than {ops['UNUSED_INDEX_MIN_DAYS']:.0f} days"
    )
    watched = _days_watched(connection)
    if watched < ops["UNUSED_INDEX_MIN_DAYS"]:
        value = f"not judged yet: statistics cover {watched:.1f} days"
        return Check("unused indexes", Level.OK, value, threshold, numbers={"days": watched})
    # A partitioned index is used when any partition's copy is; its size is theirs summed.
    unused = rows(
        connection,
        sql="SELECT r.relname, sum(pg_relation_size(s.indexrelid))::bigint FROM pg_stat_user_indexes s "
        f"JOIN pg_class r ON r.oid = {root_of('s.indexrelid')} "
        "JOIN pg_index i ON i.indexrelid = r.oid WHERE NOT i.indisunique AND NOT i.indisprimary "
        "GROUP BY r.relname HAVING sum(s.idx_scan) = 0 "
        "AND sum(pg_relation_size(s.indexrelid)) >= :min_bytes ORDER BY 1",
        min_bytes=ops["UNUSED_INDEX_MIN_BYTES"],
    )
    return Check(
        "unused indexes",
        Level.WARNING if unused else Level.OK,
        f"{len(unused)} never scanned",
        threshold,
        [f"{name}: {size / 1048576:.1f} MB" for name, size in unused],
        numbers={"unused": len(unused), "bytes": sum(int(size) for _, size in unused)},
    )


def duplicate_indexes(connection: Connection, *, ops: OperationsConfig) -> Check:
    """Identical indexes warn; a prefix index warns unless the spec names it (known)."""
    duplicates = rows(connection, sql=IDENTICAL_INDEXES)
    prefixes = rows(connection, sql=_PREFIX_INDEXES)
    unknown = [(a, b) for a, b in prefixes if a not in KNOWN_PREFIX_INDEXES]
    known = sorted({a for a, _ in prefixes if a in KNOWN_PREFIX_INDEXES})
    return Check(
        "duplicate indexes",
        Level.WARNING if duplicates or unknown else Level.OK,
        f"{len(duplicates)} identical, {len(prefixes)} prefix of another ({len(known)} known)",
        "same columns/expression/predicate; a prefix index is redundant unless known",
        [f"{a} = {b}" for a, b in duplicates]
        + [f"{a} is a prefix of {b}" for a, b in unknown]
        + [f"{a} (known: {KNOWN_PREFIX_INDEXES[a]})" for a in known],
    )


def invalid_indexes(connection: Connection, *, ops: OperationsConfig) -> Check:
    invalid = rows(connection, sql=INVALID_INDEXES)
    return Check(
        "invalid indexes",
        Level.CRITICAL if invalid else Level.OK,
        f"{len(invalid)} invalid",
        "none (a failed CREATE INDEX CONCURRENTLY leaves one)",
        [name for (name,) in invalid],
    )


def not_valid_constraints(connection: Connection, *, ops: OperationsConfig) -> Check:
    found = rows(
        connection,
        sql="SELECT conrelid::regclass::text || '.' || conname FROM pg_constraint "
        "WHERE NOT convalidated AND conparentid = 0 AND connamespace = 'public'::regnamespace "
        "ORDER BY 1",
    )
    return Check(
        "NOT VALID constraints",
        Level.WARNING if found else Level.OK,
        f"{len(found)} not validated",
        "none (VALIDATE CONSTRAINT after adding NOT VALID)",
        [name for (name,) in found],
    )


def sessions(connection: Connection, *, ops: OperationsConfig) -> list[Check]:
    others = "datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    long_running = rows(
        connection,
        sql=f"SELECT pid, extract(epoch FROM now() - query_start), left(query, 80) FROM pg_stat_activity "
        f"WHERE {others} AND state = 'active' AND now() - query_start > make_interval(secs => :s) ORDER BY 2 DESC",
        s=ops["LONG_RUNNING_SECONDS"],
    )
    idle = rows(
        connection,
        sql=f"SELECT pid, extract(epoch FROM now() - state_change), left(query, 80) FROM pg_stat_activity "
        f"WHERE {others} AND state LIKE 'idle in transaction%' "
        "AND now() - state_change > make_interval(secs => :s) ORDER BY 2 DESC",
        s=ops["IDLE_IN_TRANSACTION_SECONDS"],
    )
    blocked = rows(
        connection,
        sql=f"SELECT pid, pg_blocking_pids(pid)::text, left(query, 80) FROM pg_stat_activity "
        f"WHERE {others} AND cardinality(pg_blocking_pids(pid)) > 0 ORDER BY pid",
    )
    return [
        Check(
            "long-running queries",
            Level.WARNING if long_running else Level.OK,
            f"{len(long_running)} running",
            f"> {ops['LONG_RUNNING_SECONDS']:.0f} s",
            [f"pid {p}: {s:.0f} s: {q}" for p, s, q in long_running],
        ),
        Check(
            "idle in transaction",
            Level.WARNING if idle else Level.OK,
            f"{len(idle)} sessions",
            f"> {ops['IDLE_IN_TRANSACTION_SECONDS']:.0f} s",
            [f"pid {p}: idle {s:.0f} s after: {q}" for p, s, q in idle],
        ),
        Check(
            "blocked queries",
            Level.WARNING if blocked else Level.OK,
            f"{len(blocked)} waiting on a lock",
            "none",
            [f"pid {p} blocked by {by}: {q}" for p, by, q in blocked],
        ),
    ]


def sequences(connection: Connection, *, ops: OperationsConfig) -> Check:
    found = rows(
        connection,
        sql="SELECT sequencename, last_value, max_value, last_value::float / max_value FROM pg_sequences "
        "WHERE schemaname = 'public' AND last_value IS NOT NULL "
        "AND last_value::float / max_value >= :ratio ORDER BY 4 DESC",
        ratio=ops["SEQUENCE_WARN_RATIO"],
    )
    level = Level.OK
    if found:
        critical = any(r[3] >= ops["SEQUENCE_CRITICAL_RATIO"] for r in found)
        level = Level.CRITICAL if critical else Level.WARNING
    return Check(
        "sequences near overflow",
        level,
        f"{len(found)} over",
        f"warn {ops['SEQUENCE_WARN_RATIO']:.0%}, critical {ops['SEQUENCE_CRITICAL_RATIO']:.0%} of max",
        [f"{n}: {last} of {top} ({used:.0%})" for n, last, top, used in found],
    )


def wraparound(connection: Connection, *, ops: OperationsConfig) -> Check:
    age = int(
        connection.execute(
            text("SELECT age(datfrozenxid) FROM pg_database WHERE datname = current_database()")
        ).scalar_one()
    )
    level = Level.OK
    if age >= ops["WRAPAROUND_CRITICAL_AGE"]:
        level = Level.CRITICAL
    elif age >= ops["WRAPAROUND_WARN_AGE"]:
        level = Level.WARNING
    headroom = 2_147_483_647 - age
    return Check(
        "transaction-id wraparound",
        level,
        f"oldest unfrozen xid age {age:,}; headroom {headroom:,}",
        f"warn {ops['WRAPAROUND_WARN_AGE']:,.0f}, critical {ops['WRAPAROUND_CRITICAL_AGE']:,.0f}",
    )


def cache_hit(connection: Connection, *, ops: OperationsConfig) -> Check:
    hit, read = rows(
        connection,
        sql="SELECT blks_hit, blks_read FROM pg_stat_database WHERE datname = current_database()",
    )[0]
    threshold = f">= {ops['CACHE_HIT_MIN_RATIO']:.1%} (judged after {ops['CACHE_HIT_MIN_BLOCKS']:,.0f} blocks)"
    if hit + read < ops["CACHE_HIT_MIN_BLOCKS"]:
        return Check("cache hit ratio", Level.INFO, "insufficient data", threshold)
    ratio = hit / (hit + read)
    level = Level.WARNING if ratio < ops["CACHE_HIT_MIN_RATIO"] else Level.OK
    return Check("cache hit ratio", level, f"{ratio:.2%} of {hit + read:,} blocks", threshold)
