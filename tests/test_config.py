"""Configuration: interpolation, validation with one clear line, redaction, pool settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import pool, text
from sqlalchemy.engine import URL

from searxng_cool.config import DEFAULT_CONFIG_PATH, load_raw, load_settings, redact
from searxng_cool.db.engine import make_engine
from searxng_cool.errors import ConfigError
from tests.conftest import REPO_ROOT


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "orchestrator.yml"
    path.write_text(body)
    return path


def test_the_shipped_file_defaults_to_the_embedded_cluster_without_a_password() -> None:
    settings = load_settings(DEFAULT_CONFIG_PATH, environ={})
    assert settings.database.is_embedded
    assert settings.database.url.password is None
    assert settings.database.url.database == "searxng_cool_music"
    assert settings.database.url.drivername == "postgresql+psycopg"


def test_database_url_from_the_environment_wins() -> None:
    env = {"DATABASE_URL": "postgresql://u:pw@db.example:5433/music"}
    settings = load_settings(DEFAULT_CONFIG_PATH, environ=env)
    assert (settings.database.url.host, settings.database.url.port) == ("db.example", 5433)
    assert not settings.database.is_embedded


def test_ddl_commands_reach_the_embedded_cluster_as_the_owner_role() -> None:
    database = load_settings(DEFAULT_CONFIG_PATH, environ={}).database
    assert database.url.username == "searxng_user"
    assert database.as_owner().url.username == "searxng_owner"
    assert database.as_owner().is_embedded


def test_database_owner_url_is_what_ddl_commands_use_and_defaults_to_database_url() -> None:
    app_url = "postgresql://searxng_user:app@db.example/music"
    alone = load_settings(DEFAULT_CONFIG_PATH, environ={"DATABASE_URL": app_url}).database
    assert alone.as_owner().url == alone.url
    env = {"DATABASE_URL": app_url, "DATABASE_OWNER_URL": "postgresql://owner:own@db.example/music"}
    both = load_settings(DEFAULT_CONFIG_PATH, environ=env).database
    assert both.url.username == "searxng_user"
    assert (both.as_owner().url.username, both.as_owner().url.password) == ("owner", "own")


def test_role_passwords_come_from_the_environment_and_are_never_shown() -> None:
    env = {"SEARXNG_USER_PASSWORD": "s3cret-app", "SEARXNG_READONLY_PASSWORD": ""}
    database = load_settings(DEFAULT_CONFIG_PATH, environ=env).database
    assert database.role_passwords == {"searxng_user": "s3cret-app"}
    assert "s3cret-app" not in repr(database)


def test_a_url_with_a_socket_host_parameter_is_not_embedded() -> None:
    env = {"DATABASE_URL": "postgresql://u@/music?host=/var/run/postgresql"}
    assert not load_settings(DEFAULT_CONFIG_PATH, environ=env).database.is_embedded


def test_an_unset_variable_without_default_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "DATABASE:\n  SQLALCHEMY_DATABASE_URI: ${MUSIC_DB}\n")
    with pytest.raises(ConfigError, match=r"\$\{MUSIC_DB\}, which is not set"):
        load_settings(path, environ={})


def test_an_unknown_key_gets_one_line_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, "DATABASE:\n  SQLALCHEMY_DATABASE_URI: postgresql://u@h/d\n  POOL: 3\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert "DATABASE.POOL" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_unknown_section_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path, "DATABASE:\n  SQLALCHEMY_DATABASE_URI: postgresql://u@h/d\nDATABSE: {}\n"
    )
    with pytest.raises(ConfigError, match="unknown section 'DATABSE'"):
        load_settings(path, environ={})


@pytest.mark.parametrize(
    "url",
    ["mysql://u:hunter2@h/d", "not a url at all", "postgresql://u:hunter2@h", ""],
)
def test_a_malformed_url_names_the_key_and_hides_the_password(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(
            DEFAULT_CONFIG_PATH, environ={"DATABASE_URL": url} if url else {"DATABASE_URL": "x"}
        )
    message = str(caught.value)
    assert "DATABASE.SQLALCHEMY_DATABASE_URI" in message
    assert "hunter2" not in message


def test_a_bad_pool_size_is_refused(tmp_path: Path) -> None:
    body = (
        "DATABASE:\n  SQLALCHEMY_DATABASE_URI: postgresql://u@h/d\n"
        "  SQLALCHEMY_ENGINE_OPTIONS:\n    pool_size: -2\n"
    )
    with pytest.raises(ConfigError, match="pool_size = -2"):
        load_settings(write(tmp_path, body), environ={})


def test_printed_config_never_shows_the_password() -> None:
    env = {"DATABASE_URL": "postgresql://searxng_user:searxng_music_2024@db/music"}
    section = load_raw(DEFAULT_CONFIG_PATH, environ=env)["DATABASE"]
    assert "searxng_music_2024" not in str(section)
    assert "searxng_music_2024" not in repr(section)
    assert "***" in str(section)


def test_redact_hides_every_password_in_free_text() -> None:
    line = "a postgresql://a:one@h/d and postgresql+psycopg://b:two@h/e"
    assert redact(line) == "a postgresql://a:***@h/d and postgresql+psycopg://b:***@h/e"


def test_the_spec_troubleshooting_one_liner_prints_the_redacted_section() -> None:
    env = dict(os.environ, DATABASE_URL="postgresql://searxng_user:s3cret@db/music")
    command = "from orchestrator.config_loader import load_config; print(load_config()['DATABASE'])"
    result = subprocess.run(
        [sys.executable, "-c", command],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "SQLALCHEMY_DATABASE_URI" in result.stdout
    assert "s3cret" not in result.stdout


def test_the_engine_gets_the_spec_pool_settings(db_url: URL) -> None:
    config = load_settings(
        DEFAULT_CONFIG_PATH, environ={"DATABASE_URL": db_url.render_as_string(hide_password=False)}
    ).database
    engine = make_engine(config)
    assert isinstance(engine.pool, pool.QueuePool)
    assert engine.pool.size() == 20
    assert engine.pool._max_overflow == 0
    assert engine.pool._recycle == 3600
    assert engine.pool._pre_ping is True
    with engine.connect() as conn:
        assert conn.execute(text("SHOW application_name")).scalar_one() == "searxng_cool"
    engine.dispose()


def test_the_api_section_sets_rate_limits_and_refuses_a_non_positive_one(tmp_path: Path) -> None:
    base = "DATABASE:\n  SQLALCHEMY_DATABASE_URI: postgresql://u@h/d\n"
    good = load_settings(write(tmp_path, base + "API:\n  RATE_LIMIT_PER_TOKEN: '50'\n"), environ={})
    assert good.api.rate_limit_per_token == 50
    assert good.api.rate_limit_per_address == 120
    with pytest.raises(ConfigError, match=r"API\.MAX_BODY_BYTES = 0"):
        load_settings(write(tmp_path, base + "API:\n  MAX_BODY_BYTES: 0\n"), environ={})
    shipped = load_settings(DEFAULT_CONFIG_PATH, environ={"SEARXNG_COOL_RATE_LIMIT_PER_TOKEN": "7"})
    assert shipped.api.rate_limit_per_token == 7
