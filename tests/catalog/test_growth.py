"""Catalog growth for the operator's activity page: tracks added per day, ingest runs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from searxng_cool.catalog.generator import write_records
from searxng_cool.catalog.growth import tracks_added_per_day
from searxng_cool.catalog.ingest import ingest_file
from searxng_cool.catalog.reader import load_mapping
from searxng_cool.db import maintenance
from searxng_cool.rejects import JsonlRejects


def test_an_ingest_run_is_recorded_with_its_counts_and_its_tracks_count_today(
    engine: Engine, tmp_path: Path
) -> None:
    path = write_records(tmp_path / "growth.csv", 200, seed=3)
    with JsonlRejects(tmp_path / "rejects.jsonl") as sink:
        summary = ingest_file(engine, path=path, mapping=load_mapping(), rejects=sink)
    with engine.connect() as connection:
        runs = maintenance.recent_events(connection, action=maintenance.INGEST)
        per_day = tracks_added_per_day(connection, days=7)
        tracks = connection.exec_driver_sql("SELECT count(*) FROM tracks").scalar_one()
    assert [(run.subject, run.detail["rows"], run.detail["inserted"]) for run in runs] == [
        ("growth.csv", summary.rows, summary.inserted)
    ]
    assert len(per_day) == 7
    assert per_day[-1][1] == tracks
