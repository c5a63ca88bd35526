"""Batch interaction ingest against bare COPY, measured in the same run on the same file.

    DATABASE_URL=postgresql://USER@/postgres?host=SOCKET_DIR \
        .venv/bin/python -m bench.interaction_ingest --events 1000000

Creates a throwaway database on that server (the role needs CREATEDB), migrates it to
head, seeds 1,000 users and 10,000 tracks, writes N play events to a CSV file spread over
three months, then times, on that one file:

1. baseline: bare COPY into `bare_interactions`, an unindexed copy of the table
   (`LIKE user_interactions INCLUDING DEFAULTS`: columns, defaults, NOT NULL; no index,
   key, check or trigger);
2. ingest: `record_file(file)`, the path `interactions load` takes: the server parses the
   CSV, plain rows are checked in SQL and the rest by the Python reader, then set-based
   checks; the file's three months have empty partitions, so each is filled offline
   (`listening.bulk_months`);
3. the same file loaded again: every event is already recorded, nothing is inserted
   (what makes `interactions load` idempotent: one anti-join against the months touched);
4. the same with the offline fill turned off (`bulk_min_rows` above the file's size): the
   row path, which a month that already holds events takes;
5. reference: bare COPY straight into `user_interactions` (no checks, no rejects report),
   i.e. what the real table's five indexes, two foreign keys and trigger cost row by row;
6. reference: the floor, the least PostgreSQL can do to put the rows into the real table
   (COPY into new month tables, sorted index builds, foreign keys by anti-join, attach),
   with no checks and no rejects report.

Prints events/s for each and its rate as a share of the baseline's. Drops the database.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from time import perf_counter

from sqlalchemy import Connection, Engine, text

from bench.scratch import scratch_engine
from searxng_cool.admin import migrations
from searxng_cool.listening.partitions import ensure_partitions
from searxng_cool.listening.recording import record_file
from searxng_cool.rejects import CollectedRejects

USERS, TRACKS = 1_000, 10_000
START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 90 * 86_400
COLUMNS = "user_id, track_id, interaction_type, play_duration_ms, context, created_at"
COPY_CSV = f"COPY {{table}} ({COLUMNS}) FROM STDIN WITH (FORMAT csv, HEADER true)"


def write_events(path: Path, count: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as out:
        out.write(COLUMNS.replace(" ", "") + "\n")
        for _ in range(count):
            at = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
            out.write(
                f"{rng.randint(1, USERS)},{rng.randint(1, TRACKS)},play,"
                f"{rng.randint(0, 180_000)},{{}},{at.isoformat()}\n"
            )


def seed(conn: Connection) -> None:
    conn.execute(text("INSERT INTO artists (name) VALUES ('Bench Artist')"))
    conn.execute(
        text(
            "INSERT INTO tracks (title, artist_id, duration_ms)"
            " SELECT 'Track ' || g, 1, 180000 FROM generate_series(1, :n) g"
        ),
        {"n": TRACKS},
    )
    conn.execute(
        text(
            "INSERT INTO users (username, email, password_hash)"
            " SELECT 'user' || g, 'user' || g || '@bench.invalid', '!' FROM generate_series(1, :n) g"
        ),
        {"n": USERS},
    )
    for month in range(4):
        ensure_partitions(conn, months_ahead=0, today=(START + timedelta(days=31 * month)).date())


def bare_copy(conn: Connection, table: str, path: Path) -> None:
    raw = conn.connection.driver_connection
    assert raw is not None
    with (
        path.open("rb") as source,
        raw.cursor() as cursor,
        cursor.copy(COPY_CSV.format(table=table)) as copy,
    ):
        while chunk := source.read(1 << 20):
            copy.write(chunk)


BENCH_MONTHS = ("2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01")


def offline_floor(conn: Connection, path: Path) -> None:
    """The least PostgreSQL can do to put the file into the real table: COPY into new
    unindexed month tables, sorted builds of the parent's indexes, one anti-join per
    foreign key, attach in place of the empty partitions; no checks, no rejects report."""
    conn.execute(
        text(
            "CREATE TABLE floor_load (LIKE user_interactions INCLUDING DEFAULTS"
            " INCLUDING CONSTRAINTS) PARTITION BY RANGE (created_at)"
        )
    )
    months = list(pairwise(BENCH_MONTHS))
    for number, (lower, upper) in enumerate(months):
        conn.execute(
            text(
                f"CREATE TABLE floor_load_{number} PARTITION OF floor_load"
                f" FOR VALUES FROM ('{lower}') TO ('{upper}')"
            )
        )
    bare_copy(conn, "floor_load", path)
    conn.execute(text("ALTER TABLE floor_load ADD PRIMARY KEY (id, created_at)"))
    definitions = conn.execute(
        text(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index"
            " WHERE indrelid = CAST('user_interactions' AS regclass) AND NOT indisprimary"
        )
    ).scalars()
    for definition in definitions:
        body = definition.split(" ON ONLY public.user_interactions ", 1)[1]
        conn.execute(text(f"CREATE INDEX ON floor_load {body}"))
    keys = conn.execute(
        text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = CAST('user_interactions' AS regclass) AND contype = 'f'"
        )
    ).scalars()
    for key in keys:
        conn.execute(text(f"ALTER TABLE floor_load ADD {key}"))
    for number, (lower, upper) in enumerate(months):
        conn.execute(text(f"ALTER TABLE floor_load DETACH PARTITION floor_load_{number}"))
        conn.execute(text(f"DROP TABLE user_interactions_p{lower[:7].replace('-', '_')}"))
        conn.execute(
            text(
                f"ALTER TABLE user_interactions ATTACH PARTITION floor_load_{number}"
                f" FOR VALUES FROM ('{lower}') TO ('{upper}')"
            )
        )


def reset(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE user_interactions"))


def timed(engine: Engine, work: Callable[[Connection], object]) -> float:
    with engine.begin() as conn:
        started = perf_counter()
        work(conn)
        return perf_counter() - started


def run(engine: Engine, events: int, workdir: Path) -> None:
    path = workdir / "events.csv"
    write_events(path, events)
    with engine.begin() as conn:
        migrations.upgrade(conn, revision="head")
        seed(conn)
        conn.execute(
            text("CREATE TABLE bare_interactions (LIKE user_interactions INCLUDING DEFAULTS)")
        )
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))

    baseline = timed(engine, lambda c: bare_copy(c, "bare_interactions", path))
    rejects = CollectedRejects()
    ingest = timed(engine, lambda c: record_file(c, path=path, rejects=rejects))
    assert not rejects.items, rejects.items[:3]
    reload = timed(engine, lambda c: record_file(c, path))
    reset(engine)
    row_path = timed(engine, lambda c: record_file(c, path=path, bulk_min_rows=events + 1))
    reset(engine)
    direct = timed(engine, lambda c: bare_copy(c, "user_interactions", path))
    reset(engine)
    floor = timed(engine, lambda c: offline_floor(c, path))

    figures = {
        "bare COPY into an unindexed copy (baseline)": baseline,
        "record_file, empty months (filled offline)": ingest,
        "record_file, row path (months with events)": row_path,
        "record_file again, every event already recorded": reload,
        "bare COPY into user_interactions, no checks": direct,
        "offline load + attach, no checks (floor)": floor,
    }
    print(f"events: {events:,}")
    for label, seconds in figures.items():
        print(
            f"{label:<46} {seconds:7.2f} s  {events / seconds:>10,.0f} events/s"
            f"  {baseline / seconds:6.1%} of baseline"
        )
    print("target: interactions load >= 50% of the baseline")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with scratch_engine("listening") as engine, tempfile.TemporaryDirectory() as workdir:
        run(engine, args.events, Path(workdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
