"""PgBouncer (Debian's package) in transaction mode in front of the embedded primary.

`start` writes `pgbouncer.ini` and the user list (every role of the cluster that may log
in; authentication is the cluster's own: trust on its Unix socket) into
`<pgdata>-pooler/`, and runs pgbouncer there as the server's OS user, listening on a Unix
socket in that directory only (no TCP). Clients connect with
`?host=<that directory>&port=6432` and DATABASE_POOLED=true, which turns off psycopg's
server-side prepared statements: Debian bookworm's pgbouncer 1.18 does not track them.

In transaction mode a server connection serves another client after each transaction, so
nothing may rely on session state across transactions. The project keeps its session-
scoped work inside one transaction: ingest's staging tables are TEMPORARY ... ON COMMIT
DROP, its lock is `pg_advisory_xact_lock`, and settings are `SET LOCAL`. Schema changes,
backups and `optimize` (VACUUM, session SETs) connect directly to the server.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from searxng_cool.db.embedded import (
    SERVER_OS_USER,
    SOCKET_PORT,
    SUPERUSER,
    EmbeddedCluster,
    running_as_root,
)
from searxng_cool.errors import EnvironmentProblem

POOLER_PORT = 6432  # names the socket file only: the pooler listens on no TCP port
INSTALL_HINT = "install Debian's package: apt-get install pgbouncer"
DEFAULT_POOL_SIZE = 20
DEFAULT_MAX_CLIENTS = 1000


@dataclass(frozen=True)
class PoolStats:
    database: str
    user: str
    clients_active: int
    clients_waiting: int
    servers_active: int
    servers_idle: int

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class Pooler:
    primary: EmbeddedCluster

    @property
    def directory(self) -> Path:
        return self.primary.data_dir.parent / f"{self.primary.data_dir.name}-pooler"

    @property
    def ini_path(self) -> Path:
        return self.directory / "pgbouncer.ini"

    @property
    def pid_path(self) -> Path:
        return self.directory / "pgbouncer.pid"

    @property
    def log_path(self) -> Path:
        return self.directory / "pgbouncer.log"

    def url(self, *, user: str, database: str) -> URL:
        return URL.create(
            "postgresql+psycopg",
            username=user,
            database=database,
            query={"host": str(self.directory), "port": str(POOLER_PORT)},
        )

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        return pid

    def is_running(self) -> bool:
        return self.pid() is not None

    def start(
        self, *, pool_size: int = DEFAULT_POOL_SIZE, max_clients: int = DEFAULT_MAX_CLIENTS
    ) -> bool:
        """Start pgbouncer (the primary too, if needed); False when it was already running."""
        program = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not Path(program).is_file():
            raise EnvironmentProblem(f"pgbouncer is not installed; {INSTALL_HINT}")
        if self.is_running():
            return False
        self.primary.ensure_running()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._own(self.directory)
        self._write(self.directory / "userlist.txt", self._user_list())
        self._write(self.ini_path, self._ini(pool_size=pool_size, max_clients=max_clients))
        result = self._run([program, "-d", "-q", str(self.ini_path)])
        deadline = time.monotonic() + 10
        socket_file = self.directory / f".s.PGSQL.{POOLER_PORT}"
        while not (self.is_running() and socket_file.exists()):
            if time.monotonic() > deadline:
                tail = ""
                if self.log_path.exists():
                    tail = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-5:])
                raise EnvironmentProblem(
                    f"pgbouncer did not start in {self.directory}: "
                    f"{result.stderr.strip() or result.stdout.strip()}\n{tail}".strip()
                )
            time.sleep(0.05)
        return True

    def stop(self) -> bool:
        """Stop pgbouncer (SIGINT: safe shutdown after the running transactions)."""
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + 10
        while self.pid() is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.pid() is not None:
            os.kill(pid, signal.SIGTERM)
        return True

    def pools(self) -> list[PoolStats]:
        """SHOW POOLS from pgbouncer's admin console."""
        result = self._run(
            [
                str(self.primary.bindir() / "psql"),
                "--host",
                str(self.directory),
                "--port",
                str(POOLER_PORT),
                "--username",
                SUPERUSER,
                "--dbname",
                "pgbouncer",
                "--no-psqlrc",
                "--no-align",
                "--field-separator=|",
                "--command",
                "SHOW POOLS",
            ]
        )
        lines = result.stdout.strip().splitlines()
        if not lines:
            return []
        header = lines[0].split("|")
        found = []
        for line in lines[1:]:
            values = dict(zip(header, line.split("|"), strict=False))
            if "database" not in values or values["database"] == "pgbouncer":
                continue
            if values.get("user") is None or not values.get("cl_active", "").isdigit():
                continue
            found.append(
                PoolStats(
                    database=values["database"],
                    user=values["user"],
                    clients_active=int(values["cl_active"]),
                    clients_waiting=int(values["cl_waiting"]),
                    servers_active=int(values["sv_active"]),
                    servers_idle=int(values["sv_idle"]),
                )
            )
        return found

    # -- internals -----------------------------------------------------------------------

    def _ini(self, *, pool_size: int, max_clients: int) -> str:
        return (
            "; generated by searxng-cool-db pooler start\n"
            "[databases]\n"
            f"* = host={self.primary.socket_dir} port={SOCKET_PORT}\n"
            "\n[pgbouncer]\n"
            f"unix_socket_dir = {self.directory}\n"
            "unix_socket_mode = 0700\n"
            f"listen_port = {POOLER_PORT}\n"
            "pool_mode = transaction\n"
            "auth_type = trust\n"
            f"auth_file = {self.directory / 'userlist.txt'}\n"
            f"admin_users = {SUPERUSER}\n"
            f"stats_users = {SUPERUSER}\n"
            f"max_client_conn = {max_clients}\n"
            f"default_pool_size = {pool_size}\n"
            "reserve_pool_size = 5\n"
            "server_reset_query =\n"
            "ignore_startup_parameters = extra_float_digits\n"
            f"logfile = {self.log_path}\n"
            f"pidfile = {self.pid_path}\n"
        )

    def _user_list(self) -> str:
        result = self.primary._run(
            [
                "psql",
                "--host",
                str(self.primary.socket_dir),
                "--port",
                str(SOCKET_PORT),
                "--username",
                SUPERUSER,
                "--dbname",
                "postgres",
                "--no-psqlrc",
                "--tuples-only",
                "--no-align",
                "--command",
                "SELECT rolname FROM pg_roles WHERE rolcanlogin ORDER BY rolname",
            ]
        )
        names = [line.strip() for line in result.stdout.splitlines() if line.strip()]
        return "".join(f'"{name}" ""\n' for name in names)

    def _write(self, path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)
        self._own(path)

    def _own(self, path: Path) -> None:
        if running_as_root():
            account = pwd.getpwnam(SERVER_OS_USER)
            os.chown(path, account.pw_uid, account.pw_gid)

    def _run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        as_user: dict[str, Any] = {}
        if running_as_root():
            as_user = {"user": SERVER_OS_USER, "group": SERVER_OS_USER, "extra_groups": []}
        result = subprocess.run(
            argv, capture_output=True, text=True, check=False, cwd="/", **as_user
        )
        if result.returncode != 0:
            reason = result.stderr.strip() or result.stdout.strip()
            raise EnvironmentProblem(f"{Path(argv[0]).name} failed: {reason}")
        return result
