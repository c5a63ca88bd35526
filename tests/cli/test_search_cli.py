"""`search QUERY`: a table, or one JSON array with --json; bad input is one red line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.cli.main import app
from tests import factories
from tests.cli.test_cli import env_for

runner = CliRunner()


@pytest.fixture
def catalog_url(db_url: URL) -> URL:
    engine = create_engine(db_url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        dua = factories.artist(conn, name="Dua Lipa", genres=["pop"])
        album = factories.album(
            conn, title="Future Nostalgia", artist_id=dua, release_date="2020-03-27"
        )
        factories.track(
            conn, title="Levitating", artist_id=dua, album_id=album, duration_ms=203_000,
            popularity=88, audio_features={"energy": 0.8},
        )  # fmt: skip
        factories.track(conn, title="Lipa Lullaby", popularity=1)
    engine.dispose()
    return db_url


def test_json_output_is_one_array_of_typed_results(catalog_url: URL) -> None:
    result = runner.invoke(app, ["search", "dua li", "--json"], env=env_for(catalog_url))
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown[0]["type"] == "artist"
    assert shown[0]["name"] == "Dua Lipa"
    track = next(r for r in shown if r["type"] == "track")
    assert track["title"] == "Levitating"
    assert track["artist"] == "Dua Lipa"
    assert track["album"] == "Future Nostalgia"
    assert all({"type", "id", "artist", "album", "score"} <= set(r) for r in shown)


def test_filters_and_pages_from_the_command_line(catalog_url: URL) -> None:
    env = env_for(catalog_url)
    args = ["search", "dua", "--json", "--type", "track", "--year", "2019..2021",
            "--duration", "200..210", "--feature", "energy=0.5..", "--genre", "pop"]  # fmt: skip
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert [r["title"] for r in json.loads(result.stdout)] == ["Levitating"]
    first = runner.invoke(app, ["search", "lipa", "--json", "--limit", "1"], env=env)
    cursor = first.stderr.split("--cursor ")[1].strip()
    second = runner.invoke(
        app, ["search", "lipa", "--json", "--limit", "1", "--cursor", cursor], env=env
    )
    assert second.exit_code == 0, second.output
    assert json.loads(first.stdout) != json.loads(second.stdout)


def test_the_table_shows_titles_artists_and_albums(catalog_url: URL) -> None:
    result = runner.invoke(app, ["search", "levitating", "--group"], env=env_for(catalog_url))
    assert result.exit_code == 0, result.output
    for shown in ("Levitating", "Dua Lipa", "Future Nostalgia", "track"):
        assert shown in result.stdout


@pytest.mark.parametrize(
    ("args", "named"),
    [(["--year", "2020"], "2020"), (["--feature", "energy"], "energy"),
     (["--feature", "loud=0..1"], "loud"), (["--limit", "0"], "0"),
     (["--cursor", "garbage"], "garbage"), (["--type", "song"], "song")],
)  # fmt: skip
def test_bad_options_get_one_red_line_naming_the_value(
    catalog_url: URL, args: list[str], named: str
) -> None:
    result = runner.invoke(app, ["search", "dua", *args], env=env_for(catalog_url))
    assert result.exit_code == 1
    assert "error:" in result.stderr
    assert named in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
