"""Operations timings as ratios to a bare COPY of the same rows, measured in the same run.

Usage (the database must exist and be empty; it is migrated and filled):
    DATABASE_URL=postgresql://user@host/scratch_db python -m bench.bench_operations --tracks 200000

Prints, for N generated tracks (and one play per track): the baseline (COPY of tracks and
interactions to the client), then backup (pg_dump -Fc + read-back + manifest), verify-restore,
status, the validator and an optimize dry-run, each as a multiple of the baseline.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, pool, text

from searxng_cool.admin import backup, migrations, optimize, restore, status, validator
from searxng_cool.config import load_settings


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tracks", type=int, default=200_000)
    args = parser.parse_args()
    settings = load_settings(environ=dict(os.environ))
    engine = create_engine(settings.database.url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        if conn.execute(
            text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        ).scalar_one():
            raise SystemExit("the benchmark database must be empty: it is migrated and filled")
        migrations.upgrade(conn, revision="head")
        conn.execute(
            text("INSERT INTO artists (name) SELECT 'Artist ' || g FROM generate_series(1, 1000) g")
        )
        conn.execute(
            text(
                "INSERT INTO users (username, email, password_hash) VALUES ('b', 'b@example.org', 'x')"
            )
        )
        conn.execute(
            text("INSERT INTO tracks (title, artist_id, duration_ms) SELECT 'Track ' || g, 1 + g % 1000, 180000 "
                 "FROM generate_series(1, :n) g"), {"n": args.tracks})  # fmt: skip
        conn.execute(text("INSERT INTO user_interactions (user_id, track_id, interaction_type) "
                          "SELECT 1, id, 'play' FROM tracks"))  # fmt: skip
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    raw = engine.raw_connection()

    def copy_out() -> None:
        cursor = raw.cursor()
        for table in ("tracks", "user_interactions"):
            with cursor.copy(f"COPY {table} TO STDOUT") as copy:
                for _ in copy:
                    pass

    baseline = timed(copy_out)
    raw.close()
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / "bench.dump"
        figures = {
            "backup (pg_dump -Fc, read back, manifest)": timed(
                lambda: backup.create_backup(config=settings.database, path=dump)
            ),
            "verify-restore (scratch restore + compare)": timed(
                lambda: restore.verify_restore(config=settings.database, path=dump)
            ),
        }
    with engine.begin() as conn:
        figures["status (all checks)"] = timed(
            lambda: status.collect_status(
                conn, ops=settings.operations, pool_size=20, record_sample=False
            )
        )
        figures["validator (six groups)"] = timed(lambda: validator.validate(conn))
        figures["optimize plan (dry run)"] = timed(
            lambda: optimize.plan_optimize(conn, ops=settings.operations)
        )
    engine.dispose()
    print(f"{args.tracks:,} tracks + {args.tracks:,} interactions")
    print(f"baseline: COPY both tables to the client = {baseline:.3f} s (1.00x)")
    for name, seconds in figures.items():
        print(f"{name}: {seconds:.3f} s = {seconds / baseline:.2f}x baseline")


if __name__ == "__main__":
    main()
