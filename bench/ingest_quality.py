"""How well ingest resolves the public data in ../shared/data: counts, precision, recall.

Ingests the three shared files into a throwaway database, prints how many records became
how many canonical artists, albums and tracks, then scores track merging against the
hand-labelled pairs in bench/fixtures/track_pairs.csv and the stratified sample of
bench/fixtures/track_pairs_strata.csv (ids only: `spotify:<track_id>` or
`lastfm:<line number in lastfm_scrobbles.csv>`), overall and per stratum. Targets on every
stratum: precision >= 0.99, recall >= 0.97.

Run: python -m bench.ingest_quality [--show]   (--show lists every misjudged pair)
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from collections import defaultdict
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
STRATA = REPO_ROOT / "bench" / "fixtures" / "track_pairs_strata.csv"
PRECISION_TARGET = 0.99
RECALL_TARGET = 0.97
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


def score(engine: Engine, pairs_file: Path, lastfm: dict[str, str], *, show: bool) -> bool:
    """Precision and recall overall and per stratum (`kind`); True when every stratum meets
    the targets."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    with pairs_file.open(encoding="utf-8") as handle:
        for pair in csv.DictReader(handle):
            merged = track_id(engine, pair["left"], lastfm) == track_id(
                engine, pair["right"], lastfm
            )
            same = pair["same"] == "1"
            if merged != same and show:
                print(
                    f"  misjudged {pair['kind']} pair {pair['left']} {pair['right']} (same={same})"
                )
            for kind in (pair["kind"], "all"):
                tally = counts[kind]
                tally[0] += merged and same
                tally[1] += merged and not same
                tally[2] += (not merged) and same
                tally[3] += not (merged or same)
    print(f"{pairs_file.name}:")
    met = True
    for kind in sorted(counts, key=lambda k: (k == "all", k)):
        tp, fp, fn, tn = counts[kind]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        ok = precision >= PRECISION_TARGET and recall >= RECALL_TARGET
        met = met and ok
        print(
            f"  {kind:15} {tp + fp + fn + tn:5} pairs  precision {precision:.3f}"
            f"  recall {recall:.3f}  (tp {tp}, fp {fp}, fn {fn}, tn {tn}){'' if ok else '  BELOW'}"
        )
    return met


def main() -> None:
    with scratch_engine("quality") as engine, tempfile.TemporaryDirectory() as folder:
        ingest_all(engine, Path(folder))
        print("canonical catalog:")
        catalog_counts(engine)
        lastfm = lastfm_source_ids()
        show = "--show" in sys.argv
        for pairs_file in (PAIRS, STRATA):
            score(engine, pairs_file, lastfm, show=show)


if __name__ == "__main__":
    main()
