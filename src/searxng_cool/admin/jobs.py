"""Periodic work, with one runner: `searxng-cool-db jobs run [--once]` (cron or systemd).

Each job runs in its own transaction when it is due (its interval since its last run in
this runner); `--once` runs every job once and exits, for a cron line. A failing job is
reported and the others still run. (Where Debian's postgresql-15-cron is installed,
pg_cron can call the same SQL; this runner needs nothing but the database.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from searxng_cool.admin.health_checks import Level
from searxng_cool.admin.replication import slots_check
from searxng_cool.config import OperationsConfig
from searxng_cool.errors import SearxngCoolError
from searxng_cool.listening.partitions import ensure_partitions
from searxng_cool.listening.popularity import refresh_view

EXPIRED_TOKEN_GRACE = timedelta(days=7)


def purge_expired(connection: Connection, *, grace: timedelta = EXPIRED_TOKEN_GRACE) -> int:
    """Delete API tokens expired longer than `grace` ago and playing-now rows past expiry."""
    tokens = connection.execute(
        text("DELETE FROM api_tokens WHERE expires_at < now() - :grace"), {"grace": grace}
    ).rowcount
    playing = connection.execute(text("DELETE FROM playing_now WHERE expires_at < now()")).rowcount
    return int(tokens or 0) + int(playing or 0)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[Connection, OperationsConfig], str]


def _partitions(connection: Connection, ops: OperationsConfig) -> str:
    made = ensure_partitions(connection, months_ahead=3)
    return f"{len(made)} partition(s) created" if made else "partitions present"


def _popularity(connection: Connection, ops: OperationsConfig) -> str:
    report = refresh_view(connection)
    return f"popularity view refreshed ({report.rows} rows)"


def _expiry(connection: Connection, ops: OperationsConfig) -> str:
    return f"{purge_expired(connection)} expired row(s) deleted"


def _slots(connection: Connection, ops: OperationsConfig) -> str:
    check = slots_check(connection, ops=ops)
    detail = "; ".join(check.details)
    return f"replication slots {check.level.label}: {check.value}" + (
        f" ({detail})" if check.level >= Level.WARNING else ""
    )


JOBS: tuple[Job, ...] = (
    Job("partitions ensure", timedelta(hours=6), _partitions),
    Job("popularity refresh", timedelta(hours=1), _popularity),
    Job("token expiry", timedelta(hours=1), _expiry),
    Job("slot check", timedelta(minutes=5), _slots),
)


@dataclass(frozen=True)
class JobOutcome:
    job: str
    ok: bool
    message: str


def run_due(
    engine: Engine,
    *,
    ops: OperationsConfig,
    last_run: dict[str, float],
    now: float | None = None,
    jobs: tuple[Job, ...] = JOBS,
) -> list[JobOutcome]:
    """Run every job that is due, each in its own transaction (hence `engine`)."""
    moment = time.monotonic() if now is None else now
    outcomes = []
    for job in jobs:
        previous = last_run.get(job.name)
        if previous is not None and moment - previous < job.every.total_seconds():
            continue
        last_run[job.name] = moment
        try:
            with engine.begin() as connection:
                message = job.run(connection, ops)
        except (SearxngCoolError, DBAPIError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            outcomes.append(JobOutcome(job.name, False, reason))
        else:
            outcomes.append(JobOutcome(job.name, True, message))
    return outcomes


def seconds_until_due(last_run: dict[str, float], *, jobs: tuple[Job, ...] = JOBS) -> float:
    now = time.monotonic()
    waits = [last_run.get(job.name, now) + job.every.total_seconds() - now for job in jobs]
    return max(1.0, min(waits))
