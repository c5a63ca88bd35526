"""The failed-login limiter: per login name and per client address, with a lockout window.

State lives in `login_failures`, so every process shares it. Each key is the SHA-256 of
what was typed (case-folded) or of the address: an unknown name is counted exactly like a
known one, and the table holds no e-mail addresses.

Failures are written in their OWN transaction, committed at once (this module takes the
Engine for that): the login that failed raises, and its caller's transaction rolls back,
which must not take the count with it. That transaction uses a connection of its own
outside the engine's pool (NullPool): a burst of logins holding every pooled connection
must not wait for one more. Nothing here runs in the caller's transaction except reads,
so the two never wait on each other.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, Engine, create_engine, pool, text
from sqlalchemy.engine import URL

from searxng_cool.errors import RateLimited


@dataclass(frozen=True)
class LoginLimits:
    """After `per_user` (or `per_client`) failures within `window`, refuse for `lockout`."""

    per_user: int = 5
    per_client: int = 20
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


DEFAULT_LIMITS = LoginLimits()


@functools.lru_cache(maxsize=16)
def _own_engine(url: URL) -> Engine:
    return create_engine(url, poolclass=pool.NullPool)


def limiter_key(value: str) -> str:
    return hashlib.sha256(value.casefold().encode("utf-8", "surrogatepass")).hexdigest()


def _keys(*, login: str, client: str) -> dict[str, str]:
    return {"user": limiter_key(login), "client": limiter_key(client)}


def check_not_locked(connection: Connection, *, login: str, client: str) -> None:
    """RateLimited (with the seconds left) when the name or the address is locked out."""
    keys = _keys(login=login, client=client)
    seconds = connection.execute(
        text(
            "SELECT max(extract(epoch FROM locked_until - now())) FROM login_failures"
            " WHERE ((scope = 'user' AND key = :user) OR (scope = 'client' AND key = :client))"
            "   AND locked_until > now()"
        ),
        keys,
    ).scalar_one_or_none()
    if seconds is not None:
        wait = max(1, math.ceil(float(seconds)))
        raise RateLimited(
            f"too many failed logins for this account or address; try again in {wait} seconds",
            retry_after=wait,
        )


# A window is over when it began before `window` ago or when its lockout has ended.
_FRESH = (
    "(login_failures.window_started_at < now() - :window OR login_failures.locked_until <= now())"
)
_COUNT = f"CASE WHEN {_FRESH} THEN 1 ELSE login_failures.failures + 1 END"
_RECORD = text(
    "INSERT INTO login_failures AS login_failures"
    "  (scope, key, failures, window_started_at, locked_until)"
    " VALUES (:scope, :key, 1, now(), CASE WHEN :limit <= 1 THEN now() + :lockout END)"
    " ON CONFLICT (scope, key) DO UPDATE SET"
    f"  failures = {_COUNT},"
    f"  window_started_at = CASE WHEN {_FRESH} THEN now()"
    "    ELSE login_failures.window_started_at END,"
    f"  locked_until = CASE WHEN {_COUNT} >= :limit THEN now() + :lockout"
    f"    WHEN {_FRESH} THEN NULL ELSE login_failures.locked_until END"
)


# Rows whose window and lockout are both long over say nothing any more; each failure
# deletes a bounded batch of them, so names an attacker invents do not pile up.
_FORGET_STALE = text(
    "DELETE FROM login_failures WHERE ctid IN ("
    "  SELECT ctid FROM login_failures"
    "   WHERE window_started_at < now() - :window - :lockout"
    "     AND (locked_until IS NULL OR locked_until < now())"
    "   LIMIT 100)"
)


def record_failure(
    engine: Engine, *, login: str, client: str, limits: LoginLimits = DEFAULT_LIMITS
) -> None:
    """Count one failed login against the name and the address; committed at once."""
    keys = _keys(login=login, client=client)
    limit_of = {"user": limits.per_user, "client": limits.per_client}
    with _own_engine(engine.url).begin() as own:
        for scope in ("user", "client"):  # always this order: two failures never deadlock
            own.execute(
                _RECORD,
                {
                    "scope": scope,
                    "key": keys[scope],
                    "limit": limit_of[scope],
                    "window": limits.window,
                    "lockout": limits.lockout,
                },
            )
        own.execute(_FORGET_STALE, {"window": limits.window, "lockout": limits.lockout})


def forget_failures(engine: Engine, *, login: str) -> None:
    """A successful login clears its name's count (not its address's: an attacker's own
    account must not reset the count of the address guessing other people's passwords)."""
    with _own_engine(engine.url).begin() as own:
        own.execute(
            text("DELETE FROM login_failures WHERE scope = 'user' AND key = :key"),
            {"key": limiter_key(login)},
        )
