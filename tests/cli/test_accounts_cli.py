"""`users` and `tokens` commands, and user names wherever a command takes a user, run as
the application role (DATABASE_URL = searxng_user) as a deployment would."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.accounts import authenticate_token, get_or_create_user, login
from searxng_cool.cli.main import app
from searxng_cool.config import APP_ROLE
from searxng_cool.errors import Unauthenticated
from tests import factories
from tests.cli.test_cli import env_for
from tests.conftest import as_role

runner = CliRunner()


@pytest.fixture
def env(db_url: URL) -> dict[str, str]:
    return {**env_for(as_role(db_url, APP_ROLE)), "COLUMNS": "200"}


def make_user(env: dict[str, str], name: str, *extra: str) -> None:
    made = runner.invoke(
        app,
        ["users", "create", name, "--email", f"{name}@example.org", "--password-stdin", *extra],
        input="correct horse battery\n",
        env=env,
    )
    assert made.exit_code == 0, made.output


def test_users_are_created_listed_and_shown_by_name_or_id(env: dict[str, str]) -> None:
    make_user(env, "ana", "--admin")
    make_user(env, "ben")
    listed = runner.invoke(app, ["users", "list", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    users = json.loads(listed.stdout)
    assert [(u["username"], u["is_admin"]) for u in users] == [("ana", True), ("ben", False)]
    by_id = runner.invoke(app, ["users", "show", str(users[1]["id"]), "--json"], env=env)
    by_name = runner.invoke(app, ["users", "show", "ben", "--json"], env=env)
    assert json.loads(by_id.stdout) == json.loads(by_name.stdout) == users[1]
    assert "correct horse" not in listed.output


def test_a_taken_name_or_a_missing_user_is_one_clear_line(env: dict[str, str]) -> None:
    make_user(env, "ana")
    again = runner.invoke(
        app,
        ["users", "create", "ana", "--email", "x@example.org", "--password-stdin"],
        input="correct horse battery\n",
        env=env,
    )
    assert again.exit_code == 1
    assert "'ana' is already taken" in again.output
    missing = runner.invoke(app, ["users", "show", "nobody"], env=env)
    assert missing.exit_code == 1
    assert "user 'nobody' does not exist" in missing.output
    assert "Traceback" not in missing.output + again.output


def test_a_token_is_printed_alone_on_the_last_line_then_listed_and_revoked(
    env: dict[str, str], engine: Engine
) -> None:
    make_user(env, "ana")
    made = runner.invoke(
        app, ["tokens", "create", "ana", "--label", "phone", "--expires-in", "30"], env=env
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.splitlines()[-1]
    assert made.stdout == token + "\n"
    with engine.connect() as conn:
        assert authenticate_token(conn, token=token).username == "ana"
    listed = runner.invoke(app, ["tokens", "list", "ana", "--json"], env=env)
    [info] = json.loads(listed.stdout)
    assert info["label"] == "phone"
    assert info["expires_at"] is not None
    assert token not in listed.output
    revoked = runner.invoke(app, ["tokens", "revoke", str(info["id"])], env=env)
    assert revoked.exit_code == 0, revoked.output
    with engine.connect() as conn, pytest.raises(Unauthenticated):
        authenticate_token(conn, token=token)


def test_playlist_and_discovery_commands_take_a_user_name(
    env: dict[str, str], engine: Engine
) -> None:
    make_user(env, "ana")
    with engine.begin() as conn:
        track = factories.track(conn)
    created = runner.invoke(app, ["playlists", "create", "Mine", "--owner", "ana"], env=env)
    assert created.exit_code == 0, created.output
    playlist = created.output.split()[-1]
    added = runner.invoke(app, ["playlists", "add", playlist, str(track), "--as", "ana"], env=env)
    assert added.exit_code == 0, added.output
    listed = runner.invoke(
        app, ["playlists", "list", "--owner", "ana", "--as", "ana", "--json"], env=env
    )
    assert [p["name"] for p in json.loads(listed.stdout)] == ["Mine"]
    anonymous = runner.invoke(app, ["playlists", "list", "--json"], env=env)
    assert json.loads(anonymous.stdout) == []  # private: invisible to others
    recorded = runner.invoke(
        app, ["interactions", "record", "--user", "ana", "--track", str(track)], env=env
    )
    assert recorded.exit_code == 0, recorded.output
    started = runner.invoke(app, ["discover", "start", "ana", "mood", '{"mood": "calm"}'], env=env)
    assert started.exit_code == 0, started.output
    sessions = runner.invoke(app, ["discover", "list", "--user", "ana", "--json"], env=env)
    assert [s["username"] for s in json.loads(sessions.stdout)] == ["ana"]
    shown = runner.invoke(app, ["profiles", "show", "ana"], env=env)
    assert shown.exit_code == 0, shown.output


def test_status_validate_and_maintenance_commands_work_as_the_application_role(
    env: dict[str, str],
) -> None:
    for command in (
        ["status", "--json"],
        ["validate", "--group", "schema"],
        ["popularity", "refresh"],
        ["partitions", "ensure"],
        ["playlists", "refresh-smart", "--all"],
    ):
        result = runner.invoke(app, command, env=env)
        assert result.exit_code in (0, 1), (command, result.output)
        assert "permission denied" not in result.output, command
        assert "must be owner" not in result.output, command


def test_an_imported_listener_gets_a_password_and_can_log_in(
    env: dict[str, str], engine: Engine
) -> None:
    with engine.begin() as conn:
        get_or_create_user(conn, username="listener")
    result = runner.invoke(
        app,
        ["users", "password", "listener", "--password-stdin"],
        input="new password 1\n",
        env=env,
    )
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        issued = login(conn, login="listener", password="new password 1", client="10.0.0.9")
        assert authenticate_token(conn, token=issued.token).username == "listener"
