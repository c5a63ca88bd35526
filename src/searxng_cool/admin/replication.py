"""Replication as the primary sees it: each standby's lag, each slot's health.

`replication_status` lists the physical replication slots and the standbys streaming from
this server (joined on the slot's active process); `lag_check` and `slots_check` turn them
into `status` checks: lag over the configured seconds is a warning/critical, and a slot no
standby uses while it retains WAL is a warning (it fills the primary's disk).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from searxng_cool.admin.health_checks import Check, Level
from searxng_cool.config import OperationsConfig


@dataclass(frozen=True)
class Standby:
    slot: str | None
    active: bool
    state: str | None  # streaming, catchup, ... (None: no standby connected)
    lag_bytes: int | None
    lag_seconds: float | None
    retained_bytes: int | None
    address: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "slot": self.slot,
            "active": self.active,
            "state": self.state,
            "lag_bytes": self.lag_bytes,
            "lag_seconds": self.lag_seconds,
            "retained_bytes": self.retained_bytes,
            "address": self.address,
        }


_STATUS = """
SELECT s.slot_name, coalesce(s.active, false), r.state,
       CASE WHEN r.pid IS NULL THEN NULL
            ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint END,
       CASE WHEN r.pid IS NULL THEN NULL
            WHEN r.replay_lsn >= pg_current_wal_lsn() THEN 0
            ELSE coalesce(extract(epoch FROM r.replay_lag), 0) END,
       CASE WHEN s.restart_lsn IS NULL THEN NULL
            ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint END,
       coalesce(r.client_addr::text, CASE WHEN r.pid IS NOT NULL THEN 'local socket' END)
FROM (SELECT * FROM pg_replication_slots WHERE slot_type = 'physical') s
FULL JOIN pg_stat_replication r ON r.pid = s.active_pid
ORDER BY s.slot_name NULLS LAST
"""


def replication_status(connection: Connection) -> list[Standby]:
    """Slots and standbys of this server (empty on a standby itself)."""
    in_recovery = connection.execute(text("SELECT pg_is_in_recovery()")).scalar()
    if in_recovery:
        return []
    return [
        Standby(
            slot=row[0],
            active=bool(row[1]),
            state=row[2],
            lag_bytes=None if row[3] is None else int(row[3]),
            lag_seconds=None if row[4] is None else float(row[4]),
            retained_bytes=None if row[5] is None else int(row[5]),
            address=row[6],
        )
        for row in connection.execute(text(_STATUS)).all()
    ]


def lag_check(connection: Connection, *, ops: OperationsConfig) -> Check:
    standbys = [s for s in replication_status(connection) if s.state is not None]
    threshold = (
        f"warn > {ops['REPLICATION_LAG_WARN_SECONDS']:g} s,"
        f" critical > {ops['REPLICATION_LAG_CRITICAL_SECONDS']:g} s"
    )
    if not standbys:
        return Check("replication lag", Level.OK, "no standby connected", threshold)
    level = Level.OK
    details = []
    worst = 0.0
    for standby in standbys:
        seconds = standby.lag_seconds or 0.0
        worst = max(worst, seconds)
        if seconds > ops["REPLICATION_LAG_CRITICAL_SECONDS"]:
            level = max(level, Level.CRITICAL)
        elif seconds > ops["REPLICATION_LAG_WARN_SECONDS"]:
            level = max(level, Level.WARNING)
        details.append(
            f"{standby.slot or standby.address}: {seconds:.1f} s, {standby.lag_bytes or 0} bytes"
        )
    return Check(
        "replication lag",
        level,
        f"{len(standbys)} standby(s), worst {worst:.1f} s",
        threshold,
        details,
    )


def slots_check(connection: Connection, *, ops: OperationsConfig) -> Check:
    slots = [s for s in replication_status(connection) if s.slot is not None]
    threshold = (
        "an inactive slot retaining WAL is a warning"
        f" (critical > {ops['SLOT_RETAINED_CRITICAL_BYTES'] / (1 << 30):g} GB retained)"
    )
    if not slots:
        return Check("replication slots", Level.OK, "no slot", threshold)
    level = Level.OK
    details = []
    for slot in slots:
        retained = slot.retained_bytes or 0
        if not slot.active and retained > 0:
            found = (
                Level.CRITICAL if retained > ops["SLOT_RETAINED_CRITICAL_BYTES"] else Level.WARNING
            )
            level = max(level, found)
            details.append(
                f"{slot.slot}: inactive, retains {retained} bytes of WAL; start its standby"
                " or drop the slot (`replicas remove`)"
            )
        elif retained > ops["SLOT_RETAINED_WARN_BYTES"]:
            level = max(level, Level.WARNING)
            details.append(f"{slot.slot}: active, retains {retained} bytes of WAL")
    active = sum(1 for s in slots if s.active)
    return Check("replication slots", level, f"{active} of {len(slots)} active", threshold, details)
