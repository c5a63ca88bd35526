"""`profiles` and `discover` commands against a real database (each command commits)."""

from __future__ import annotations

import re

from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from searxng_cool.cli.main import app
from tests import factories
from tests.music_catalog import make_catalog

runner = CliRunner()


def env_for(url: URL) -> dict[str, str]:
    return {"DATABASE_URL": url.render_as_string(hide_password=False), "COLUMNS": "200"}


def seed(url: URL) -> int:
    engine = create_engine(url, poolclass=pool.NullPool)
    with Session(engine) as db, db.begin():
        make_catalog(db, artists=8, per_artist=3)
        user = factories.user(db.connection())
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
