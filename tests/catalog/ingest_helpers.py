"""Writing small source files and reading the catalog back, for the ingest tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from searxng_cool.catalog.ingest import IngestSummary, ingest_file
from searxng_cool.catalog.reader import load_mapping
from searxng_cool.rejects import JsonlRejects


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def ingest_records(
    engine: Engine, tmp_path: Path, records: list[dict[str, Any]], name: str = "in.jsonl"
) -> IngestSummary:
    path = write_jsonl(tmp_path / name, records)
    with JsonlRejects(tmp_path / f"{name}.rejects.jsonl") as rejects:
        return ingest_file(engine, path=path, mapping=load_mapping(), rejects=rejects)


def track_of(engine: Engine, source_type: str, source_id: str) -> int:
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT track_id FROM track_sources WHERE source_type = :t AND source_id = :i"),
            {"t": source_type, "i": source_id},
        )
        return int(found.scalar_one())


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def catalog_snapshot(engine: Engine) -> dict[str, list[Any]]:
    """The catalog's content without its ids, to compare two databases."""
    queries = {
        "artists": "SELECT name, musicbrainz_id, aliases, genres FROM artists ORDER BY 1, 2",
        "tracks": "SELECT a.name, t.title, t.duration_ms, t.version_key FROM tracks t"
        " JOIN artists a ON a.id = t.artist_id ORDER BY 1, 2, 3",
        "mappings": "SELECT s.source_type, s.source_id, t.title FROM track_sources s"
        " JOIN tracks t ON t.id = s.track_id ORDER BY 1, 2",
    }
    with engine.connect() as conn:
        return {k: [tuple(r) for r in conn.execute(text(q))] for k, q in queries.items()}
