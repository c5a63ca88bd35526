"""Streaming replicas of the embedded cluster, and reads routed to them with read-your-writes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, create_engine, text
from typer.testing import CliRunner

from searxng_cool.admin.health_checks import Level
from searxng_cool.admin.replication import lag_check, replication_status, slots_check
from searxng_cool.cli.main import app as cli
from searxng_cool.config import OperationsConfig
from searxng_cool.db.replicas import (
    add_replica,
    embedded_replicas,
    kill_replica,
    remove_replica,
)
from searxng_cool.db.routing import ReadRouter, Replica, parse_lsn
from tests.scale.conftest import Replicated


@pytest.fixture(scope="module")
def probe_table(replicated: Replicated) -> None:
    engine = replicated.engine(replicated.primary_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE scale_probe (id serial PRIMARY KEY, note text)")
    engine.dispose()
    wait_for_replay(replicated)


def wait_for_replay(replicated: Replicated, timeout: float = 20) -> None:
    primary = replicated.engine(replicated.primary_url)
    replica = replicated.engine(replicated.replica_url)
    with primary.connect() as connection:
        target = parse_lsn(
            connection.exec_driver_sql("SELECT pg_current_wal_insert_lsn()::text").scalar()
        )
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with replica.connect() as connection:
                replayed = connection.exec_driver_sql(
                    "SELECT pg_last_wal_replay_lsn()::text"
                ).scalar()
            if parse_lsn(replayed) >= target:
                return
            time.sleep(0.05)
        raise AssertionError("the replica did not catch up")
    finally:
        primary.dispose()
        replica.dispose()


@pytest.fixture
def router(replicated: Replicated, probe_table: None) -> Iterator[ReadRouter]:
    primary = create_engine(replicated.primary_url, pool_size=2)
    replica = create_engine(replicated.replica_url, pool_size=2)
    made = ReadRouter(primary, [Replica("r1", replica)], max_lag_seconds=5.0, probe_interval=0)
    yield made
    primary.dispose()
    replica.dispose()


def replay(replicated: Replicated, action: str) -> None:
    engine = replicated.engine(replicated.replica_url)
    with engine.connect() as connection:
        connection.exec_driver_sql(f"SELECT pg_wal_replay_{action}()")
    engine.dispose()


def notes(connection: Connection) -> list[str]:
    return list(connection.execute(text("SELECT note FROM scale_probe ORDER BY id")).scalars())


def test_an_added_replica_streams_through_its_slot_and_is_listed_with_its_lag(
    replicated: Replicated,
) -> None:
    engine = replicated.engine(replicated.primary_url)
    with engine.connect() as connection:
        standbys = replication_status(connection)
    engine.dispose()
    assert [(s.slot, s.active, s.state) for s in standbys] == [
        ("searxng_replica_r1", True, "streaming")
    ]
    result = CliRunner().invoke(
        cli,
        ["replicas", "list", "--json"],
        env={"SEARXNG_COOL_PGDATA": str(replicated.primary.data_dir), "DATABASE_URL": ""},
    )
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [(r["name"], r["state"], r["slot_active"]) for r in listed] == [
        ("r1", "streaming", True)
    ]
    assert isinstance(listed[0]["lag_bytes"], int)
    assert isinstance(listed[0]["lag_seconds"], float)


def test_reads_go_to_the_replica_and_writes_to_the_primary(router: ReadRouter) -> None:
    with router.write(session="alice") as connection:
        in_recovery = connection.exec_driver_sql("SELECT pg_is_in_recovery()").scalar()
    with router.read(session="bob") as result:
        replica_in_recovery = result.connection.exec_driver_sql(
            "SELECT pg_is_in_recovery()"
        ).scalar()
    assert (in_recovery, replica_in_recovery, result.route.target) == (False, True, "replica")


def test_the_writer_reads_its_write_while_replay_is_paused_and_others_read_stale_tolerant(
    replicated: Replicated, router: ReadRouter
) -> None:
    # A fresh replayed commit: the paused replica's lag is counted from it.
    with router.write(session="setup") as connection:
        connection.execute(text("INSERT INTO scale_probe (note) VALUES ('warm')"))
    wait_for_replay(replicated)
    replay(replicated, "pause")
    try:
        with router.write(session="alice") as connection:
            connection.execute(text("INSERT INTO scale_probe (note) VALUES ('alice wrote')"))
        with router.read(session="alice") as mine:
            seen_by_alice = notes(mine.connection)
        with router.read(session="bob") as theirs:
            seen_by_bob = notes(theirs.connection)
    finally:
        replay(replicated, "resume")
    assert "alice wrote" in seen_by_alice
    assert (mine.route.target, mine.route.stale_tolerant) == ("fallback", False)
    assert "alice wrote" not in seen_by_bob
    assert (theirs.route.target, theirs.route.replica, theirs.route.stale_tolerant) == (
        "replica",
        "r1",
        True,
    )


def test_a_replica_over_the_lag_limit_is_skipped_without_an_error(
    replicated: Replicated, router: ReadRouter
) -> None:
    router.max_lag_seconds = 0.3
    replay(replicated, "pause")
    try:
        with router.write(session="alice") as connection:
            connection.execute(text("INSERT INTO scale_probe (note) VALUES ('lagging')"))
        time.sleep(0.6)
        with router.read(session="bob") as result:
            seen = notes(result.connection)
    finally:
        replay(replicated, "resume")
    assert "lagging" in seen
    assert result.route.target == "fallback"
    assert "lags" in result.route.reason


def test_once_replayed_the_writer_reads_from_the_replica_again(
    replicated: Replicated, router: ReadRouter
) -> None:
    with router.write(session="carol") as connection:
        connection.execute(text("INSERT INTO scale_probe (note) VALUES ('carol wrote')"))
    wait_for_replay(replicated)
    with router.read(session="carol") as result:
        seen = notes(result.connection)
    assert "carol wrote" in seen
    assert (result.route.target, result.route.stale_tolerant) == ("replica", False)


def test_an_inactive_slot_retaining_wal_is_a_warning_and_lag_is_checked(
    replicated: Replicated,
) -> None:
    ops = OperationsConfig()
    engine = replicated.engine(replicated.primary_url)
    with engine.connect() as connection:
        assert lag_check(connection, ops=ops).level == Level.OK
        assert slots_check(connection, ops=ops).level == Level.OK
    replicated.replica.cluster.stop()
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO scale_probe (note) VALUES ('while down')"))
            connection.exec_driver_sql("SELECT pg_switch_wal()")
        with engine.connect() as connection:
            check = slots_check(connection, ops=ops)
    finally:
        replicated.replica.cluster.ensure_running()
        engine.dispose()
    assert check.level == Level.WARNING
    assert "searxng_replica_r1: inactive, retains" in check.details[0]


def test_a_replica_killed_mid_read_makes_the_read_retry_on_the_primary(
    replicated: Replicated, router: ReadRouter
) -> None:
    calls: list[bool] = []

    def work(connection: Connection) -> list[str]:
        in_recovery = bool(connection.exec_driver_sql("SELECT pg_is_in_recovery()").scalar())
        calls.append(in_recovery)
        if in_recovery:
            kill_replica(replicated.replica)
        return notes(connection)

    try:
        seen = router.run_read(work, session="bob")
        with router.read(session="bob") as after:
            pass
    finally:
        replicated.replica.cluster.ensure_running()
    assert calls == [True, False]
    assert "alice wrote" in seen
    assert after.route.target == "fallback"


def test_removing_a_replica_stops_it_and_drops_its_slot(replicated: Replicated) -> None:
    second = add_replica(replicated.primary, name="r2")
    remove_replica(replicated.primary, name="r2")
    engine = replicated.engine(replicated.primary_url)
    with engine.connect() as connection:
        slots = [s.slot for s in replication_status(connection)]
    engine.dispose()
    assert slots == ["searxng_replica_r1"]
    assert [r.name for r in embedded_replicas(replicated.primary)] == ["r1"]
    assert not second.cluster.data_dir.exists()
