"""Partition-aware names for the operations tools (status, validator, benchmarks).

On a partitioned table (`user_interactions`) the rows, the statistics and the index copies
live in the partitions: PostgreSQL gives each partition its own copy of every index of the
parent, with a generated name (`user_interactions_p2026_11_user_id_idx`), and EXPLAIN,
pg_stat_user_indexes and pg_index name those copies. The tools judge the index the schema
declares, so a copy is mapped to its root with `pg_partition_root()`, which follows
pg_inherits up the tree (for an index as for a table) and is NULL for a relation that is
not a partition.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text


def root_of(oid: str) -> str:
    """SQL for the root of the partition tree holding `oid` (`oid` itself when it is none)."""
    return f"coalesce(pg_partition_root({oid}), {oid})"


_ROOT_INDEX_NAMES = f"""
SELECT c.relname, r.relname FROM pg_class c
  JOIN pg_class r ON r.oid = {root_of("c.oid")}
 WHERE c.relkind IN ('i', 'I') AND c.relnamespace = 'public'::regnamespace
   AND c.relname = ANY(:names)
"""
_LEAF_ROWS = f"""
SELECT coalesce(sum(greatest(c.reltuples, 0)), 0) FROM pg_class c
 WHERE c.relkind IN ('r', 'm') AND {root_of("c.oid")} = CAST(:table AS regclass)
"""


def root_index_names(connection: Connection, *, names: Iterable[str]) -> set[str]:
    """The indexes the schema declares behind `names`: a partition's copy becomes its parent's
    name; a name that is no partition copy (or unknown) is kept as it is."""
    wanted = sorted(set(names))
    if not wanted:
        return set()
    found = connection.execute(text(_ROOT_INDEX_NAMES), {"names": wanted}).all()
    mapped = {str(copy): str(root) for copy, root in found}
    return {mapped.get(name, name) for name in wanted}


def estimated_rows(connection: Connection, *, table: str) -> int:
    """The planner's row estimate for `table`, summed over its partitions when it has any
    (a partitioned parent holds no rows itself)."""
    return int(connection.execute(text(_LEAF_ROWS), {"table": table}).scalar_one())
