"""Patroni failover under steady API writes: a kill loses no acknowledged listen.

The cluster (etcd and three Patroni members, synchronous mode) is started and stopped
with the `ha` commands in a temporary directory. One kill runs here; the five-kill soak
is `bench/failover_soak.py`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool
from typer.testing import CliRunner

from searxng_cool.admin import migrations
from searxng_cool.admin.ha import HaCluster
from searxng_cool.admin.ha_drill import SteadyWriter, run_drill
from searxng_cool.cli.main import app as cli
from tests.api.server import Caller, RunningServer
from tests.scale.api_server import serve_with
from tests.scale.conftest import DATABASE, scratch_dir

pytestmark = pytest.mark.skipif(
    shutil.which("patroni") is None or shutil.which("etcd") is None,
    reason="Debian's patroni and etcd-server are not installed",
)
runner = CliRunner()


@dataclass
class HaSetup:
    ha: HaCluster
    env: dict[str, str]
    up_output: str


@pytest.fixture(scope="module")
def ha_setup() -> Iterator[HaSetup]:
    base = scratch_dir("sxc-ha-")
    env = {"SEARXNG_COOL_PGDATA": str(base / "pgdata"), "DATABASE_URL": ""}
    ha = HaCluster(base / "pgdata-ha")
    try:
        started = runner.invoke(cli, ["ha", "up", "--nodes", "3"], env=env)
        assert started.exit_code == 0, started.output
        admin = create_engine(ha.url(), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {DATABASE}")
        admin.dispose()
        migrate = create_engine(ha.url(database=DATABASE), poolclass=pool.NullPool)
        with migrate.begin() as connection:
            migrations.upgrade(connection, revision="head")
        migrate.dispose()
        yield HaSetup(ha, env, started.output)
    finally:
        stopped = runner.invoke(cli, ["ha", "down"], env=env)
        assert "HA cluster stopped" in stopped.output, stopped.output
        shutil.rmtree(base, ignore_errors=True)


def test_ha_status_shows_a_leader_and_a_synchronous_standby(ha_setup: HaSetup) -> None:
    result = runner.invoke(cli, ["ha", "status", "--json"], env=ha_setup.env)
    members = json.loads(result.output)["members"]
    assert sorted(m["role"] for m in members) == ["leader", "replica", "sync_standby"]
    assert "target_session_attrs=read-write" in ha_setup.up_output


def test_killing_the_leader_loses_no_acknowledged_write_and_a_new_leader_serves_in_30s(
    ha_setup: HaSetup, tmp_path: Path
) -> None:
    url = ha_setup.ha.url(database=DATABASE)
    engine = create_engine(url, pool_size=4, pool_pre_ping=True)
    check = create_engine(url, poolclass=pool.NullPool)
    try:
        with serve_with(engine) as server:
            caller: Caller = server.make_user("drill_writer")
            report = run_drill(
                check,
                ha=ha_setup.ha,
                writer=SteadyWriter(server.base_url, caller.token, interval=0.05),
                user_id=caller.account.id,
                kills=1,
            )
            assert isinstance(server, RunningServer)
    finally:
        engine.dispose()
        check.dispose()
    kill = report.kills[0]
    assert kill.new_leader != kill.killed
    assert kill.seconds_to_write < 30
    assert kill.acknowledged_before >= 3
    assert report.acknowledged > kill.acknowledged_before
    assert report.lost == []
    assert report.non_retriable == []
