"""The Redis cache: hits after the first read, never stale after an ingest, optional.

Redis is Debian's redis-server on a Unix socket in a temporary directory, started here.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine

from searxng_cool.admin.redis_server import RedisServer
from searxng_cool.api.shared_limits import RedisRateLimiter
from searxng_cool.cache import UNKNOWN_LSN, SharedLsnTracker, redis_client
from searxng_cool.config import CacheConfig
from tests.api.server import Caller, RunningServer
from tests.catalog.ingest_helpers import ingest_records
from tests.scale.api_server import serve_with
from tests.scale.conftest import scratch_dir

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="Debian's redis-server is not installed"
)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    base = scratch_dir("sxc-redis-")
    server = RedisServer(base)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def served(engine: Engine, redis_server: RedisServer) -> Iterator[tuple[RunningServer, Caller]]:
    pooled = create_engine(engine.url, pool_size=4)
    # A generous timeout: on a busy machine 50 ms is sometimes missed (a counted error).
    cache = CacheConfig(redis_url=redis_server.url, timeout_ms=1000)
    with serve_with(pooled, cache=cache) as server:
        yield server, server.make_user("cache_reader")
    pooled.dispose()


def song(source_id: str, title: str) -> dict[str, object]:
    return {
        "source_type": "spotify",
        "source_id": source_id,
        "title": title,
        "artist": "Cache Band",
        "duration_ms": 200_000,
    }


def search(server: RunningServer, caller: Caller, q: str) -> list[str]:
    answer = httpx.get(f"{server.base_url}/api/v1/search", params={"q": q}, headers=caller.headers)
    assert answer.status_code == 200, answer.text
    return sorted(hit["name"] for hit in answer.json()["items"] if hit["type"] == "track")


def counters(server: RunningServer) -> tuple[int, int, int]:
    from searxng_cool.cache import ReadCache

    cache: ReadCache = server.app_state.cache  # type: ignore[attr-defined]
    return cache.counters.hits, cache.counters.misses, cache.counters.errors


def test_a_repeated_search_is_a_hit_and_an_ingest_is_seen_at_once(
    served: tuple[RunningServer, Caller], engine: Engine, tmp_path: Path
) -> None:
    server, caller = served
    ingest_records(engine, tmp_path, [song("c1", "Lantern Waltz")], name="first.jsonl")
    first = search(server, caller, "lantern")
    again = search(server, caller, "lantern")
    ingest_records(engine, tmp_path, [song("c2", "Lantern Parade")], name="second.jsonl")
    after_ingest = search(server, caller, "lantern")
    assert first == again == ["Lantern Waltz"]
    assert after_ingest == ["Lantern Parade", "Lantern Waltz"]
    assert counters(server) == (1, 2, 0)


def test_with_redis_down_searches_are_served_from_the_database_and_counted(
    served: tuple[RunningServer, Caller], engine: Engine, tmp_path: Path, redis_server: RedisServer
) -> None:
    server, caller = served
    ingest_records(engine, tmp_path, [song("d1", "Harbour Lights")])
    assert search(server, caller, "harbour") == ["Harbour Lights"]
    redis_server.stop()
    assert search(server, caller, "harbour") == ["Harbour Lights"]
    assert counters(server)[2] >= 1


def test_rate_limits_are_shared_by_every_limiter_on_the_same_redis(
    redis_server: RedisServer,
) -> None:
    config = CacheConfig(redis_url=redis_server.url)
    first = RedisRateLimiter(redis_client(config), window_seconds=60)
    second = RedisRateLimiter(redis_client(config), window_seconds=60)
    verdicts = [limiter.hit("token:abc", 3) for limiter in (first, second, first, second)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert [v.remaining for v in verdicts] == [2, 1, 0, 0]


def test_cache_start_status_and_stop_from_the_cli() -> None:
    from typer.testing import CliRunner

    from searxng_cool.cli.main import app

    base = scratch_dir("sxc-cachecli-")
    env = {"SEARXNG_COOL_PGDATA": str(base / "pgdata"), "DATABASE_URL": ""}
    runner = CliRunner()
    try:
        started = runner.invoke(app, ["cache", "start"], env=env)
        status = runner.invoke(app, ["cache", "status", "--json"], env=env)
        stopped = runner.invoke(app, ["cache", "stop"], env=env)
    finally:
        RedisServer(base / "pgdata-redis").stop()
        shutil.rmtree(base, ignore_errors=True)
    assert started.exit_code == 0, started.output
    assert "SEARXNG_COOL_REDIS_URL=unix://" in started.output
    assert json.loads(status.output)["running"] is True
    assert "redis-server stopped" in stopped.output


def test_a_write_recorded_by_one_worker_is_required_by_another_and_unknown_without_redis(
    redis_server: RedisServer,
) -> None:
    config = CacheConfig(redis_url=redis_server.url, timeout_ms=1000)
    writer = SharedLsnTracker(redis_client(config))
    reader = SharedLsnTracker(redis_client(config))
    writer.record("token:abc", 500)
    writer.record("token:abc", 300)  # an older commit recorded late never lowers it
    seen = reader.required("token:abc")
    redis_server.stop()
    assert seen == 500
    assert reader.required("token:abc") == UNKNOWN_LSN
    assert reader.required(None) == 0
