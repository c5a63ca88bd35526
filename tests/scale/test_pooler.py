"""PgBouncer in transaction mode: started by the CLI, and ingest works through it."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from typer.testing import CliRunner

from searxng_cool.admin.pooler import Pooler
from searxng_cool.cli.main import app as cli
from searxng_cool.db.embedded import EmbeddedCluster
from tests.catalog.ingest_helpers import count, ingest_records
from tests.scale.conftest import DATABASE

runner = CliRunner()


@pytest.fixture(scope="module")
def pooler(primary: EmbeddedCluster) -> Iterator[Pooler]:
    made = Pooler(primary)
    made.start(pool_size=3)
    yield made
    made.stop()


@pytest.fixture
def pooled(pooler: Pooler) -> Iterator[Engine]:
    engine = create_engine(
        pooler.url(user="postgres", database=DATABASE),
        pool_size=8,
        max_overflow=0,
        connect_args={"prepare_threshold": None},
    )
    yield engine
    engine.dispose()


def records(prefix: str, n: int) -> list[dict[str, object]]:
    return [
        {
            "source_type": "spotify",
            "source_id": f"{prefix}{i}",
            "title": f"Pooled Song {i}",
            "artist": f"Pooled Artist {i % 7}",
            "album": f"Pooled Album {i % 3}",
            "duration_ms": 180_000 + i,
        }
        for i in range(n)
    ]


def test_pooler_start_status_and_stop_from_the_cli(tmp_path: Path) -> None:
    from tests.scale.conftest import SCALE_CLUSTER_SETTINGS, scratch_dir

    base = scratch_dir("sxc-pool-")
    cluster = EmbeddedCluster(base / "pgdata", settings=SCALE_CLUSTER_SETTINGS)
    env = {"SEARXNG_COOL_PGDATA": str(cluster.data_dir), "DATABASE_URL": ""}
    try:
        started = runner.invoke(cli, ["pooler", "start"], env=env)
        status = runner.invoke(cli, ["pooler", "status", "--json"], env=env)
        stopped = runner.invoke(cli, ["pooler", "stop"], env=env)
        after = runner.invoke(cli, ["pooler", "status", "--json"], env=env)
    finally:
        Pooler(cluster).stop()
        cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)
    assert started.exit_code == 0, started.output
    assert "DATABASE_POOLED=true" in started.output
    assert json.loads(status.output)["running"] is True
    assert "pgbouncer stopped" in stopped.output
    assert json.loads(after.output)["running"] is False


def test_statements_repeated_on_a_pooled_connection_never_collide_as_prepared(
    pooled: Engine,
) -> None:
    with pooled.connect() as connection:
        for n in range(20):
            assert connection.execute(text("SELECT CAST(:n AS integer)"), {"n": n}).scalar() == n
            connection.commit()


def test_concurrent_ingests_through_the_pooler_serialise_on_the_transaction_lock(
    pooled: Engine, tmp_path: Path
) -> None:
    rows = records("pool", 300)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            ingest_records(pooled, tmp_path, rows, name=f"run{n}.jsonl")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with pooled.connect() as connection:
        mapped = connection.execute(
            text("SELECT count(*) FROM track_sources WHERE source_id LIKE 'pool%'")
        ).scalar()
        leftovers = connection.execute(
            text("SELECT count(*) FROM pg_class WHERE relpersistence = 't'")
        ).scalar()
    assert mapped == 300
    assert leftovers == 0
    assert count(pooled, "tracks") >= 300
