"""Ingest with entity resolution against bare COPY of the same rows, in one run.

Generates N realistic source records (src/searxng_cool/catalog/generator.py) as CSV, then
in a throwaway database: (1) COPYs the file as it is into an unindexed table of text
columns — the baseline; (2) ingests the same file with validation, resolution and upserts;
(3) as a floor, copies the canonical tracks that resulted into a table with the indexes of
`tracks` (no trigger, no artists, albums, source mappings or search documents): the
least the tracks alone cost, whatever the ingest does. Prints the rates and ratios.
Target: ingest >= 35% of the bare COPY rate.

Run: DATABASE_URL=postgresql://USER@/postgres?host=SOCKETDIR \
     python -m bench.ingest_speed --records 1000000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench.scratch import scratch_engine
from searxng_cool.catalog.generator import CSV_COLUMNS, write_records
from searxng_cool.catalog.ingest import DEFAULT_BATCH_SIZE, ingest_file
from searxng_cool.catalog.reader import load_mapping
from searxng_cool.catalog.staging import driver_connection
from searxng_cool.rejects import CollectedRejects

CHUNK = 1 << 20


def bare_copy(engine: Engine, path: Path) -> float:
    """Seconds to COPY the file's rows into an unindexed table of text columns."""
    columns = ", ".join(f"{name} text" for name in CSV_COLUMNS)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS bare_copy ({columns})")
        with (
            driver_connection(conn).cursor() as cursor,
            cursor.copy("COPY bare_copy FROM STDIN (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as handle,
        ):
            while chunk := handle.read(CHUNK):
                copy.write(chunk)
    return time.perf_counter() - started


def tracks_floor(engine: Engine) -> tuple[int, float]:
    """(tracks, seconds) to write the catalog's tracks into a table with tracks' indexes."""
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE tracks_floor (LIKE tracks INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
            " INCLUDING INDEXES INCLUDING GENERATED)"
        )
        columns = ", ".join(
            conn.exec_driver_sql(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = 'tracks' AND is_generated = 'NEVER'"
                " ORDER BY ordinal_position"
            ).scalars()
        )
    started = time.perf_counter()
    with engine.begin() as conn:
        written = conn.exec_driver_sql(
            f"INSERT INTO tracks_floor ({columns}) SELECT {columns} FROM tracks ORDER BY id"
        ).rowcount
    return written, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, scratch_engine("speed") as engine:
        path = write_records(Path(folder) / "records.csv", args.records, seed=2026)
        copy_seconds = bare_copy(engine, path)
        started = time.perf_counter()
        summary = ingest_file(
            engine,
            path=path,
            mapping=load_mapping(),
            rejects=CollectedRejects(),
            batch_size=args.batch_size,
        )
        ingest_seconds = time.perf_counter() - started
        tracks, floor_seconds = tracks_floor(engine)
    copy_rate, ingest_rate = args.records / copy_seconds, args.records / ingest_seconds
    print(
        f"records: {args.records}  ({summary.inserted} new tracks, {summary.merged} merged,"
        f" {summary.unchanged} unchanged, {summary.rejected} rejected)"
    )
    print(f"bare COPY, unindexed table : {copy_seconds:8.1f} s  {copy_rate:10.0f} rows/s")
    print(f"ingest with resolution     : {ingest_seconds:8.1f} s  {ingest_rate:10.0f} rows/s")
    print(f"ratio ingest / bare COPY   : {ingest_rate / copy_rate:.1%}  (target >= 35%)")
    print(
        f"floor: {tracks:,} tracks into a table with tracks' indexes: {floor_seconds:.1f} s,"
        f" so at best {copy_seconds / floor_seconds:.1%} of bare COPY however fast the rest"
    )


if __name__ == "__main__":
    main()
