"""The API routes its reads: a writer reads its own listens even while the replica is paused."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine

from searxng_cool.db.replicas import kill_replica
from searxng_cool.db.routing import ReadRouter, Replica
from tests.api.server import RunningServer
from tests.scale.api_server import serve_with
from tests.scale.conftest import Replicated
from tests.scale.test_replicas import replay, wait_for_replay


@pytest.fixture(scope="module")
def served(replicated: Replicated) -> Iterator[tuple[RunningServer, ReadRouter]]:
    primary = create_engine(replicated.primary_url, pool_size=4)
    replica = create_engine(replicated.replica_url, pool_size=4)
    router = ReadRouter(primary, [Replica("r1", replica)], max_lag_seconds=30, probe_interval=0)
    with serve_with(primary, router) as server:
        yield server, router
    replica.dispose()
    primary.dispose()


def listen(at: int, title: str) -> dict[str, object]:
    return {
        "listened_at": at,
        "track_metadata": {"artist_name": "Routing Band", "track_name": title},
    }


def submit(server: RunningServer, headers: dict[str, str], title: str) -> None:
    body = {"listen_type": "single", "payload": [listen(int(time.time()) - 60, title)]}
    answer = httpx.post(f"{server.base_url}/1/submit-listens", json=body, headers=headers)
    assert answer.status_code == 200, answer.text


def titles(answer: httpx.Response) -> list[str]:
    return [x["track_metadata"]["track_name"] for x in answer.json()["payload"]["listens"]]


def test_the_writer_reads_its_listen_from_the_primary_while_others_read_the_paused_replica(
    replicated: Replicated, served: tuple[RunningServer, ReadRouter]
) -> None:
    server, _ = served
    alice = server.make_user("alice_routing")
    bob = server.make_user("bob_routing")
    wait_for_replay(replicated)
    replay(replicated, "pause")
    try:
        submit(server, alice.headers, "Written Just Now")
        url = f"{server.base_url}/1/user/alice_routing/listens"
        mine = httpx.get(url, headers=alice.headers)
        theirs = httpx.get(url, headers=bob.headers)
    finally:
        replay(replicated, "resume")
    assert titles(mine) == ["Written Just Now"]
    assert mine.headers["X-Read-Target"] == "fallback"
    assert "X-Read-Consistency" not in mine.headers
    assert titles(theirs) == []
    assert (theirs.headers["X-Read-Target"], theirs.headers["X-Read-Consistency"]) == (
        "replica",
        "stale-tolerant",
    )


def test_a_get_whose_replica_was_killed_is_answered_from_the_primary(
    replicated: Replicated, served: tuple[RunningServer, ReadRouter]
) -> None:
    server, _ = served
    carol = server.make_user("carol_routing")
    submit(server, carol.headers, "Before The Kill")
    wait_for_replay(replicated)
    url = f"{server.base_url}/1/user/carol_routing/listens"
    warm = httpx.get(url, headers=carol.headers)
    kill_replica(replicated.replica)
    try:
        after = httpx.get(url, headers=carol.headers)
    finally:
        replicated.replica.cluster.ensure_running()
    assert warm.headers["X-Read-Target"] == "replica"
    assert after.status_code == 200
    assert titles(after) == ["Before The Kill"]
    assert after.headers["X-Read-Target"] == "fallback"
