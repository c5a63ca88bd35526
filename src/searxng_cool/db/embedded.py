"""The private PostgreSQL cluster used when no database host is configured.

`initdb` on first use into a data directory, a Unix socket in that directory only
(no TCP), `pg_stat_statements` preloaded, started on demand and stopped on request.
Two commands starting it at once are serialised by a file lock beside the data
directory. PostgreSQL refuses to run as root, so as root the server runs as the
unprivileged `postgres` OS user and the data directory lives where it can reach it.
"""

from __future__ import annotations

import fcntl
import glob
import os
import pwd
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from searxng_cool.errors import EnvironmentProblem

SERVER_OS_USER = "postgres"
SUPERUSER = "postgres"
SOCKET_PORT = 5432  # only names the socket file: the cluster listens on no TCP port
INSTALL_HINT = "install Debian's packages: apt-get install postgresql postgresql-contrib"
_MAX_SOCKET_PATH = 103  # sun_path is 108 bytes; ".s.PGSQL.5432" is appended
_CONFIG_INCLUDE = "searxng_cool.conf"


_MB = 1 << 20


def machine_memory_bytes() -> int:
    """Physical memory of this machine (what the cluster's memory settings are sized to)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return 4096 * _MB


def sized_settings(memory_bytes: int) -> dict[str, str]:
    """Server settings for a cluster that bulk-loads catalogs and event logs.

    PostgreSQL's defaults (128 MB of shared buffers, 1 GB of WAL between checkpoints)
    make every bulk load pay for evicted index pages and full-page images after each
    early checkpoint. These follow the usual sizing: an eighth of memory for shared
    buffers (128 MB .. 4 GB), half for the planner's cache estimate, and checkpoints
    spaced by time rather than forced by WAL volume.
    """

    def clamp(value: int, low: int, high: int) -> str:
        return f"{max(low, min(high, value)) // _MB}MB"

    return {
        "shared_buffers": clamp(memory_bytes // 8, 128 * _MB, 4096 * _MB),
        "effective_cache_size": clamp(memory_bytes // 2, 512 * _MB, 64 * 1024 * _MB),
        "maintenance_work_mem": clamp(memory_bytes // 32, 64 * _MB, 1024 * _MB),
        "work_mem": clamp(memory_bytes // 512, 4 * _MB, 64 * _MB),
        "max_wal_size": "4GB",
        "checkpoint_timeout": "15min",
        "checkpoint_completion_target": "0.9",
    }


def running_as_root() -> bool:
    return os.geteuid() == 0


def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the embedded cluster lives unless SEARXNG_COOL_PGDATA says otherwise.

    Root's home is not traversable by the `postgres` user, so as root it is under /var/lib.
    """
    env = os.environ if environ is None else environ
    if running_as_root():
        return Path("/var/lib/searxng-cool/pgdata")
    base = Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "searxng-cool" / "pgdata"


def find_bindir(preferred: Path | None = None, major: str | None = None) -> Path:
    """Locate initdb/pg_ctl/postgres: an explicit dir, `pg_config --bindir`, /usr/lib/postgresql."""
    candidates: list[Path] = []
    if preferred is not None:
        candidates.append(preferred)
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    versioned = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates.extend(Path(p) for p in versioned)
    usable = [c for c in candidates if (c / "initdb").is_file() and (c / "pg_ctl").is_file()]
    if major is not None:
        matching = [c for c in usable if c.parent.name == major or _major_of(c) == major]
        usable = matching or usable
    if not usable:
        raise EnvironmentProblem(
            f"PostgreSQL server binaries (initdb, pg_ctl) not found; {INSTALL_HINT}"
        )
    return usable[0]


def _major_of(bindir: Path) -> str | None:
    result = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=False
    )
    words = result.stdout.split()
    return words[-1].split(".")[0] if words else None


