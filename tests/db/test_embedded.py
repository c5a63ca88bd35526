"""The embedded cluster: started on demand, safely twice at once, socket only, clear errors."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool, text

from searxng_cool.db import embedded
from searxng_cool.db.embedded import EmbeddedCluster, default_data_dir
from searxng_cool.errors import EnvironmentProblem
from tests.conftest import REPO_ROOT, running


@pytest.fixture
def throwaway_cluster() -> Iterator[EmbeddedCluster]:
    cluster = EmbeddedCluster(default_data_dir().parent / f"t-{uuid.uuid4().hex[:8]}")
    yield cluster
    cluster.destroy()


START = (
    "from pathlib import Path; from searxng_cool.db.embedded import EmbeddedCluster; "
    "print(EmbeddedCluster(Path({path!r})).ensure_running())"
)


def test_two_concurrent_starts_both_succeed(throwaway_cluster: EmbeddedCluster) -> None:
    code = START.format(path=str(throwaway_cluster.data_dir))
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in starters]
    assert [code for code, _, _ in results] == [0, 0], results
    assert sorted(out.strip() for _, out, _ in results) == ["False", "True"]
    assert throwaway_cluster.is_running()


def test_the_cluster_listens_on_a_socket_only_and_preloads_pg_stat_statements(
    throwaway_cluster: EmbeddedCluster,
) -> None:
    throwaway_cluster.ensure_running()
    engine = create_engine(throwaway_cluster.url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW listen_addresses")).scalar_one() == ""
        assert (
            conn.execute(text("SHOW shared_preload_libraries")).scalar_one() == "pg_stat_statements"
        )
        assert conn.execute(text("SHOW unix_socket_directories")).scalar_one() == str(
            throwaway_cluster.data_dir
        )
        assert conn.execute(text("SHOW TimeZone")).scalar_one() == "UTC"
        sized = embedded.sized_settings(embedded.machine_memory_bytes())
        assert conn.execute(text("SHOW shared_buffers")).scalar_one() == sized["shared_buffers"]
        assert conn.execute(text("SHOW max_wal_size")).scalar_one() == "4GB"
    engine.dispose()


def test_memory_settings_follow_the_machine_within_bounds() -> None:
    small = embedded.sized_settings(512 << 20)
    large = embedded.sized_settings(24 << 30)
    huge = embedded.sized_settings(1 << 40)
    assert small["shared_buffers"] == "128MB"  # never below PostgreSQL's own default
    assert large["shared_buffers"] == "3072MB"  # an eighth of memory
    assert huge["shared_buffers"] == "4096MB"  # capped
    assert small["maintenance_work_mem"] == "64MB"
    assert huge["maintenance_work_mem"] == "1024MB"


def test_a_clusters_own_settings_override_the_sized_defaults(tmp_path: Path) -> None:
    cluster = EmbeddedCluster(tmp_path / "pgdata", settings={"shared_buffers": "256MB"})
    assert cluster.server_settings()["shared_buffers"] == "256MB"
    assert cluster.server_settings()["max_wal_size"] == "4GB"


def test_stop_stops_and_start_starts_again(throwaway_cluster: EmbeddedCluster) -> None:
    throwaway_cluster.ensure_running()
    assert throwaway_cluster.stop() is True
    assert not throwaway_cluster.is_running()
    assert throwaway_cluster.stop() is False
    assert throwaway_cluster.ensure_running() is True


def test_a_non_empty_directory_that_is_no_cluster_is_refused(tmp_path: Path) -> None:
    stray = default_data_dir().parent / f"stray-{uuid.uuid4().hex[:8]}"
    stray.mkdir(parents=True)
    (stray / "notes.txt").write_text("mine")
    try:
        with pytest.raises(EnvironmentProblem, match="is not empty"):
            EmbeddedCluster(stray).ensure_running()
        assert (stray / "notes.txt").read_text() == "mine"
    finally:
        (stray / "notes.txt").unlink()
        stray.rmdir()


def test_missing_server_binaries_name_the_debian_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(embedded.shutil, "which", lambda name: None)
    monkeypatch.setattr(embedded.glob, "glob", lambda pattern: [])
    with pytest.raises(EnvironmentProblem, match="apt-get install postgresql postgresql-contrib"):
        embedded.find_bindir(tmp_path)


def test_as_root_the_default_data_dir_is_reachable_by_the_postgres_user() -> None:
    path = default_data_dir({"XDG_DATA_HOME": "/root/.local/share"})
    if embedded.running_as_root():
        assert str(path).startswith("/var/lib/")
    else:
        assert str(path).startswith("/root/.local/share")


def test_the_suites_cluster_is_stopped_afterwards_only_if_the_suite_started_it(
    throwaway_cluster: EmbeddedCluster,
) -> None:
    assert not throwaway_cluster.is_running()
    with running(throwaway_cluster):
        assert throwaway_cluster.is_running()
    assert not throwaway_cluster.is_running()  # we started it: we stop it
    throwaway_cluster.ensure_running()  # someone else's, running before the suite
    with running(throwaway_cluster):
        pass
    assert throwaway_cluster.is_running()


def test_the_suites_cluster_is_left_running_while_someone_else_is_connected(
    throwaway_cluster: EmbeddedCluster,
) -> None:
    with running(throwaway_cluster) as url:
        other = create_engine(url, poolclass=pool.NullPool)
        kept_open = other.connect()
    try:
        assert throwaway_cluster.is_running()
    finally:
        kept_open.close()
        other.dispose()
