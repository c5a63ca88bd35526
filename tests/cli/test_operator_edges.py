"""The operator's rough edges: not-found is an error, JSON where things are shown, help texts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.catalog.ingest import ingest_file
from searxng_cool.catalog.reader import load_mapping
from searxng_cool.cli.main import app
from searxng_cool.rejects import CollectedRejects
from tests import factories
from tests.cli.test_cli import all_commands, env_for

runner = CliRunner()


def test_counters_of_a_track_that_does_not_exist_is_a_not_found_error(db_url: URL) -> None:
    result = runner.invoke(app, ["popularity", "counters", "99999999"], env=env_for(db_url))
    assert result.exit_code == 1
    assert "track 99999999 does not exist" in result.output


def test_counters_of_a_track_without_interactions_says_so_and_succeeds(
    db_url: URL, engine: Engine
) -> None:
    with engine.begin() as conn:
        track = factories.track(conn)
    result = runner.invoke(app, ["popularity", "counters", str(track)], env=env_for(db_url))
    assert result.exit_code == 0, result.output
    assert "has no interactions" in result.output


def test_ingest_progress_advances_as_the_file_is_read_not_once_per_batch(
    engine: Engine, tmp_path: Path
) -> None:
    source = tmp_path / "records.csv"
    rows = "".join(f"spotify,{n},Title {n},Artist {n % 50}\n" for n in range(40_000))
    source.write_text("source_type,source_id,title,artist\n" + rows)
    seen: list[int] = []
    ingest_file(
        engine,
        path=source,
        mapping=load_mapping(),
        rejects=CollectedRejects(),
        progress=lambda done, total: seen.append(done),
    )
    size = source.stat().st_size
    assert len([done for done in seen if 0 < done < size]) >= 3  # one batch, many steps
    assert seen == sorted(seen)
    assert seen[-1] == size


def test_a_refused_ingest_prints_its_error_without_a_dead_progress_bar(
    db_url: URL, tmp_path: Path
) -> None:
    source = tmp_path / "other.csv"
    source.write_text("id,name\n1,Rain\n")
    result = runner.invoke(app, ["ingest", str(source)], env=env_for(db_url))
    assert result.exit_code == 1
    assert "━" not in result.output
    assert "ingest other.csv" not in result.output


def test_status_on_a_fresh_install_with_demo_data_exits_0_on_one_screen(db_url: URL) -> None:
    env = env_for(db_url)
    loaded = runner.invoke(app, ["demo", "--records", "400"], env=env)
    assert loaded.exit_code == 0, loaded.output
    runner.invoke(app, ["popularity", "refresh"], env=env)
    result = runner.invoke(app, ["status"], env={**env, "COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) <= 50
    verbose = runner.invoke(app, ["status", "--verbose"], env={**env, "COLUMNS": "100"})
    assert "threshold" in verbose.output


def test_status_json_gives_figures_as_numbers(db_url: URL) -> None:
    result = runner.invoke(app, ["status", "--json"], env=env_for(db_url))
    checks = {c["name"]: c for c in json.loads(result.output)["checks"]}
    assert isinstance(checks["size"]["numbers"]["database_bytes"], int)
    assert checks["migrations"]["numbers"] == {"pending": 0}


def test_demo_records_carry_their_own_source_type_and_demo_remove_takes_them_out(
    db_url: URL, engine: Engine, tmp_path: Path
) -> None:
    env = env_for(db_url)
    real = tmp_path / "real.csv"
    real.write_text("source_type,source_id,title,artist\nspotify,r1,Real Song,Real Artist\n")
    assert runner.invoke(app, ["ingest", str(real)], env=env).exit_code == 0
    assert runner.invoke(app, ["demo", "--records", "300"], env=env).exit_code == 0
    with engine.connect() as conn:
        types = set(conn.execute(text("SELECT DISTINCT source_type FROM track_sources")).scalars())
    assert "spotify" in types
    assert {t for t in types if t != "spotify"} <= {
        "demo_spotify", "demo_deezer", "demo_youtube", "demo_soundcloud", "demo_lastfm"
    }  # fmt: skip
    removed = runner.invoke(app, ["demo", "--remove"], env=env)
    assert removed.exit_code == 0, removed.output
    with engine.connect() as conn:
        left = {
            table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("tracks", "artists", "track_sources", "search_entries")
        }
        demo = conn.execute(
            text("SELECT count(*) FROM track_sources WHERE source_type LIKE 'demo%'")
        ).scalar_one()
    assert demo == 0
    assert left["tracks"] == 1
    assert left["artists"] == 1
    assert left["track_sources"] == 1


def every_command() -> list[tuple[str, ...]]:
    return all_commands(app)


@pytest.mark.parametrize("command", every_command(), ids=" ".join)
def test_every_option_has_a_help_text_and_flags_show_no_value_type(
    command: tuple[str, ...],
) -> None:
    group: typer.Typer = app
    for name in command[:-1]:
        group = next(
            g.typer_instance for g in group.registered_groups if g.name == name and g.typer_instance
        )
    found = typer.main.get_command(group)
    click_command = found.commands[command[-1]]  # type: ignore[attr-defined]
    for param in click_command.params:
        if param.param_type_name == "option":
            assert getattr(param, "help", None), f"{' '.join(command)} {param.opts[0]} has no help"
    shown = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert "<bool>" not in shown.output


def test_piped_output_is_not_wrapped_at_80_columns() -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    shown = subprocess.run(
        [sys.executable, "-c", "from searxng_cool.cli.main import run; run()", "history"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    message = (
        "playlists.total_duration_ms becomes BIGINT (the spec says INTEGER: 24.8 days at most)"
    )
    assert any(message in line for line in shown.stdout.splitlines())
