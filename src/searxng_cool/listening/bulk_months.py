"""Fill an empty month of `user_interactions` offline, then swap it in as that month's partition.

Inserting a million events row by row into the partitioned table pays, per row, five B-tree
insertions at random places and two foreign-key checks: about fifteen times a bare COPY.
When a batch brings many events for a month whose partition is still empty (history being
imported, a month made ahead of time), its rows go instead into a new plain table, which
gets the parent's indexes by sorted builds and replaces the empty partition; attaching it
checks its foreign keys with one anti-join each. Nothing is visible until the batch commits, as with the
row path, and the same rows end up in the same table with the same indexes, keys and
counters.

Locks, held until the batch commits (`interactions load` commits right after): SHARE ROW
EXCLUSIVE on `users` and `tracks` and EXCLUSIVE on `user_interactions` while it fills and
indexes the new table (writers of those tables wait, readers do not); the swap at the end
builds nothing, and only it takes an ACCESS EXCLUSIVE lock on `user_interactions`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, text

from searxng_cool.listening.partitions import COUNT_INTO_COUNTERS, PARENT

# Below this many events for one month, the row path is as fast and takes no table lock.
BULK_MIN_ROWS = 50_000

FILLABLE_MONTHS = """
SELECT month, count(*)
  FROM (SELECT date_trunc('month', created_at AT TIME ZONE 'UTC')::date AS month
          FROM interaction_staging WHERE created_at IS NOT NULL) AS s
 GROUP BY month
HAVING count(*) >= :at_least
 ORDER BY month
"""

# The parent's partitioned indexes (definition, whether it backs the primary key) and the
# name each has on the partition being replaced.
PARENT_INDEXES = """
SELECT pi.indexrelid::regclass::text AS parent_index,
       pg_get_indexdef(pi.indexrelid) AS definition,
       pi.indisprimary,
       ci.relname AS partition_index
  FROM pg_index pi
  JOIN pg_inherits inh ON inh.inhparent = pi.indexrelid
  JOIN pg_class ci ON ci.oid = inh.inhrelid
  JOIN pg_index cx ON cx.indexrelid = ci.oid AND cx.indrelid = CAST(:partition AS regclass)
 WHERE pi.indrelid = CAST(:parent AS regclass)
 ORDER BY pi.indexrelid
"""

# A UTC month's bounds, as values and as literals for DDL (which takes no parameters).
BOUNDS = """
SELECT lower_bound, upper_bound, quote_literal(lower_bound::text), quote_literal(upper_bound::text)
  FROM (SELECT CAST(:m AS timestamp) AT TIME ZONE 'UTC' AS lower_bound,
               (CAST(:m AS timestamp) + interval '1 month') AT TIME ZONE 'UTC' AS upper_bound) b
"""


def month_bounds(connection: Connection, *, month: date) -> tuple[datetime, datetime]:
    lower, upper, _, _ = connection.execute(text(BOUNDS), {"m": month}).one()
    return lower, upper


FILL = """
INSERT INTO {load} (user_id, track_id, interaction_type, play_duration_ms, context, created_at)
SELECT s.user_id, s.track_id, s.interaction_type, s.play_duration_ms,
       coalesce(s.context, '{{}}'::jsonb), s.created_at
  FROM interaction_staging s
  JOIN users u ON u.id = s.user_id
  JOIN tracks t ON t.id = s.track_id
 WHERE (s.play_duration_ms IS NULL OR t.duration_ms IS NULL
        OR s.play_duration_ms <= t.duration_ms)
   AND s.created_at >= :lower AND s.created_at < :upper
 ORDER BY s.created_at, s.line
