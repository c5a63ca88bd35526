"""Cache-aside in Redis for catalog reads, and a rate-limit store shared by every worker.

Keys carry the catalog version read from the database in the request's own transaction
(`catalog_version`, bumped by every statement that changes the catalog and committed with
it), so an entry computed before an ingest is never found after it; a TTL bounds what is
kept. Redis is optional and never required: when it is down, slow (timeouts in
milliseconds) or unset, the request is computed from the database, the error is counted,
and Redis is left alone for a second before it is tried again.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection

from searxng_cool.config import CacheConfig
from searxng_cool.db.catalog_version import current_version
from searxng_cool.db.routing import LsnTracker

log = logging.getLogger("searxng_cool.cache")
T = TypeVar("T")
PREFIX = "sxc"
BACKOFF_SECONDS = 1.0


@dataclass
class CacheCounters:
    hits: int = 0
    misses: int = 0
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


def redis_client(config: CacheConfig) -> Any:
    """A Redis client with millisecond timeouts (None when no URL is configured)."""
    if not config.enabled:
        return None
    import redis

    seconds = config.timeout_ms / 1000
    return redis.Redis.from_url(
        config.redis_url,
        socket_timeout=seconds,
        socket_connect_timeout=seconds,
        retry_on_timeout=False,
        health_check_interval=0,
    )


class ReadCache:
    """Cache-aside for reads whose result depends only on the request and the catalog."""

    def __init__(self, client: Any, *, ttl_seconds: int = 300) -> None:
        self.client = client
        self.ttl = ttl_seconds
        self.counters = CacheCounters()
        self._skip_until = 0.0
        self.on_event: Callable[[str], None] | None = None

    @classmethod
    def from_config(cls, config: CacheConfig) -> ReadCache:
        return cls(redis_client(config), ttl_seconds=config.ttl_seconds)

    @property
    def enabled(self) -> bool:
        return self.client is not None

    def get_or_compute(
        self,
        connection: Connection,
        *,
        namespace: str,
        request_key: str,
        compute: Callable[[], T],
        encode: Callable[[T], bytes],
        decode: Callable[[bytes], T],
    ) -> T:
        if self.client is None:
            return compute()
        version = current_version(connection)
        digest = hashlib.sha256(request_key.encode()).hexdigest()[:40]
        key = f"{PREFIX}:{namespace}:v{version}:{digest}"
        cached = self._call(lambda: self.client.get(key))
        if cached is not None:
            self._count("hits")
            return decode(cached)
        self._count("misses")
        value = compute()
        self._call(lambda: self.client.set(key, encode(value), ex=self.ttl))
        return value

    def _call(self, action: Callable[[], Any]) -> Any:
        if time.monotonic() < self._skip_until:
            return None
        try:
            return action()
        except Exception as exc:  # redis errors of every kind: serve from the database
            self._skip_until = time.monotonic() + BACKOFF_SECONDS
            self._count("errors")
            log.warning("redis unavailable, serving from the database: %s", type(exc).__name__)
            return None

    def _count(self, name: str) -> None:
        self.counters.add(name)
        if self.on_event is not None:
            self.on_event(name)


# Keep the larger LSN: two workers may record the same session's writes out of order.
_RECORD_MAX = (
    "local v = tonumber(redis.call('GET', KEYS[1]) or '0') "
    "if tonumber(ARGV[1]) > v then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end "
    "return 1"
)
UNKNOWN_LSN = 2**63  # no replica has replayed this far: the read goes to the primary


class SharedLsnTracker(LsnTracker):
    """Read-your-writes across workers and hosts: each session's last commit LSN in Redis.

    If Redis does not answer, a session's reads go to the primary (its last write may have
    been taken by another worker); nothing fails.
    """

    def __init__(self, client: Any, *, ttl_seconds: int = 600) -> None:
        super().__init__()
        self.client = client
        self.ttl = ttl_seconds

    def record(self, session: str, lsn: int) -> None:
        super().record(session, lsn)
        try:
            self.client.eval(_RECORD_MAX, 1, f"{PREFIX}:lsn:{session}", lsn, self.ttl)
        except Exception:
            log.warning("redis unavailable, a write's LSN is known to this worker only")

    def required(self, session: str | None) -> int:
        local = super().required(session)
        if session is None:
            return local
        try:
            shared = self.client.get(f"{PREFIX}:lsn:{session}")
        except Exception:
            return UNKNOWN_LSN
        return max(local, int(shared or 0))
