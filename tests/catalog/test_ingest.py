"""Bulk ingest: counting, idempotency, crash safety, rejects, the shared public files."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, pool, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.catalog.generator import write_records
from searxng_cool.catalog.ingest import ingest_file, read_ahead
from searxng_cool.catalog.reader import load_mapping
from searxng_cool.catalog.records import RecordRejected, parse_record
from searxng_cool.catalog.resolve import resolve_tracks
from searxng_cool.cli.main import app
from searxng_cool.errors import InvalidInput
from searxng_cool.rejects import JsonlRejects
from tests.catalog.ingest_helpers import catalog_snapshot, count, ingest_records
from tests.conftest import REPO_ROOT, DatabaseFactory


def head(source: Path, target: Path, lines: int) -> Path:
    with source.open(encoding="utf-8") as handle:
        target.write_text("".join(islice(handle, lines)), encoding="utf-8")
    return target


def ingest(engine: Engine, path: Path, fmt: str | None, rejects: Path, batch: int = 50_000):
    with JsonlRejects(rejects) as sink:
        return ingest_file(
            engine, path=path, mapping=load_mapping(format_name=fmt), rejects=sink, batch_size=batch
        )


def test_second_run_of_the_same_file_reports_everything_unchanged(
    engine: Engine, tmp_path: Path
) -> None:
    path = write_records(tmp_path / "gen.csv", 3000, seed=7)
    first = ingest(engine, path, None, tmp_path / "r1.jsonl", batch=700)
    before = catalog_snapshot(engine)
    second = ingest(engine, path, None, tmp_path / "r2.jsonl", batch=700)
    assert first.rows == second.rows == 3000
    assert first.inserted > 0
    assert (second.inserted, second.merged, second.unchanged) == (0, 0, 3000)
    assert catalog_snapshot(engine) == before


def test_every_row_is_counted_exactly_once(engine: Engine, tmp_path: Path) -> None:
    path = write_records(tmp_path / "gen.csv", 1000, seed=3)
    summary = ingest(engine, path, None, tmp_path / "r.jsonl", batch=250)
    assert summary.inserted + summary.merged + summary.unchanged + summary.rejected == 1000
    assert summary.batches == 4
    assert count(engine, "tracks") == summary.inserted


def test_killed_run_loses_nothing_committed_and_a_rerun_converges(
    engine: Engine, db_url: URL, databases: DatabaseFactory, template_db: str, tmp_path: Path
) -> None:
    path = write_records(tmp_path / "gen.csv", 6000, seed=11)
    env = {**os.environ, "DATABASE_URL": db_url.render_as_string(hide_password=False)}
    command = [
        sys.executable,
        str(REPO_ROOT / "scripts/utilities/database/db_cli.py"),
        "ingest",
        str(path),
        "--batch-size",
        "300",
        "--rejects",
        str(tmp_path / "r.jsonl"),
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while count(engine, "track_sources") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()
    process.wait()
    committed = count(engine, "track_sources")
    assert committed > 0
    rerun = ingest(engine, path, None, tmp_path / "r2.jsonl", batch=300)
    assert rerun.unchanged >= 1
    reference_url = databases.create(template=template_db)
    reference = create_engine(reference_url, poolclass=pool.NullPool)
    try:
        ingest(reference, path, None, tmp_path / "r3.jsonl", batch=300)
        assert catalog_snapshot(engine) == catalog_snapshot(reference)
    finally:
        reference.dispose()
        databases.drop(reference_url)


def test_hostile_rows_go_to_the_rejects_file_with_line_and_reason(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps(
                    {"source_type": "spotify", "source_id": "ok", "title": "Fine", "artist": "Band"}
                ),
                "{not json",
                json.dumps({"source_type": "spotify", "source_id": "x", "artist": "No Title"}),
                json.dumps(
                    {"source_type": "Bad Type!", "source_id": "x", "title": "t", "artist": "a"}
                ),
                json.dumps(
                    {
                        "source_type": "s",
                        "source_id": "y",
                        "title": "t",
                        "artist": "a",
                        "release_date": "2019-02-30",
                    }
                ),
                json.dumps(
                    {"source_type": "s", "source_id": "z", "title": "t\u0000", "artist": "a"}
                ),
                json.dumps(["a", "list"]),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    summary = ingest(engine, path, None, tmp_path / "rejects.jsonl")
    rejects = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert summary.rejected == 6
    assert summary.inserted == 1
    assert [r["line"] for r in rejects] == [2, 3, 4, 5, 6, 7]
    reasons = " | ".join(r["reason"] for r in rejects)
    for expected in (
        "not valid JSON",
        "title is missing",
        "source_type",
        "calendar date",
        "NUL",
        "not a JSON object",
    ):
        assert expected in reasons


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "source_type",
                "source_id",
                "title",
                "artist",
                "duration_ms",
                "isrc",
                "release_date",
                "popularity",
                "track_mbid",
                "genres",
                "audio_features",
            ]
        ),
        st.one_of(
            st.text(max_size=300),
            st.integers(),
            st.floats(),
            st.none(),
            st.lists(st.text(max_size=5), max_size=3),
        ),
    )
)
def test_validation_either_accepts_a_row_or_names_the_reason(fields: dict[str, object]) -> None:
    reason = ""
    try:
        record = parse_record(fields, 1)
    except RecordRejected as exc:
        reason = str(exc)
    else:
        assert record.source_id
        assert record.artist
    assert reason or record


def test_hostile_text_is_stored_and_resolved_without_error(engine: Engine, tmp_path: Path) -> None:
    titles = [
        "'; DROP TABLE tracks; --",
        "a & | ! :*",
        "🎵🔥",
        "שלום עולם",
        "x" * 255,
        "\\N",
        "!!!",
    ]
    records = [
        {"source_type": "t", "source_id": str(i), "title": t, "artist": t[:50]}
        for i, t in enumerate(titles)
    ]
    summary = ingest_records(engine, tmp_path, records)
    assert summary.inserted == len(titles)
    with engine.connect() as conn:
        stored = set(conn.execute(text("SELECT title FROM tracks")).scalars())
    assert stored == set(titles)


def test_resolve_tracks_returns_the_canonical_track_of_every_line(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [
        {"source_type": "lastfm", "source_id": f"A/_/{t}", "title": t, "artist": "A"}
        for t in ("One", "Two", "One")
    ]
    records = [parse_record(r, n) for n, r in enumerate(rows, start=10)]
    with engine.begin() as conn:
        ids = resolve_tracks(conn, records=records)
    assert ids[10] == ids[12] != ids[11]
    assert count(engine, "tracks") == 2


SLICE = 3000


@pytest.mark.parametrize(
    ("fmt", "file"),
    [
        ("spotify-songs", "spotify_songs.csv"),
        ("lastfm-scrobbles", "lastfm_scrobbles.csv"),
        ("musicbrainz-artists", "mb.csv"),
    ],
)
def test_a_slice_of_each_shared_file_ingests_and_reruns_unchanged(
    engine: Engine, tmp_path: Path, shared_data: Path, fmt: str, file: str
) -> None:
    lines = SLICE
    path = head(shared_data / file, tmp_path / file, lines)
    first = ingest(engine, path, fmt, tmp_path / "r1.jsonl", batch=1000)
    second = ingest(engine, path, fmt, tmp_path / "r2.jsonl", batch=1000)
    assert first.rows == second.rows == lines - 1
    assert first.inserted > 0
    assert second.unchanged == lines - 1 - second.rejected


def test_whole_spotify_file_ingests_with_counted_rejects(
    engine: Engine, tmp_path: Path, shared_data: Path
) -> None:
    summary = ingest(
        engine, shared_data / "spotify_songs.csv", "spotify-songs", tmp_path / "rejects.jsonl"
    )
    assert summary.rows == 32833
    assert summary.rejected == 5  # the five `NA` rows
    assert count(engine, "tracks") <= 28356  # distinct Spotify track ids, some merged
    with engine.connect() as conn:
        partial = conn.execute(
            text("SELECT count(*) FROM albums WHERE release_date_precision = 'year'")
        ).scalar_one()
    assert partial > 0


def test_ingest_command_prints_the_summary_and_rejects_an_unknown_format(
    db_url: URL, tmp_path: Path
) -> None:
    runner = CliRunner()
    env = {"DATABASE_URL": db_url.render_as_string(hide_password=False)}
    path = write_records(tmp_path / "gen.csv", 50, seed=5)
    done = runner.invoke(
        app, ["ingest", str(path), "--rejects", str(tmp_path / "r.jsonl")], env=env
    )
    assert done.exit_code == 0, done.output
    assert "inserted" in done.output
    bad = runner.invoke(app, ["ingest", str(path), "--format", "nope"], env=env)
    assert bad.exit_code == 1
    assert "format 'nope' is unknown" in bad.output


def test_broken_csv_rows_are_rejected_and_the_rest_is_loaded(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(
        b"source_type,source_id,title,artist,duration_ms\n"
        b"spotify,a,Fine,Band,200000\n"
        b"spotify,b,Too,Many,1,2\n"
        b"spotify,c,Bad \xff bytes,Band,1\n"
        b'spotify,d,"Two\nlines",Band,1.8e5\n'
        b"spotify,e,Negative,Band,-5\n"
    )
    summary = ingest(engine, path, None, tmp_path / "r.jsonl")
    rejects = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert summary.inserted == 2
    assert [(r["line"], r["reason"]) for r in rejects] == [
        (3, "has 6 fields; the header has 5"),
        (4, "the line is not valid UTF-8"),
        (7, "duration_ms -5 is outside 0..2147483647"),
    ]
    with engine.connect() as conn:
        durations = conn.execute(text("SELECT duration_ms FROM tracks ORDER BY 1")).scalars().all()
    assert durations == [180000, 200000]


def test_reading_ahead_hands_over_every_batch_in_order_then_the_readers_error() -> None:
    def produce() -> Iterator[list[int]]:
        yield [1]
        yield [2]
        raise InvalidInput("the source broke")

    batches = read_ahead(produce())  # type: ignore[arg-type]
    assert next(batches) == [1]
    assert next(batches) == [2]
    with pytest.raises(InvalidInput, match="the source broke"):
        next(batches)


def test_a_loader_that_stops_early_stops_the_reader_and_closes_its_file() -> None:
    closed = threading.Event()

    def produce() -> Iterator[list[int]]:
        try:
            yield from ([n] for n in itertools.count())
        finally:
            closed.set()

    for batch in read_ahead(produce()):  # type: ignore[arg-type]
        if batch == [3]:
            break
    assert closed.wait(timeout=5)


def test_a_file_without_the_mappings_columns_fails_before_loading_anything(
    engine: Engine, tmp_path: Path
) -> None:
    path = write_records(tmp_path / "gen.csv", 10, seed=1)
    with pytest.raises(InvalidInput, match="has no column"):
        ingest(engine, path, "spotify-songs", tmp_path / "r.jsonl")
    assert count(engine, "tracks") == 0
