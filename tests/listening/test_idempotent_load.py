"""`interactions load` is idempotent: the same events loaded again record nothing new."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.cli.main import app
from searxng_cool.listening.recording import record_file
from tests import factories
from tests.cli.test_cli import env_for

runner = CliRunner()
START = datetime(2026, 1, 1, tzinfo=UTC)


def write_events(path: Path, user: int, tracks: list[int], count: int) -> Path:
    lines = []
    for number in range(count):
        at = START + timedelta(minutes=number)
        event = {
            "user_id": user,
            "track_id": tracks[number % len(tracks)],
            "interaction_type": "play" if number % 3 else "like",
            "created_at": at.isoformat(),
        }
        lines.append(json.dumps(event))
    path.write_text("\n".join(lines) + "\n")
    return path


def seed(engine: Engine) -> tuple[int, list[int]]:
    with engine.begin() as conn:
        user = factories.user(conn)
        tracks = [factories.track(conn) for _ in range(5)]
    return user, tracks


def log_of(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT user_id, track_id, interaction_type, created_at FROM user_interactions"
                " ORDER BY created_at, track_id, interaction_type"
            )
        )
        return [tuple(row) for row in rows]


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_loading_the_same_file_twice_records_nothing_new_and_says_so(
    db_url: URL, engine: Engine, tmp_path: Path, suffix: str
) -> None:
    user, tracks = seed(engine)
    source = write_events(tmp_path / "events.jsonl", user, tracks, 50)
    if suffix == "csv":
        rows = [json.loads(line) for line in source.read_text().splitlines()]
        source = tmp_path / "events.csv"
        source.write_text(
            "user_id,track_id,interaction_type,created_at\n"
            + "".join(
                f"{r['user_id']},{r['track_id']},{r['interaction_type']},{r['created_at']}\n"
                for r in rows
            )
        )
    first = runner.invoke(app, ["interactions", "load", str(source)], env=env_for(db_url))
    assert first.exit_code == 0, first.output
    once = log_of(engine)
    assert len(once) == 50
    again = runner.invoke(app, ["interactions", "load", str(source)], env=env_for(db_url))
    assert again.exit_code == 0, again.output
    assert log_of(engine) == once
    assert "already recorded" in again.output
    assert "│ 0        │ 50" in again.output.replace("─", "")


def test_a_reload_records_only_the_events_not_yet_in_the_log(
    engine: Engine, tmp_path: Path
) -> None:
    user, tracks = seed(engine)
    half = write_events(tmp_path / "half.jsonl", user, tracks, 20)
    whole = write_events(tmp_path / "whole.jsonl", user, tracks, 40)
    with engine.begin() as conn:
        record_file(conn, path=half)
    with engine.begin() as conn:
        report = record_file(conn, path=whole)
    assert (report.accepted, report.already_recorded) == (20, 20)
    assert len(log_of(engine)) == 40


def test_a_reload_after_kill_9_leaves_the_log_as_one_complete_load_would(
    db_url: URL, engine: Engine, tmp_path: Path
) -> None:
    user, tracks = seed(engine)
    source = write_events(tmp_path / "events.jsonl", user, tracks, 60_000)
    env = {**os.environ, **env_for(db_url)}
    code = "from searxng_cool.cli.main import run; run()"
    loading = subprocess.Popen(
        [sys.executable, "-c", code, "interactions", "load", str(source)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.5)  # well into reading the file (a complete load takes several seconds)
    loading.send_signal(signal.SIGKILL)
    loading.wait()
    with engine.connect() as conn:  # the server notices the dead client and rolls back
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    rerun = runner.invoke(app, ["interactions", "load", str(source)], env=env_for(db_url))
    assert rerun.exit_code == 0, rerun.output
    again = runner.invoke(app, ["interactions", "load", str(source)], env=env_for(db_url))
    assert again.exit_code == 0, again.output
    log = log_of(engine)
    assert len(log) == 60_000
    assert len(set(log)) == 60_000
