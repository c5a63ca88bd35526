"""The failover drill: steady writes through the API while the leader's postmaster is killed.

A writer submits one listen (ListenBrainz `single`) at a steady rate and remembers every
listen the API acknowledged (HTTP 200). Each kill SIGKILLs the leader's postmaster and
measures the time until a write is acknowledged again; after the last kill every
acknowledged listen must be on the (new) leader, and every failed request must have
been retriable (HTTP 503, or the connection refused/reset).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from searxng_cool.admin.ha import HaCluster

RETRIABLE_STATUSES = frozenset({503})


@dataclass
class WriterLog:
    acknowledged: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # status codes or error kinds
    last_ack: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class KillResult:
    killed: str
    new_leader: str
    acknowledged_before: int
    seconds_to_write: float
    failed_requests: int


@dataclass(frozen=True)
class DrillReport:
    kills: list[KillResult]
    acknowledged: int
    lost: list[int]
    non_retriable: list[str]


class SteadyWriter:
    def __init__(self, base_url: str, token: str, *, interval: float = 0.05) -> None:
        self.base_url = base_url
        self.token = token
        self.interval = interval
        self.log = WriterLog()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="steady-writer", daemon=True)
        self._next = 0
        self.base = int(time.time()) - 86_400  # a day ago: a partition that exists

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self._next += 1
            listened_at = self.base + self._next
            outcome = self._submit(listened_at)
            with self.log.lock:
                if outcome == "ok":
                    self.log.acknowledged.append(listened_at)
                    self.log.last_ack = time.monotonic()
                else:
                    self.log.failures.append(outcome)
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def _submit(self, listened_at: int) -> str:
        body = {
            "listen_type": "single",
            "payload": [
                {
                    "listened_at": listened_at,
                    "track_metadata": {"artist_name": "Drill Band", "track_name": "Steady"},
                }
            ],
        }
        request = urllib.request.Request(
            f"{self.base_url}/1/submit-listens",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return "ok" if answer.status == 200 else str(answer.status)
        except urllib.error.HTTPError as exc:
            return str(exc.code)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            return f"connection:{type(exc).__name__}"


def is_retriable(failure: str) -> bool:
    return failure.startswith("connection:") or (
        failure.isdigit() and int(failure) in RETRIABLE_STATUSES
    )


def run_drill(
    engine: Engine,
    *,
    ha: HaCluster,
    writer: SteadyWriter,
    user_id: int,
    kills: int = 1,
    settle_seconds: float = 3.0,
    deadline_seconds: float = 30.0,
) -> DrillReport:
    """Kill the leader `kills` times under steady writes; then compare, through `engine`
    (a connection per check, hence the engine), against the leader."""
    results: list[KillResult] = []
    writer.start()
    try:
        time.sleep(settle_seconds)
        for _ in range(kills):
            ha.wait_for_leader(timeout=deadline_seconds)
            _wait_all_running(ha, timeout=60)
            with writer.log.lock:
                failures_before = len(writer.log.failures)
                acked_before = len(writer.log.acknowledged)
            killed = ha.kill_leader_postmaster()
            at = time.monotonic()
            while True:
                with writer.log.lock:
                    acked_after = writer.log.last_ack > at
                if acked_after:
                    break
                if time.monotonic() - at > deadline_seconds:
                    break
                time.sleep(0.02)
            seconds = time.monotonic() - at
            leader = ha.wait_for_leader(timeout=deadline_seconds)
            with writer.log.lock:
                failed = len(writer.log.failures) - failures_before
            results.append(KillResult(killed.name, leader.name, acked_before, seconds, failed))
            time.sleep(settle_seconds)
    finally:
        writer.stop()
    with engine.connect() as connection:
        present = set(
            connection.execute(
                text(
                    "SELECT extract(epoch FROM created_at)::bigint FROM user_interactions"
                    " WHERE user_id = :u"
                ),
                {"u": user_id},
            ).scalars()
        )
    lost = sorted(set(writer.log.acknowledged) - present)
    non_retriable = [f for f in writer.log.failures if not is_retriable(f)]
    return DrillReport(results, len(writer.log.acknowledged), lost, non_retriable)


def _wait_all_running(ha: HaCluster, *, timeout: float) -> None:
    """Before a kill: the old leader has rejoined and a synchronous standby is in place."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        members = ha.members()
        if (
            members
            and all(m.state in ("running", "streaming") for m in members)
            and any(m.role == "sync_standby" for m in members)
        ):
            return
        time.sleep(0.3)
