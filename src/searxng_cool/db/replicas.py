"""Streaming read replicas of the embedded cluster, made with PostgreSQL's own tools.

`pg_basebackup` copies the primary through a physical replication slot (created by the
same call) and writes `standby.signal` with the primary's conninfo; the copy gets its own
data directory and Unix socket, and runs like the primary (as the `postgres` OS user when
we are root). Replicas live in `<pgdata>-replicas/<name>/`, so finding them needs no
registry: every initialised directory there is one. Removing one stops it, drops its
slot on the primary and deletes the directory.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from searxng_cool.db.embedded import (
    SERVER_OS_USER,
    SOCKET_PORT,
    SUPERUSER,
    EmbeddedCluster,
    running_as_root,
)
from searxng_cool.errors import Conflict, InvalidInput, NotFound

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
SLOT_PREFIX = "searxng_replica_"

# A replica answers reads (hot standby), tells the primary what it still reads so VACUUM
# does not cancel its queries, and may be paused by `pg_wal_replay_pause()`.
REPLICA_SETTINGS = {
    "hot_standby": "on",
    "hot_standby_feedback": "on",
    "max_standby_streaming_delay": "30s",
}


def replicas_dir(primary: EmbeddedCluster) -> Path:
    return primary.data_dir.parent / f"{primary.data_dir.name}-replicas"


def slot_name(name: str) -> str:
    return f"{SLOT_PREFIX}{name}"


@dataclass(frozen=True)
class EmbeddedReplica:
    name: str
    cluster: EmbeddedCluster

    @property
    def slot(self) -> str:
        return slot_name(self.name)


def _replica_cluster(primary: EmbeddedCluster, data_dir: Path) -> EmbeddedCluster:
    settings = {
        **dict(primary.settings),
        **REPLICA_SETTINGS,
        "unix_socket_directories": str(data_dir),
    }
    return EmbeddedCluster(data_dir, primary.bindir_hint, settings)


def embedded_replicas(primary: EmbeddedCluster) -> list[EmbeddedReplica]:
    """Every replica made by `add_replica` beside this primary, by name."""
    base = replicas_dir(primary)
    if not base.is_dir():
        return []
    found = []
    for child in sorted(base.iterdir()):
        if child.is_dir() and (child / "PG_VERSION").is_file():
            found.append(EmbeddedReplica(child.name, _replica_cluster(primary, child)))
    return found


def find_replica(primary: EmbeddedCluster, name: str) -> EmbeddedReplica:
    for replica in embedded_replicas(primary):
        if replica.name == name:
            return replica
    known = ", ".join(r.name for r in embedded_replicas(primary)) or "none"
    raise NotFound(f"no replica named {name!r} (replicas: {known}); see `replicas list`")


def next_name(primary: EmbeddedCluster) -> str:
    taken = {r.name for r in embedded_replicas(primary)}
    number = 1
    while f"replica{number}" in taken:
        number += 1
    return f"replica{number}"


def add_replica(primary: EmbeddedCluster, *, name: str | None = None) -> EmbeddedReplica:
    """Copy the running primary into a new streaming replica and start it.

    The slot makes the primary keep the WAL the replica has not received yet, so a
    replica that was down catches up instead of needing a new copy.
    """
    chosen = name or next_name(primary)
    if not _NAME.match(chosen):
        raise InvalidInput(
            f"replica name {chosen!r} is not valid; use lowercase letters, digits and _"
            " (starting with a letter, at most 31 characters)"
        )
    data_dir = replicas_dir(primary) / chosen
    if data_dir.exists():
        raise Conflict(f"replica {chosen!r} already exists; remove it first or choose --name")
    primary.ensure_running()
    replica = _replica_cluster(primary, data_dir)
    with replica._locked():
        data_dir.mkdir(parents=True)
        _own(primary, data_dir)
        try:
            primary._run(
                [
                    "pg_basebackup",
                    "--pgdata",
                    str(data_dir),
                    "--host",
                    str(primary.socket_dir),
                    "--port",
                    str(SOCKET_PORT),
                    "--username",
                    SUPERUSER,
                    "--wal-method=stream",
                    "--write-recovery-conf",
                    "--create-slot",
                    "--slot",
                    slot_name(chosen),
                    "--checkpoint=fast",
                    "--no-password",
                ]
            )
        except Exception:
            shutil.rmtree(data_dir, ignore_errors=True)
            _drop_slot(primary, slot_name(chosen))
            raise
        # The copy carries the primary's server log and the lock file of its socket (the
        # socket lives in the data directory); the replica has its own of both.
        (data_dir / "server.log").unlink(missing_ok=True)
        for lock in data_dir.glob(".s.PGSQL.*.lock"):
            lock.unlink()
    replica.ensure_running()
    return EmbeddedReplica(chosen, replica)


def remove_replica(primary: EmbeddedCluster, *, name: str) -> None:
    """Stop the replica, drop its slot on the primary, delete its directory."""
    replica = find_replica(primary, name)
    replica.cluster.destroy()
    if primary.is_running():
        _drop_slot(primary, replica.slot)


def kill_replica(replica: EmbeddedReplica) -> None:
    """Stop a replica at once, as a crash would (tests and drills)."""
    replica.cluster._run(
        ["pg_ctl", "stop", "-D", str(replica.cluster.data_dir), "-m", "immediate", "-w", "-s"],
        check=False,
    )


def _drop_slot(primary: EmbeddedCluster, slot: str) -> None:
    sql = (
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
        f"WHERE slot_name = '{slot}'"
    )
    primary._run(
        [
            "psql",
            "--host",
            str(primary.socket_dir),
            "--port",
            str(SOCKET_PORT),
            "--username",
            SUPERUSER,
            "--dbname",
            "postgres",
            "--no-psqlrc",
            "--quiet",
            "--command",
            sql,
        ],
        check=False,
    )


def _own(primary: EmbeddedCluster, directory: Path) -> None:
    if running_as_root():
        account = pwd.getpwnam(SERVER_OS_USER)
        os.chown(directory.parent, account.pw_uid, account.pw_gid)
        os.chown(directory, account.pw_uid, account.pw_gid)
    os.chmod(directory, 0o700)