@dataclass(frozen=True)
class EmbeddedCluster:
    """One data directory and the server that runs on it."""

    data_dir: Path
    bindir_hint: Path | None = None
    settings: Mapping[str, str] = field(default_factory=dict)

    @property
    def socket_dir(self) -> Path:
        return self.data_dir

    @property
    def lock_path(self) -> Path:
        return self.data_dir.parent / f".{self.data_dir.name}.lock"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    def url(self, *, user: str = SUPERUSER, database: str = "postgres") -> URL:
        return URL.create(
            "postgresql+psycopg",
            username=user,
            database=database,
            query={"host": str(self.socket_dir), "port": str(SOCKET_PORT)},
        )

    def is_initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def bindir(self) -> Path:
        major = None
        if self.is_initialised():
            major = (self.data_dir / "PG_VERSION").read_text().strip()
        return find_bindir(self.bindir_hint, major)

    def is_running(self) -> bool:
        if not self.is_initialised():
            return False
        result = self._run(["pg_ctl", "status", "-D", str(self.data_dir)], check=False)
        return result.returncode == 0

    def ensure_running(self) -> bool:
        """Initialise and start the cluster if needed; True when this call started it."""
        with self._locked():
            if not self.is_initialised():
                self._initdb()
            self._write_settings()
            if self.is_running():
                return False
            self._start()
            return True

    def stop(self) -> bool:
        """Stop the server (fast shutdown); True when it was running."""
        with self._locked():
            if not self.is_running():
                return False
            self._run(["pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-s"])
            return True

    def destroy(self) -> None:
        """Stop the server and delete the data directory (used by tests on throwaway clusters)."""
        self.stop()
        with self._locked():
            shutil.rmtree(self.data_dir, ignore_errors=True)
        self.lock_path.unlink(missing_ok=True)

    # -- internals ---------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if running_as_root():
            os.chmod(self.data_dir.parent, 0o755)
        with open(self.lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _initdb(self) -> None:
        socket_file = self.socket_dir / f".s.PGSQL.{SOCKET_PORT}"
        if len(str(socket_file)) > _MAX_SOCKET_PATH:
            raise EnvironmentProblem(
                f"the embedded cluster's socket path {socket_file} is longer than "
                f"{_MAX_SOCKET_PATH} characters; set SEARXNG_COOL_PGDATA to a shorter directory"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if any(self.data_dir.iterdir()):
            raise EnvironmentProblem(
                f"{self.data_dir} is not empty and holds no PostgreSQL cluster; "
                "empty it or set SEARXNG_COOL_PGDATA to another directory"
            )
        if running_as_root():
            account = pwd.getpwnam(SERVER_OS_USER)
            os.chown(self.data_dir, account.pw_uid, account.pw_gid)
        os.chmod(self.data_dir, 0o700)
        self._run(
            [
                "initdb",
                "-D",
                str(self.data_dir),
                "--username",
                SUPERUSER,
                "--auth-local=trust",
                "--auth-host=reject",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )
        conf = self.data_dir / "postgresql.conf"
        with conf.open("a", encoding="utf-8") as handle:
            handle.write(
                "\n# searxng-cool embedded cluster\n"
                "listen_addresses = ''\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "unix_socket_permissions = 0700\n"
                "shared_preload_libraries = 'pg_stat_statements'\n"
                "pg_stat_statements.track = top\n"
                "timezone = 'UTC'\n"
                "log_timezone = 'UTC'\n"
                f"include_if_exists = '{_CONFIG_INCLUDE}'\n"
            )

    def server_settings(self) -> dict[str, str]:
        """Machine-sized defaults, overridden by this cluster's own settings."""
        return sized_settings(machine_memory_bytes()) | dict(self.settings)

    def _write_settings(self) -> None:
        """Write the settings file; it takes effect when the server next starts."""
        path = self.data_dir / _CONFIG_INCLUDE
        settings = self.server_settings()
        text = "".join(f"{key} = '{value}'\n" for key, value in sorted(settings.items()))
        if path.exists() and path.read_text(encoding="utf-8") == text:
            return
        path.write_text(text, encoding="utf-8")
        if running_as_root():
            account = pwd.getpwnam(SERVER_OS_USER)
            os.chown(path, account.pw_uid, account.pw_gid)

    def _start(self) -> None:
        result = self._run(
            [
                "pg_ctl",
                "start",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_path),
                "-w",
                "-t",
                "60",
                "-s",
            ],
            check=False,
        )
        if result.returncode != 0:
            tail = ""
            if self.log_path.exists():
                tail = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-5:])
            raise EnvironmentProblem(
                f"the embedded PostgreSQL in {self.data_dir} did not start: "
                f"{result.stderr.strip() or result.stdout.strip()}\n{tail}".strip()
            )

    def _run(self, argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a server binary, as the `postgres` OS user when we are root."""
        as_user: dict[str, Any] = {}
        if running_as_root():
            as_user = {
                "user": SERVER_OS_USER,
                "group": SERVER_OS_USER,
                "extra_groups": [],
                "cwd": "/",
            }
        program = str(self.bindir() / argv[0])
        result = subprocess.run(
            [program, *argv[1:]], capture_output=True, text=True, check=False, **as_user
        )
        if check and result.returncode != 0:
            reason = result.stderr.strip() or result.stdout.strip()
            raise EnvironmentProblem(f"{argv[0]} failed for {self.data_dir}: {reason}")
        return result
