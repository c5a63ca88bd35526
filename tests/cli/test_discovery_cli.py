"""`profiles` and `discover` commands against a real database (each command commits)."""

from __future__ import annotations

import re

from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.cli.main import app
from tests import factories
from tests.music_catalog import make_catalog

runner = CliRunner()


def env_for(url: URL) -> dict[str, str]:
    return {"DATABASE_URL": url.render_as_string(hide_password=False), "COLUMNS": "200"}


def seed(url: URL) -> int:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        make_catalog(conn, artists=8, per_artist=3)
        user = factories.user(conn)
    engine.dispose()
    return user


def test_a_whole_session_from_the_command_line(db_url: URL) -> None:
    user, env = seed(db_url), env_for(db_url)
    started = runner.invoke(
        app, ["discover", "start", str(user), "mood", '{"mood": "calm"}'], env=env
    )
    assert started.exit_code == 0, started.output
    session_id = re.search(r"session (\d+)", started.output).group(1)  # type: ignore[union-attr]
    batch = runner.invoke(app, ["discover", "next", session_id, "-n", "3"], env=env)
    assert batch.exit_code == 0, batch.output
    assert "close in" in batch.output
    engine = create_engine(db_url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        first = conn.execute(
            text("SELECT track_id FROM discovery_session_tracks WHERE position = 0")
        ).scalar_one()
    acted = runner.invoke(app, ["discover", "act", session_id, str(first), "liked"], env=env)
    assert acted.exit_code == 0, acted.output
    ended = runner.invoke(app, ["discover", "end", session_id, "--feedback", "5"], env=env)
    assert ended.exit_code == 0, ended.output
    with engine.connect() as conn:
        assert conn.execute(text("SELECT feedback_score FROM discovery_sessions")).scalar_one() == 5
        assert conn.execute(text("SELECT count(*) FROM user_interactions")).scalar_one() == 1
    engine.dispose()
    shown = runner.invoke(app, ["discover", "show", session_id], env=env)
    assert "liked" in shown.output


def test_bad_input_gets_one_red_line_and_exit_code_1(db_url: URL) -> None:
    user, env = seed(db_url), env_for(db_url)
    not_json = runner.invoke(app, ["discover", "start", str(user), "mood", "{mood"], env=env)
    assert not_json.exit_code == 1
    assert "parameters is not valid JSON" in not_json.output
    bad_mood = runner.invoke(
        app, ["discover", "start", str(user), "mood", '{"mood": "x"}'], env=env
    )
    assert bad_mood.exit_code == 1
    assert "mood 'x' is not one of" in bad_mood.output
    bad_score = runner.invoke(app, ["discover", "end", "1", "--feedback", "9"], env=env)
    assert bad_score.exit_code == 1
    assert "feedback score must be an integer from 1 to 5, got 9" in bad_score.output


def test_profiles_rebuild_reports_every_user_and_show_prints_the_profile(db_url: URL) -> None:
    user, env = seed(db_url), env_for(db_url)
    engine = create_engine(db_url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        factories.interaction(conn, user_id=user, track_id=1, interaction_type="like")
    engine.dispose()
    rebuilt = runner.invoke(app, ["profiles", "rebuild"], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rebuilt 1 profile(s)" in rebuilt.output
    shown = runner.invoke(app, ["profiles", "show", str(user)], env=env)
    assert shown.exit_code == 0, shown.output
    assert "energy" in shown.output
    assert "cold start" not in shown.output
    changed = runner.invoke(app, ["profiles", "settings", str(user), '{"novelty": 0.9}'], env=env)
    assert changed.exit_code == 0, changed.output
    assert '"novelty": 0.9' in changed.output


def test_discover_act_refuses_a_play_longer_than_the_track_as_interactions_record_does(
    db_url: URL,
) -> None:
    user, env = seed(db_url), env_for(db_url)
    started = runner.invoke(
        app, ["discover", "start", str(user), "mood", '{"mood": "calm"}'], env=env
    )
    session_id = re.search(r"session (\d+)", started.output).group(1)  # type: ignore[union-attr]
    batch = runner.invoke(app, ["discover", "next", session_id, "-n", "1"], env=env)
    assert batch.exit_code == 0, batch.output
    engine = create_engine(db_url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        track, track_ms = conn.execute(
            text(
                "SELECT t.id, t.duration_ms FROM discovery_session_tracks s"
                " JOIN tracks t ON t.id = s.track_id WHERE s.position = 0"
            )
        ).one()
    too_long = str(track_ms + 1)
    record = ["interactions", "record", "--user", str(user), "--track", str(track)]
    recorded = runner.invoke(app, [*record, "--type", "play", "--duration-ms", too_long], env=env)
    acted = runner.invoke(
        app, ["discover", "act", session_id, str(track), "played", "--played-ms", too_long], env=env
    )
    assert recorded.exit_code == acted.exit_code == 1
    assert "is beyond the duration of track" in recorded.output
    assert acted.output == recorded.output
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM user_interactions")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM user_music_profiles")).scalar_one() == 0
        assert (
            conn.execute(
                text("SELECT count(*) FROM discovery_session_tracks WHERE user_action IS NOT NULL")
            ).scalar_one()
            == 0
        )
    engine.dispose()
