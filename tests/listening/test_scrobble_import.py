"""`ingest FILE --format lastfm-scrobbles --user NAME`: scrobbles become one listener's plays."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.cli.main import app

runner = CliRunner()
HEADER = [
    "artist",
    "artist_mbid",
    "album",
    "album_mbid",
    "track",
    "track_mbid",
    "timestamp",
    "datetime",
]


def write_scrobbles(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def run_import(url: URL, path: Path, user: str = "alice") -> str:
    result = runner.invoke(
        app,
        [
            "ingest",
            str(path),
            "--format",
            "lastfm-scrobbles",
            "--user",
            user,
            "--rejects",
            str(path.with_suffix(".rejects.jsonl")),
        ],
        env={"DATABASE_URL": url.render_as_string(hide_password=False)},
    )
    assert result.exit_code == 0, result.output
    return result.output


def plays_of(url: URL, username: str) -> list[tuple[str, int]]:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT t.title, extract(epoch FROM ui.created_at)::bigint FROM user_interactions ui"
                " JOIN users u ON u.id = ui.user_id JOIN tracks t ON t.id = ui.track_id"
                " WHERE u.username = :u AND ui.interaction_type = 'play' ORDER BY 2"
            ),
            {"u": username},
        ).all()
    engine.dispose()
    return [(str(title), int(epoch)) for title, epoch in rows]


def test_each_scrobble_becomes_a_play_at_its_own_time(db_url: URL, tmp_path: Path) -> None:
    path = write_scrobbles(
        tmp_path / "scrobbles.csv",
        [
            [
                "Tiësto",
                "",
                "Kaleidoscope",
                "",
                "Escape Me",
                "",
                "1536407564",
                "2018-09-08 11:52:44",
            ],
            [
                "Tiësto",
                "",
                "Kaleidoscope",
                "",
                "Escape Me",
                "",
                "1436407564",
                "2015-07-09 02:06:04",
            ],
            [
                "Bungalow",
                "",
                "Loving It - Single",
                "",
                "Loving It",
                "",
                "1536406547",
                "2018-09-08 11:35:47",
            ],
        ],
    )
    output = run_import(db_url, path)
    assert "3 recorded" in output
    assert plays_of(db_url, "alice") == [
        ("Escape Me", 1436407564),
        ("Loving It", 1536406547),
        ("Escape Me", 1536407564),
    ]


def test_a_timestamp_zero_scrobble_is_refused_as_a_play_with_that_reason(
    db_url: URL, tmp_path: Path
) -> None:
    path = write_scrobbles(
        tmp_path / "scrobbles.csv",
        [
            ["Bungalow", "", "Loving It - Single", "", "Loving It", "", "0", "1970-01-01 00:00:00"],
            [
                "Bungalow",
                "",
                "Loving It - Single",
                "",
                "Loving It",
                "",
                "1536406547",
                "2018-09-08 11:35:47",
            ],
        ],
    )
    output = run_import(db_url, path)
    assert "1 recorded" in output
    assert "1 refused" in output
    refused = [
        json.loads(line)
        for line in (tmp_path / "scrobbles.plays.rejects.jsonl").read_text().splitlines()
    ]
    assert [(r["line"], r["code"]) for r in refused] == [(2, "no-timestamp")]
    assert "timestamp 0" in refused[0]["reason"]


def test_re_importing_the_same_history_records_nothing_twice(db_url: URL, tmp_path: Path) -> None:
    path = write_scrobbles(
        tmp_path / "scrobbles.csv",
        [
            [
                "Bungalow",
                "",
                "Loving It - Single",
                "",
                "Loving It",
                "",
                "1536406547",
                "2018-09-08 11:35:47",
            ]
        ],
    )
    run_import(db_url, path)
    again = run_import(db_url, path)
    assert "0 recorded, 1 already recorded" in again
    assert len(plays_of(db_url, "alice")) == 1


def test_user_is_only_accepted_with_the_scrobble_format(db_url: URL, tmp_path: Path) -> None:
    path = write_scrobbles(tmp_path / "s.csv", [])
    result = runner.invoke(
        app,
        ["ingest", str(path), "--format", "spotify-songs", "--user", "alice"],
        env={"DATABASE_URL": db_url.render_as_string(hide_password=False)},
    )
    assert result.exit_code == 1
    assert "--user needs --format lastfm-scrobbles" in result.output


def test_a_slice_of_the_real_history_imports_with_its_timestamp_zero_rows_refused(
    db_url: URL, tmp_path: Path, shared_data: Path
) -> None:
    with (shared_data / "lastfm_scrobbles.csv").open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))[1:]
    zero = [r for r in rows if r[6] == "0"][:20]
    timed = [r for r in rows if r[6] != "0"][:400]
    path = write_scrobbles(tmp_path / "real.csv", timed + zero)
    output = run_import(db_url, path, user="lastfm_listener")
    plays = plays_of(db_url, "lastfm_listener")
    assert len(plays) == len(timed)
    assert f"{len(timed)} recorded" in output
    assert f"{len(zero)} refused" in output
