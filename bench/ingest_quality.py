"""How well ingest resolves the public data in ../shared/data: counts, precision, recall.

Ingests the three shared files into a throwaway database, prints how many records became
how many canonical artists, albums and tracks, then scores track merging against the
hand-labelled pairs in bench/fixtures/track_pairs.csv (ids only: `spotify:<track_id>` or
`lastfm:<line number in lastfm_scrobbles.csv>`). Targets: precision >= 0.99, recall >= 0.95.

Run: python -m bench.ingest_quality
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench.scratch import scratch_engine
from searxng_cool.catalog.ingest import ingest_file
from searxng_cool.catalog.reader import ProgressFile, load_mapping, read_rows
from searxng_cool.catalog.records import parse_record
from searxng_cool.rejects import CollectedRejects

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA = REPO_ROOT.parent / "shared" / "data"
PAIRS = REPO_ROOT / "bench" / "fixtures" / "track_pairs.csv"
FILES = (
    ("spotify-songs", "spotify_songs.csv"),
    ("lastfm-scrobbles", "lastfm_scrobbles.csv"),
    ("musicbrainz-artists", "mb.csv"),
)


def ingest_all(engine: Engine, folder: Path) -> None:
    for fmt, name in FILES:
        started = time.perf_counter()
        summary = ingest_file(
            engine,
            path=DATA / name,
            mapping=load_mapping(format_name=fmt),
            rejects=CollectedRejects(),
        )
        print(
            f"{name:22} {summary.rows:6} rows: {summary.inserted} inserted, {summary.merged} merged,"
            f" {summary.unchanged} unchanged, {summary.rejected} rejected"
            f" ({time.perf_counter() - started:.1f} s)"
        )


def catalog_counts(engine: Engine) -> None:
    with engine.connect() as conn:
        for table in ("artists", "albums", "tracks", "track_sources", "track_credits"):
            print(
                f"  {table:14} {conn.execute(text(f'SELECT count(*) FROM {table}')).scalar_one()}"
            )


def lastfm_source_ids() -> dict[str, str]:
    mapping = load_mapping(format_name="lastfm-scrobbles")
    return {
        str(row.line_no): parse_record(row.fields, row.line_no).source_id
        for row in read_rows(ProgressFile(DATA / "lastfm_scrobbles.csv"), mapping)
        if row.fields
    }


def track_id(engine: Engine, ref: str, lastfm: dict[str, str]) -> int | None:
    source_type, key = ref.split(":", 1)
    source_id = lastfm[key] if source_type == "lastfm" else key
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT track_id FROM track_sources WHERE source_type = :t AND source_id = :i"),
            {"t": source_type, "i": source_id},
        ).scalar()


def score(engine: Engine) -> None:
    lastfm = lastfm_source_ids()
    tp = fp = fn = tn = 0
    with PAIRS.open(encoding="utf-8") as handle:
        for pair in csv.DictReader(handle):
            merged = track_id(engine, pair["left"], lastfm) == track_id(
                engine, pair["right"], lastfm
            )
            same = pair["same"] == "1"
            if merged != same:
                print(
                    f"  misjudged {pair['kind']} pair {pair['left']} {pair['right']} (same={same})"
                )
            tp, fp, fn, tn = (
                tp + (merged and same),
                fp + (merged and not same),
                fn + (not merged and same),
                tn + (not merged and not same),
            )
    print(f"labelled pairs: {tp + fp + fn + tn} (same {tp + fn}, different {fp + tn})")
    print(
        f"  precision {tp / max(tp + fp, 1):.3f}   recall {tp / max(tp + fn, 1):.3f}"
        f"   (tp {tp}, fp {fp}, fn {fn}, tn {tn})"
    )


def main() -> None:
    with scratch_engine("quality") as engine, tempfile.TemporaryDirectory() as folder:
        ingest_all(engine, Path(folder))
        print("canonical catalog:")
        catalog_counts(engine)
        score(engine)


if __name__ == "__main__":
    main()
