"""Hostile input to the CLI: one clear error line and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool import json_input
from searxng_cool.cli.main import app
from searxng_cool.errors import InvalidInput
from tests import factories
from tests.cli.test_cli import env_for

runner = CliRunner()
DEEP = "[" * 10_000 + "]" * 10_000
HUGE = "1" * 5_000


def refused(result: Result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for word in words:
        assert word in result.output


def count(url: URL, table: str) -> int:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        found = int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    engine.dispose()
    return found


def seed_user(url: URL) -> int:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        made = factories.user(conn)
    engine.dispose()
    return made


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (DEEP, "nested more than"),
        ('{"a": ' + HUGE + "}", "at most 19 digits"),
        ('{"a": NaN}', "NaN"),
        ('{"a": "\\ud800"}', "surrogate"),
        ('{"a": "x\\u0000y"}', "NUL"),
        ('{"a": ', "not valid JSON"),
    ],
    ids=["deep", "huge-integer", "nan", "lone-surrogate", "nul", "truncated"],
)
def test_hostile_json_is_an_invalid_input_naming_the_problem(text: str, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        json_input.loads(text, what="input")


def test_json_nested_within_the_limit_and_ordinary_numbers_are_read() -> None:
    assert json_input.loads('{"a": [[1, 2.5e3, -9223372036854775808]]}', what="x") == {
        "a": [[1, 2500.0, -9223372036854775808]]
    }


@pytest.mark.parametrize("body", [DEEP, '{"any": ' + HUGE + "}"], ids=["deep", "huge"])
def test_rules_files_that_are_too_deep_or_too_large_are_one_error_line(
    tmp_path: Path, db_url: URL, body: str
) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(body)
    refused(runner.invoke(app, ["playlists", "check-rules", str(rules)]), "rules file")
    owner = seed_user(db_url)
    made = runner.invoke(
        app,
        ["playlists", "create", "x", "--owner", str(owner), "--rules", str(rules)],
        env=env_for(db_url),
    )
    refused(made, "rules file")
    assert count(db_url, "playlists") == 0


@pytest.mark.parametrize("body", [DEEP, '{"batch_size": ' + HUGE + "}"], ids=["deep", "huge"])
def test_discovery_parameters_and_settings_that_are_too_deep_or_large_are_refused(
    db_url: URL, body: str
) -> None:
    user = seed_user(db_url)
    env = env_for(db_url)
    refused(runner.invoke(app, ["discover", "start", str(user), "mood", body], env=env))
    refused(runner.invoke(app, ["profiles", "settings", str(user), body], env=env))
    assert count(db_url, "discovery_sessions") == 0


def test_a_lone_surrogate_rejects_its_record_and_the_rest_of_the_ingest_loads(
    db_url: URL, tmp_path: Path
) -> None:
    records = tmp_path / "records.jsonl"
    good = {"source_type": "spotify", "source_id": "ok", "title": "Fine", "artist": "A"}
    bad = {**good, "source_id": "bad", "title": "a\ud800b"}
    deep = '{"source_type": ' + "[" * 5000 + "]" * 5000 + "}"
    huge = '{"source_type": "spotify", "source_id": "h", "title": "t", "artist": "a", '
    huge += '"duration_ms": ' + HUGE + "}"
    lines = [json.dumps(good), json.dumps(bad), deep, huge]
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    result = runner.invoke(
        app, ["ingest", str(records), "--rejects", str(rejects)], env=env_for(db_url)
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert count(db_url, "tracks") == 1
    assert sorted(json.loads(line)["line"] for line in rejects.read_text().splitlines()) == [
        2,
        3,
        4,
    ]


def test_csv_rows_the_csv_module_cannot_read_are_rejected_with_their_line(
    db_url: URL, tmp_path: Path
) -> None:
    source = tmp_path / "records.csv"
    header = "source_type,source_id,title,artist\n"
    rows = ["spotify,1,One,A\n", "spotify,2,Tw\ro,A\n", f"spotify,3,{'x' * 200_000},A\n"]
    source.write_text(header + "".join(rows), encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    result = runner.invoke(
        app, ["ingest", str(source), "--rejects", str(rejects)], env=env_for(db_url)
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    reasons = {
        json.loads(x)["line"]: json.loads(x)["reason"] for x in rejects.read_text().splitlines()
    }
    assert sorted(reasons) == [3, 4]
    assert count(db_url, "tracks") == 1


def test_a_binary_file_given_to_ingest_is_refused_without_a_traceback(
    db_url: URL, tmp_path: Path
) -> None:
    binary = tmp_path / "image.csv"
    binary.write_bytes(bytes(range(256)) * 64)
    result = runner.invoke(app, ["ingest", str(binary)], env=env_for(db_url))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert count(db_url, "tracks") == 0


@pytest.mark.parametrize("command", ["interactions", "ingest"])
def test_a_duplicate_csv_column_is_refused_naming_the_column(
    db_url: URL, tmp_path: Path, command: str
) -> None:
    source = tmp_path / "dup.csv"
    if command == "interactions":
        source.write_text("user_id,track_id,interaction_type,user_id\n1,1,play,1\n")
        args = ["interactions", "load", str(source)]
    else:
        source.write_text("source_type,source_id,title,artist,title\nspotify,1,a,b,c\n")
        args = ["ingest", str(source), "--rejects", str(tmp_path / "r.jsonl")]
    refused(runner.invoke(app, args, env=env_for(db_url)), "twice" if command == "ingest" else "")
    assert count(db_url, "user_interactions") == 0


@pytest.mark.parametrize(
    "url",
    ["postgresql://u:secret@localhost:notaport/db", "postgresql://u:secret@localhost:99999/db"],
)
def test_an_unparseable_database_url_is_a_config_error_without_the_password(url: str) -> None:
    result = runner.invoke(app, ["current"], env={"DATABASE_URL": url})
    refused(result, "config:")
    assert "secret" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["--year", "3000000000.."],
        ["--year", "0..1"],
        ["--year", "nan.."],
        ["--duration", "..1e300"],
        ["--feature", "energy=inf.."],
    ],
)
def test_search_filters_are_range_checked_before_they_reach_sql(
    db_url: URL, args: list[str]
) -> None:
    result = runner.invoke(app, ["search", "rain", *args], env=env_for(db_url))
    refused(result, "outside")
    assert "make_date" not in result.output
    assert "CONTEXT" not in result.output
