"""The `playlists` commands against a real database given by DATABASE_URL."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.cli.main import app
from tests import factories
from tests.cli.test_cli import env_for
from tests.playlists.conftest import assert_invariants, order_of

runner = CliRunner()


def test_refresh_smart_fills_a_smart_playlist(db_url: URL, engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as conn:
        owner = factories.user(conn)
        loud = factories.track(conn, audio_features={"energy": 0.9}, popularity=10)
        factories.track(conn, audio_features={"energy": 0.1})
    rules = tmp_path / "loud.json"
    rules.write_text(json.dumps({"all": [{"gt": {"energy": 0.5}}]}))
    env = env_for(db_url)
    created = runner.invoke(
        app, ["playlists", "create", "Loud", "--owner", str(owner), "--rules", str(rules)], env=env
    )
    assert created.exit_code == 0, created.output
    playlist_id = int(created.output.split()[-1])
    refreshed = runner.invoke(app, ["playlists", "refresh-smart", "--all"], env=env)
    assert refreshed.exit_code == 0, refreshed.output
    assert f"playlist {playlist_id}: 1 tracks" in refreshed.output
    with engine.connect() as conn:
        assert order_of(conn, playlist_id) == [loud]


def test_refresh_smart_needs_exactly_one_target(db_url: URL) -> None:
    result = runner.invoke(app, ["playlists", "refresh-smart"], env=env_for(db_url))
    assert result.exit_code == 1
    assert "--playlist ID, or use --all" in result.output


def test_check_rules_names_the_bad_node(tmp_path: Path) -> None:
    rules = tmp_path / "bad.json"
    rules.write_text(json.dumps({"any": [{"inTheRange": {"year": 1999}}]}))
    result = runner.invoke(app, ["playlists", "check-rules", str(rules)])
    assert result.exit_code == 1
    assert "rules.any[0].inTheRange: expects [low, high]" in result.output


def test_add_move_and_show_edit_in_order(db_url: URL, engine: Engine) -> None:
    with engine.begin() as conn:
        owner = factories.user(conn)
        a, b, c = (factories.track(conn, title=f"Song [{n}]") for n in "abc")
        playlist_id = factories.playlist(conn, owner_id=owner)
    env = env_for(db_url)
    for args in (
        ["add", str(playlist_id), str(a), str(b), str(c), "--as", str(owner)],
        ["move", str(playlist_id), "2", "0", "--as", str(owner)],
        ["remove", str(playlist_id), "1", "--as", str(owner)],
    ):
        result = runner.invoke(app, ["playlists", *args], env=env)
        assert result.exit_code == 0, result.output
    shown = runner.invoke(app, ["playlists", "show", str(playlist_id), "--as", str(owner)], env=env)
    assert shown.exit_code == 0, shown.output
    assert "Song [c]" in shown.output
    with engine.connect() as conn:
        assert order_of(conn, playlist_id) == [c, b]
        assert_invariants(conn, playlist_id)


def test_delete_without_yes_is_refused_and_keeps_the_playlist(db_url: URL, engine: Engine) -> None:
    with engine.begin() as conn:
        owner = factories.user(conn)
        playlist_id = factories.playlist(conn, owner_id=owner)
    result = runner.invoke(
        app, ["playlists", "delete", str(playlist_id), "--as", str(owner)], env=env_for(db_url)
    )
    assert result.exit_code == 1
    assert "--yes" in result.output
    with engine.connect() as conn:
        kept = conn.execute(
            text("SELECT count(*) FROM playlists WHERE id = :p"), {"p": playlist_id}
        )
        assert kept.scalar_one() == 1


def test_a_stranger_editing_a_private_playlist_gets_one_clear_line(
    db_url: URL, engine: Engine
) -> None:
    with engine.begin() as conn:
        owner, stranger = factories.user(conn), factories.user(conn)
        track = factories.track(conn)
        playlist_id = factories.playlist(conn, owner_id=owner)
    result = runner.invoke(
        app,
        ["playlists", "add", str(playlist_id), str(track), "--as", str(stranger)],
        env=env_for(db_url),
    )
    assert result.exit_code == 1
    assert f"playlist {playlist_id} not found" in result.output
