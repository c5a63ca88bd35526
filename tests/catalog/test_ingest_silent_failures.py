"""Ingest never fails silently: BOMs, unknown shapes, wrong types, out-of-range features, rejects."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from searxng_cool.cli.main import app
from tests import factories
from tests.catalog.ingest_helpers import count, ingest_records
from tests.cli.test_cli import env_for

runner = CliRunner()
HEADER = "source_type,source_id,title,artist\n"
GOOD = {"source_type": "spotify", "source_id": "1", "title": "Rain", "artist": "Milura"}


def test_a_utf8_bom_before_the_csv_header_is_read_as_the_encoding_marker(
    db_url: URL, engine: Engine, tmp_path: Path
) -> None:
    source = tmp_path / "bom.csv"
    source.write_bytes(b"\xef\xbb\xbf" + (HEADER + "spotify,1,Rain,Milura\n").encode())
    result = runner.invoke(app, ["ingest", str(source)], env=env_for(db_url))
    assert result.exit_code == 0, result.output
    assert count(engine, "tracks") == 1


def test_a_utf8_bom_before_an_interactions_csv_header_is_ignored(
    db_url: URL, engine: Engine, tmp_path: Path
) -> None:
    with engine.begin() as conn:
        user, track = factories.user(conn), factories.track(conn)
    events = tmp_path / "events.csv"
    body = f"user_id,track_id,interaction_type\n{user},{track},play\n"
    events.write_bytes(b"\xef\xbb\xbf" + body.encode())
    result = runner.invoke(app, ["interactions", "load", str(events)], env=env_for(db_url))
    assert result.exit_code == 0, result.output
    assert count(engine, "user_interactions") == 1


def test_a_csv_of_unknown_shape_is_refused_saying_to_use_format_or_mapping(
    db_url: URL, engine: Engine, tmp_path: Path
) -> None:
    source = tmp_path / "other.csv"
    source.write_text("id,name,genre\n1,Rain,pop\n2,Snow,rock\n")
    result = runner.invoke(
        app, ["ingest", str(source)], env=env_for(db_url), catch_exceptions=False
    )
    assert result.exit_code == 1
    assert "--format" in result.output
    assert "--mapping" in result.output
    assert "spotify-songs" in result.output
    assert count(engine, "tracks") == 0


def test_ingesting_a_readme_exits_non_zero_with_a_reason_a_person_understands(
    db_url: URL, tmp_path: Path
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Music data\n\nThese files hold, among others, 11 columns: a, b, c.\n")
    result = runner.invoke(app, ["ingest", str(readme)], env=env_for(db_url))
    assert result.exit_code == 1
    assert "is not a CSV of source records" in result.output
    assert "has 1: 11" not in result.output


def test_when_every_row_is_rejected_the_command_exits_non_zero(db_url: URL, tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(HEADER + "spotify,,Rain,Milura\nspotify,,Snow,Milura\n")
    result = runner.invoke(
        app, ["ingest", str(source), "--rejects", str(tmp_path / "r.jsonl")], env=env_for(db_url)
    )
    assert result.exit_code == 1
    assert "every one of the 2 rows" in result.output
    assert "--format" in result.output


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", {"nested": [1, {"x": 2}]}), ("artist", ["a", "b"]), ("album", True)],
)
def test_an_object_or_list_in_a_text_field_is_rejected_with_the_fields_name(
    engine: Engine, tmp_path: Path, field: str, value: object
) -> None:
    summary = ingest_records(engine, tmp_path, [{**GOOD, field: value}])
    assert summary.rejected == 1
    reason = json.loads((tmp_path / "in.jsonl.rejects.jsonl").read_text())["reason"]
    assert reason.startswith(f"{field} must be text")
    assert count(engine, "tracks") == 0


@pytest.mark.parametrize(
    "features",
    [{"energy": 5}, {"tempo": -1}, {"key": 12}, {"mode": 2}, {"loudness": 30}, {"valence": -0.1}],
)
def test_audio_features_outside_their_range_are_rejected(
    engine: Engine, tmp_path: Path, features: dict[str, float]
) -> None:
    summary = ingest_records(engine, tmp_path, [{**GOOD, "audio_features": features}])
    assert summary.rejected == 1
    assert count(engine, "tracks") == 0


def test_audio_features_within_their_ranges_are_stored(engine: Engine, tmp_path: Path) -> None:
    features = {"energy": 1, "tempo": 240.5, "key": -1, "mode": 0, "loudness": -46.4}
    summary = ingest_records(engine, tmp_path, [{**GOOD, "audio_features": features}])
    assert summary.rejected == 0
    assert count(engine, "tracks") == 1


@pytest.mark.parametrize(
    "features", ['{"energy": 5}', '{"tempo": 0}', '{"key": "C"}', '{"danceability": -0.5}']
)
def test_the_database_refuses_audio_features_outside_their_range(
    engine: Engine, features: str
) -> None:
    with engine.begin() as conn:
        track = factories.track(conn)
    with pytest.raises(IntegrityError, match="audio_features_in_range"), engine.begin() as conn:
        conn.execute(
            text("UPDATE tracks SET audio_features = CAST(:f AS jsonb) WHERE id = :id"),
            {"f": features, "id": track},
        )


def test_an_ingest_without_rejects_writes_no_rejects_file(
    db_url: URL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(HEADER + "spotify,1,Rain,Milura\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["ingest", str(source)], env=env_for(db_url))
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(tmp_path)) == ["in.csv"]


def test_a_failed_ingest_keeps_the_earlier_rejects_file_and_a_new_one_is_numbered(
    db_url: URL, tmp_path: Path
) -> None:
    rejects = tmp_path / "r.jsonl"
    rejects.write_text('{"line": 2, "reason": "earlier run"}\n')
    missing_column = tmp_path / "broken.csv"
    missing_column.write_text("nothing,useful\n1,2\n")
    failed = runner.invoke(
        app, ["ingest", str(missing_column), "--rejects", str(rejects)], env=env_for(db_url)
    )
    assert failed.exit_code == 1
    assert "earlier run" in rejects.read_text()
    partly = tmp_path / "partly.csv"
    partly.write_text(HEADER + "spotify,1,Rain,Milura\nspotify,,Snow,Milura\n")
    again = runner.invoke(
        app, ["ingest", str(partly), "--rejects", str(rejects)], env=env_for(db_url)
    )
    assert again.exit_code == 0, again.output
    assert "earlier run" in rejects.read_text()
    numbered = tmp_path / "r.1.jsonl"
    assert json.loads(numbered.read_text())["line"] == 3
    assert str(numbered.name) in again.output.replace("\n", "")
