"""Read routing: writes to the primary, reads to a healthy replica, read-your-writes kept.

A writer's transaction runs on the primary; when it commits, the WAL position that
includes its commit (`pg_current_wal_insert_lsn()` read right after COMMIT) is recorded
for its session (an API token, or a client address). A read of that session uses a
replica only when the replica's replay position has reached that LSN; otherwise it is
served by the primary. Reads of sessions that have written nothing recently are
stale-tolerant: any replica whose lag is within `max_lag_seconds` serves them.

A replica's lag and replay position are probed inside the read transaction itself, at
most every `probe_interval` seconds per replica (the replay position only grows, so a
cached one is a safe lower bound). A replica that fails to connect or answer is skipped
for `retry_after` seconds and the read is served by the primary ("fallback"); nothing
fails because a replica is down, lagging or paused.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")
Target = Literal["primary", "replica", "fallback"]

_PROBE = (
    "SELECT pg_last_wal_replay_lsn()::text, "
    "CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END"
)


def parse_lsn(text: str | None) -> int:
    """'16/B374D848' → an integer that orders like the WAL position; None → 0."""
    if not text:
        return 0
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


class LsnTracker:
    """The commit LSN of each session's last write, in this process (bounded, LRU)."""

    def __init__(self, *, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._lsns: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def record(self, session: str, lsn: int) -> None:
        with self._lock:
            previous = self._lsns.pop(session, 0)
            self._lsns[session] = max(previous, lsn)
            while len(self._lsns) > self.capacity:
                self._lsns.popitem(last=False)

    def required(self, session: str | None) -> int:
        if session is None:
            return 0
        with self._lock:
            return self._lsns.get(session, 0)


@dataclass
class Replica:
    """One read replica and what the router last learned about it."""

    name: str
    engine: Engine
    replay_lsn: int = 0
    lag_seconds: float = 0.0
    probed_at: float = float("-inf")
    down_until: float = float("-inf")


@dataclass
class ReadRoute:
    """Where a read went: for response headers, metrics and tests."""

    target: Target
    replica: str | None = None
    stale_tolerant: bool = False
    reason: str = ""


@dataclass
class ReadResult:
    connection: Connection
    route: ReadRoute


Observer = Callable[[ReadRoute], None]


@dataclass
class ReadRouter:
    primary: Engine
    replicas: Sequence[Replica] = ()
    max_lag_seconds: float = 5.0
    probe_interval: float = 0.5
    retry_after: float = 5.0
    tracker: LsnTracker = field(default_factory=LsnTracker)
    clock: Callable[[], float] = time.monotonic
    observers: list[Observer] = field(default_factory=list)
    _next: int = 0

    # -- writes --------------------------------------------------------------------------

    @contextmanager
    def write(self, *, session: str | None = None) -> Iterator[Connection]:
        """A transaction on the primary; on commit, the session's read-your-writes LSN."""
        with self.primary.connect() as connection:
            with connection.begin():
                yield connection
            if session is not None and self.replicas:
                lsn = connection.exec_driver_sql("SELECT pg_current_wal_insert_lsn()::text")
                self.tracker.record(session, parse_lsn(lsn.scalar()))
                connection.rollback()

    def note_write(self, session: str, connection: Connection) -> None:
        """Record a commit made on `connection` (already committed) for `session`."""
        if self.replicas:
            lsn = connection.exec_driver_sql("SELECT pg_current_wal_insert_lsn()::text").scalar()
            self.tracker.record(session, parse_lsn(lsn))

    # -- reads ---------------------------------------------------------------------------

    @contextmanager
    def read(self, *, session: str | None = None) -> Iterator[ReadResult]:
        """A read-only transaction on a replica that may serve this session, else the primary.

        An error raised by the body on a replica's connection marks the replica down; the
        caller may retry (`run_read` does, on the primary).
        """
        required = self.tracker.required(session) if self.replicas else 0
        now = self.clock()
        reasons = [f"{r.name} marked down" for r in self.replicas if r.down_until > now]
        for replica in self._candidates():
            opened = self._open_on(replica, required, reasons)
            if opened is None:
                continue
            connection, transaction = opened
            route = ReadRoute(
                "replica", replica.name, stale_tolerant=required == 0, reason="lag within limit"
            )
            self._observe(route)
            try:
                yield ReadResult(connection, route)
            except DBAPIError as exc:
                if exc.connection_invalidated or _is_disconnect(exc):
                    self._mark_down(replica)
                raise
            finally:
                try:
                    if transaction.is_active:
                        transaction.rollback()
                finally:
                    connection.close()
            return
        target: Target = "fallback" if reasons else "primary"
        route = ReadRoute(target, reason="; ".join(reasons) or "no replica configured")
        self._observe(route)
        with self.primary.connect() as connection, connection.begin():
            yield ReadResult(connection, route)

    def run_read(self, work: Callable[[Connection], T], *, session: str | None = None) -> T:
        """Run `work` as a read; if its replica dies midway, run it again on the primary."""
        try:
            with self.read(session=session) as result:
                return work(result.connection)
        except DBAPIError as exc:
            if not (exc.connection_invalidated or _is_disconnect(exc)):
                raise
        route = ReadRoute("fallback", reason="replica failed during the read")
        self._observe(route)
        with self.primary.connect() as connection, connection.begin():
            return work(connection)

    def status(self) -> list[Replica]:
        return list(self.replicas)

    # -- internals -----------------------------------------------------------------------

    def _candidates(self) -> list[Replica]:
        """Replicas not known to be down, starting with the next in turn (round robin)."""
        if not self.replicas:
            return []
        now = self.clock()
        start = self._next % len(self.replicas)
        self._next += 1
        ordered = [*self.replicas[start:], *self.replicas[:start]]
        return [r for r in ordered if r.down_until <= now]

    def _open_on(
        self, replica: Replica, required: int, reasons: list[str]
    ) -> tuple[Connection, RootTransaction] | None:
        now = self.clock()
        fresh = now - replica.probed_at < self.probe_interval
        if fresh and replica.lag_seconds <= self.max_lag_seconds and replica.replay_lsn >= required:
            try:
                connection = replica.engine.connect()
            except DBAPIError:
                self._mark_down(replica)
                reasons.append(f"{replica.name} unreachable")
                return None
            return connection, connection.begin()
        try:
            connection = replica.engine.connect()
        except DBAPIError:
            self._mark_down(replica)
            reasons.append(f"{replica.name} unreachable")
            return None
        transaction = connection.begin()
        try:
            lsn_text, lag = connection.exec_driver_sql(_PROBE).one()
        except DBAPIError:
            connection.close()
            self._mark_down(replica)
            reasons.append(f"{replica.name} unreachable")
            return None
        replica.replay_lsn = max(replica.replay_lsn, parse_lsn(lsn_text))
        replica.lag_seconds = float("inf") if lag is None else float(lag)
        replica.probed_at = now
        if replica.lag_seconds > self.max_lag_seconds:
            reasons.append(f"{replica.name} lags {replica.lag_seconds:.1f} s")
        elif replica.replay_lsn < required:
            reasons.append(f"{replica.name} has not replayed this session's last write")
        else:
            return connection, transaction
        transaction.rollback()
        connection.close()
        return None

    def _mark_down(self, replica: Replica) -> None:
        replica.down_until = self.clock() + self.retry_after
        replica.probed_at = float("-inf")

    def _observe(self, route: ReadRoute) -> None:
        for observer in self.observers:
            observer(route)


def _is_disconnect(exc: DBAPIError) -> bool:
    from sqlalchemy.exc import OperationalError

    return isinstance(exc, OperationalError)
