"""`jobs run --once`: every periodic job runs once, in its own transaction."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.admin.jobs import JOBS
from searxng_cool.cli.main import app
from tests import factories


def test_jobs_run_once_runs_every_job_and_purges_what_expired(engine: Engine, db_url: URL) -> None:
    with engine.begin() as connection:
        user = factories.user(connection)
        connection.execute(
            text(
                "INSERT INTO api_tokens (user_id, token_hash, created_at, expires_at) VALUES"
                " (:u, repeat('a', 64), now() - interval '30 days', now() - interval '20 days'),"
                " (:u, repeat('b', 64), now(), now() + interval '1 day')"
            ),
            {"u": user},
        )
    result = CliRunner().invoke(
        app,
        ["jobs", "run", "--once"],
        env={"DATABASE_URL": db_url.render_as_string(hide_password=False), "COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert [line.split(":")[0] for line in result.output.splitlines()] == [j.name for j in JOBS]
    assert "token expiry: 1 expired row(s) deleted" in result.output
    with engine.connect() as connection:
        left = connection.execute(text("SELECT left(token_hash, 1) FROM api_tokens")).scalars()
        assert list(left) == ["b"]