"""


def _quote(connection: Connection, name: str) -> str:
    return str(connection.dialect.identifier_preparer.quote(name))


def can_fill_offline(connection: Connection) -> bool:
    """Whether this role may swap partitions: only the schema's owner (or a superuser) may
    CREATE, ALTER and ATTACH. The application role takes the row path instead."""
    owner = connection.execute(
        text(
            "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class"
            " WHERE oid = CAST(:t AS regclass)"
        ),
        {"t": PARENT},
    ).scalar_one()
    return bool(owner)


def crowded_months(connection: Connection, *, at_least: int) -> list[date]:
    """Months for which at least `at_least` events are staged."""
    found = connection.execute(text(FILLABLE_MONTHS), {"at_least": at_least}).all()
    return [month for month, _ in found]


def empty_partitions(connection: Connection, *, months: list[date]) -> list[date]:
    """Those of `months` whose partition exists and holds no row."""
    empty = []
    for month in months:
        name = f"{PARENT}_p{month:%Y_%m}"
        exists = connection.execute(
            text("SELECT to_regclass(:name) IS NOT NULL"), {"name": f"public.{name}"}
        ).scalar_one()
        if (
            exists
            and not connection.execute(
                text(f"SELECT EXISTS (SELECT FROM public.{_quote(connection, name)})")
            ).scalar_one()
        ):
            empty.append(month)
    return empty


def lock_writers_out(connection: Connection) -> None:
    """Hold off other writers (not readers) until this batch commits.

    Attaching the filled partition adds its foreign keys, which takes SHARE ROW EXCLUSIVE
    locks on `users` and `tracks`. Taken here, first and in this order, a transaction that
    wrote a user and then waits to write an event makes this batch wait at the start
    rather than deadlock with it at the end; two filling batches take turns.
    """
    connection.execute(text("LOCK TABLE users, tracks IN SHARE ROW EXCLUSIVE MODE"))
    connection.execute(text(f"LOCK TABLE {PARENT} IN EXCLUSIVE MODE"))


def fill_month(connection: Connection, *, month: date) -> int:
    """Replace the empty partition of `month` by one holding the batch's events for it.

    The caller holds `lock_writers_out` and has checked the partition is empty (both under
    that lock). Returns the number of events stored.
    """
    partition = f"{PARENT}_p{month:%Y_%m}"
    load = f"{partition}_load"
    q_partition, q_load = _quote(connection, partition), _quote(connection, load)
    lower, upper, lower_literal, upper_literal = connection.execute(
        text(BOUNDS), {"m": month}
    ).one()
    connection.execute(
        text(
            f"CREATE TABLE public.{q_load}"
            f" (LIKE public.{PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
    )
    stored = connection.execute(
        text(FILL.format(load=f"public.{q_load}")), {"lower": lower, "upper": upper}
    ).rowcount
    # Sorted builds of the parent's indexes, under temporary names (the partition being
    # replaced still holds the final ones).
    indexes = connection.execute(
        text(PARENT_INDEXES), {"parent": PARENT, "partition": f"public.{partition}"}
    ).all()
    built = []
    for number, (_, definition, is_primary, final_name) in enumerate(indexes):
        temporary = f"{load}_{number}"
        body = definition.split(f" ON ONLY public.{PARENT} ", 1)[1]
        unique = "UNIQUE " if is_primary or " UNIQUE " in definition.split(" ON ")[0] else ""
        connection.execute(
            text(f"CREATE {unique}INDEX {_quote(connection, temporary)} ON public.{q_load} {body}")
        )
        built.append((temporary, final_name, is_primary))
    # What the parent's statement trigger would add for these rows; attaching a partition
    # fires no trigger.
    connection.execute(text(COUNT_INTO_COUNTERS), {"rows": f"public.{q_load}", "direction": 1})
    connection.execute(
        text(
            f"ALTER TABLE public.{q_load} ADD CONSTRAINT {_quote(connection, load + '_bounds')}"
            f" CHECK (created_at >= {lower_literal} AND created_at < {upper_literal})"
        )
    )
    # The swap: the only part that blocks readers of user_interactions, and it builds
    # nothing. ATTACH links the indexes and adds the foreign keys, checking the rows with one
    # anti-join per key (the fill only took rows whose user and track exist, and the locks
    # above keep them existing).
    connection.execute(text(f"DROP TABLE public.{q_partition}"))
    connection.execute(text(f"ALTER TABLE public.{q_load} RENAME TO {q_partition}"))
    for temporary, final_name, is_primary in built:
        if is_primary:
            connection.execute(
                text(
                    f"ALTER TABLE public.{q_partition} ADD CONSTRAINT"
                    f" {_quote(connection, final_name)} PRIMARY KEY"
                    f" USING INDEX {_quote(connection, temporary)}"
                )
            )
        else:
            connection.execute(
                text(
                    f"ALTER INDEX public.{_quote(connection, temporary)}"
                    f" RENAME TO {_quote(connection, final_name)}"
                )
            )
    connection.execute(
        text(
            f"ALTER TABLE public.{PARENT} ATTACH PARTITION public.{q_partition}"
            f" FOR VALUES FROM ({lower_literal}) TO ({upper_literal})"
        )
    )
    connection.execute(
        text(
            f"ALTER TABLE public.{q_partition}"
            f" DROP CONSTRAINT {_quote(connection, load + '_bounds')}"
        )
    )
    return int(stored)
