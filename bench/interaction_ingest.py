"""Batch interaction ingest against bare COPY, measured in the same run on the same file.

    DATABASE_URL=postgresql://USER@/postgres?host=SOCKET_DIR \
        .venv/bin/python bench/interaction_ingest.py --events 1000000

Creates a throwaway database on that server (the role needs CREATEDB), migrates it to
head, seeds 1,000 users and 10,000 tracks, writes N play events to a CSV file spread over
three months, then times, on that one file:

1. baseline: bare COPY into `bare_interactions`, an unindexed copy of the table
   (`LIKE user_interactions INCLUDING DEFAULTS`: columns, defaults, NOT NULL; no index,
   key, check or trigger);
2. ingest: `record_file(file)`, the path `interactions load` takes (the server parses the
   CSV, plain rows are checked in SQL and the rest by the Python reader, set-based checks, one INSERT ... SELECT into the
   partitioned, indexed, constrained table, counters kept by the statement trigger);
3. reference: bare COPY straight into `user_interactions` (no checks, no rejects report),
   i.e. what the real table's five indexes, two foreign keys and trigger cost by themselves.

Prints events/s for each and ingest's rate as a ratio of each reference. Drops the database.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter

from sqlalchemy import Connection, Engine, create_engine, pool, text
from sqlalchemy.engine import URL

from searxng_cool.admin import migrations
from searxng_cool.config import parse_database_url
from searxng_cool.listening.events import CollectedRejects
from searxng_cool.listening.partitions import ensure_partitions
from searxng_cool.listening.recording import record_file

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


def timed(engine: Engine, work: Callable[[Connection], object]) -> float:
    with engine.begin() as conn:
        started = perf_counter()
        work(conn)
        return perf_counter() - started


def run(engine: Engine, events: int, workdir: Path) -> None:
    path = workdir / "events.csv"
    write_events(path, events)
    with engine.begin() as conn:
        migrations.upgrade(conn, "head")
        seed(conn)
        conn.execute(
            text("CREATE TABLE bare_interactions (LIKE user_interactions INCLUDING DEFAULTS)")
        )
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))

    baseline = timed(engine, lambda c: bare_copy(c, "bare_interactions", path))
    rejects = CollectedRejects()
    ingest = timed(engine, lambda c: record_file(c, path, rejects=rejects))
    assert not rejects.items, rejects.items[:3]
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE user_interactions"))
    direct = timed(engine, lambda c: bare_copy(c, "user_interactions", path))

    rate = {
        name: events / seconds
        for name, seconds in (("baseline", baseline), ("ingest", ingest), ("direct", direct))
    }
    print(f"events: {events:,}")
    print(
        f"bare COPY into unindexed copy : {baseline:7.2f} s  {rate['baseline']:>10,.0f} events/s  (baseline)"
    )
    print(f"record_file (interactions load)  : {ingest:5.2f} s  {rate['ingest']:>10,.0f} events/s")
    print(f"bare COPY into user_interactions: {direct:5.2f} s  {rate['direct']:>10,.0f} events/s")
    print(
        f"ingest / bare unindexed COPY   = {rate['ingest'] / rate['baseline']:.1%}  (target >= 50%)"
    )
    print(f"ingest / bare COPY, real table = {rate['ingest'] / rate['direct']:.1%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    server: URL = parse_database_url(os.environ.get("DATABASE_URL", ""), "DATABASE_URL")
    name = f"bench_listening_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine = create_engine(server.set(database=name), poolclass=pool.NullPool)
    try:
        with tempfile.TemporaryDirectory() as workdir:
            run(engine, args.events, Path(workdir))
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
