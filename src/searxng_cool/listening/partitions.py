"""Monthly partitions of `user_interactions`: create ahead of time, list, detach for archiving.

pg_partman is not assumed (Debian's PostgreSQL does not ship it); the partition-making
logic is one SQL function, `ensure_user_interactions_partition(date)`, shared with the
migration. Partitions are named `user_interactions_pYYYY_MM` and hold one UTC month;
`user_interactions_default` catches anything outside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, text

from searxng_cool.errors import InvalidInput

PARENT = "user_interactions"
DEFAULT_PARTITION = "user_interactions_default"
MAX_MONTHS_AHEAD = 120
_MONTHLY = re.compile(r"^user_interactions_p([0-9]{4})_([0-9]{2})$")
_MONTH_TEXT = re.compile(r"^([0-9]{4})-([0-9]{2})$")

# Rows that join or leave the table without firing its counter triggers (a partition
# detached here, one filled offline in bulk_months) are counted by the same SQL function
# the triggers use (db/sql/track_play_counters_v2.sql): +1 adds them, -1 takes them away.
COUNT_INTO_COUNTERS = "SELECT track_play_counters_count(CAST(:rows AS regclass), :direction)"


@dataclass(frozen=True)
class Partition:
    name: str
    month: date | None  # None for the default partition
    rows: int


@dataclass(frozen=True)
class DetachReport:
    partitions: list[Partition]
    dry_run: bool

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.partitions)


def parse_month(value: str) -> date:
    """'2020-01' -> date(2020, 1, 1); anything else is refused with the expected shape."""
    match = _MONTH_TEXT.fullmatch(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise InvalidInput(f"month {value!r:.40} is not of the form YYYY-MM (e.g. 2020-01)")
    return date(int(match.group(1)), int(match.group(2)), 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def ensure_partitions(
    connection: Connection, *, months_ahead: int = 3, today: date | None = None
) -> list[str]:
    """Create the partitions of this month and the next `months_ahead`; return the new names."""
    if not 0 <= months_ahead <= MAX_MONTHS_AHEAD:
        raise InvalidInput(f"months ahead {months_ahead} is out of range 0..{MAX_MONTHS_AHEAD}")
    current = (today or datetime.now(UTC).date()).replace(day=1)
    created = []
    for offset in range(months_ahead + 1):
        month = add_months(current, offset)
        made = connection.execute(
            text("SELECT ensure_user_interactions_partition(:month)"), {"month": month}
        ).scalar_one()
        if made:
            created.append(f"user_interactions_p{month:%Y_%m}")
    return created


def _count_rows(connection: Connection, name: str) -> int:
    quoted = connection.dialect.identifier_preparer.quote(name)
    return int(connection.execute(text(f"SELECT count(*) FROM {quoted}")).scalar_one())


def list_partitions(connection: Connection, *, exact_rows: bool = False) -> list[Partition]:
    """Attached partitions, oldest month first, the default last. Rows are the planner's
    estimate unless `exact_rows` (a count of each, which reads every row)."""
    found = connection.execute(
        text(
            "SELECT c.relname, greatest(c.reltuples, 0)::bigint FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = CAST(:parent AS regclass)"
        ),
        {"parent": PARENT},
    ).all()
    partitions = []
    for name, estimate in found:
        match = _MONTHLY.fullmatch(name)
        month = date(int(match.group(1)), int(match.group(2)), 1) if match else None
        rows = _count_rows(connection, name) if exact_rows else int(estimate)
        partitions.append(Partition(name, month, rows))
    return sorted(partitions, key=lambda p: (p.month is None, p.month or date.min, p.name))


def detach_partitions(
    connection: Connection, *, before: date, dry_run: bool = False
) -> DetachReport:
    """Detach every monthly partition whose whole month lies before `before` (a month start).

    The detached tables keep their names and rows, ready for pg_dump and DROP. Their rows
    are subtracted from `track_play_counters`. Takes an ACCESS EXCLUSIVE lock on the parent
    for the detach itself (bounded by lock_timeout).
    """
    if before.day != 1:
        raise InvalidInput(f"--before {before} must be the first day of a month")
    chosen = [
        p
        for p in list_partitions(connection, exact_rows=True)
        if p.month is not None and add_months(p.month, 1) <= before
    ]
    if dry_run:
        return DetachReport(chosen, dry_run=True)
    connection.execute(text("SET LOCAL lock_timeout = '5s'"))
    preparer = connection.dialect.identifier_preparer
    for partition in chosen:
        quoted = preparer.quote(partition.name)
        # Detached rows leave the table, so they leave the counters too: the counters then
        # still agree with mv_track_popularity after its next refresh.
        connection.execute(text(COUNT_INTO_COUNTERS), {"rows": f"public.{quoted}", "direction": -1})
        connection.execute(text(f"ALTER TABLE {PARENT} DETACH PARTITION {quoted}"))
    return DetachReport(chosen, dry_run=False)
