"""A local high-availability cluster: Debian's etcd and Patroni, for trying and testing.

`up` starts one etcd member and N Patroni members on this machine (loopback ports only,
each PostgreSQL also on a Unix socket in its member directory), from the templates in
`deploy/patroni/` that production uses too; it waits until a leader serves writes and
every member streams. Members run as the server's OS user. `down` stops Patroni (which
stops its PostgreSQL) and etcd. The ports and process ids are kept in `ha.json` in the
cluster's directory, so `status` and `down` work from any later command.

Clients connect with a multi-host URL and `target_session_attrs=read-write`: libpq tries
each member and keeps the one that accepts writes, so after a failover new connections
reach the new leader without any restart.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from sqlalchemy.engine import URL

from searxng_cool.config import REPO_ROOT
from searxng_cool.db.embedded import SERVER_OS_USER, find_bindir, running_as_root
from searxng_cool.errors import Conflict, EnvironmentProblem, InvalidInput, NotFound

TEMPLATE = REPO_ROOT / "deploy" / "patroni" / "patroni.yml.in"
INSTALL_HINT = "install Debian's packages: apt-get install patroni etcd-server"
STATE_FILE = "ha.json"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class MemberStatus:
    name: str
    role: str
    state: str
    lag: int | None
    timeline: int | None
    port: int

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


class HaCluster:
    """The etcd + Patroni cluster living in one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def state_path(self) -> Path:
        return self.directory / STATE_FILE

    def state(self) -> dict[str, Any]:
        try:
            loaded: dict[str, Any] = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise NotFound(f"no HA cluster in {self.directory}; start one with `ha up`") from None
        return loaded

    def is_up(self) -> bool:
        return self.state_path.is_file()

    # -- up ------------------------------------------------------------------------------

    def up(self, *, nodes: int = 3, timeout: float = 120) -> dict[str, Any]:
        if not 2 <= nodes <= 9:
            raise InvalidInput(f"--nodes {nodes} is outside 2..9 (a leader and a standby at least)")
        for program in ("patroni", "etcd"):
            if shutil.which(program) is None:
                raise EnvironmentProblem(f"{program} is not installed; {INSTALL_HINT}")
        if self.is_up():
            raise Conflict(f"an HA cluster already runs in {self.directory}; `ha down` first")
        self.directory.mkdir(parents=True, exist_ok=True)
        self._own(self.directory)
        state: dict[str, Any] = {
            "etcd": {"client_port": free_port(), "peer_port": free_port()},
            "members": [],
        }
        state["etcd"]["pid"] = self._start_etcd(state["etcd"])
        bindir = find_bindir(major="15")
        for number in range(1, nodes + 1):
            member: dict[str, Any] = {
                "name": f"pg{number}",
                "pg_port": free_port(),
                "rest_port": free_port(),
            }
            member_dir = self.directory / member["name"]
            member_dir.mkdir(exist_ok=True)
            self._own(member_dir)
            config = self._render(member, state["etcd"], member_dir, bindir)
            path = member_dir / "patroni.yml"
            path.write_text(config, encoding="utf-8")
            self._own(path)
            member["pid"] = self._spawn(
                ["patroni", str(path)], member_dir / "patroni.log", cwd=member_dir
            )
            state["members"].append(member)
            self._save(state)
            if number == 1:  # the first bootstraps; the others clone it
                self.wait_for_leader(timeout=timeout)
        self._wait_all_streaming(nodes, timeout=timeout)
        return state

    def _start_etcd(self, etcd: dict[str, Any]) -> int:
        data = self.directory / "etcd"
        data.mkdir(exist_ok=True)
        self._own(data)
        os.chmod(data, 0o700)
        client = f"http://127.0.0.1:{etcd['client_port']}"
        peer = f"http://127.0.0.1:{etcd['peer_port']}"
        pid = self._spawn(
            [
                "etcd",
                "--name",
                "sxc",
                "--data-dir",
                str(data),
                "--listen-client-urls",
                client,
                "--advertise-client-urls",
                client,
                "--listen-peer-urls",
                peer,
                "--initial-advertise-peer-urls",
                peer,
                "--initial-cluster",
                f"sxc={peer}",
                "--initial-cluster-state",
                "new",
            ],
            self.directory / "etcd.log",
            cwd=self.directory,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{client}/health", timeout=1) as answer:
                    if b"true" in answer.read():
                        return pid
            except OSError:
                time.sleep(0.1)
        raise EnvironmentProblem(f"etcd did not start; see {self.directory / 'etcd.log'}")

    def _render(
        self, member: dict[str, Any], etcd: dict[str, Any], member_dir: Path, bindir: Path
    ) -> str:
        pgpass = member_dir / "pgpass"
        return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
            NAME=member["name"],
            REST_PORT=member["rest_port"],
            PG_PORT=member["pg_port"],
            ETCD_HOSTS=f"127.0.0.1:{etcd['client_port']}",
            DATA_DIR=member_dir / "data",
            SOCKET_DIR=member_dir,
            BIN_DIR=bindir,
            PGPASS=pgpass,
        )

    # -- status --------------------------------------------------------------------------

    def members(self) -> list[MemberStatus]:
        """Each member as Patroni's REST API reports the cluster (from any member that answers)."""
        state = self.state()
        ports = {m["name"]: m["pg_port"] for m in state["members"]}
        for member in state["members"]:
            try:
                url = f"http://127.0.0.1:{member['rest_port']}/cluster"
                with urllib.request.urlopen(url, timeout=2) as answer:
                    cluster = json.loads(answer.read())
            except OSError:
                continue
            return [
                MemberStatus(
                    name=m["name"],
                    role=m.get("role", "unknown"),
                    state=m.get("state", "unknown"),
                    lag=m.get("lag") if isinstance(m.get("lag"), int) else None,
                    timeline=m.get("timeline"),
                    port=ports.get(m["name"], 0),
                )
                for m in cluster.get("members", [])
            ]
        return []

    def leader(self) -> MemberStatus | None:
        for member in self.members():
            if member.role == "leader" and member.state == "running":
                return member
        return None

    def wait_for_leader(self, *, timeout: float = 60) -> MemberStatus:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.leader()
            if found is not None:
                return found
            time.sleep(0.2)
        raise EnvironmentProblem(
            f"no Patroni leader within {timeout:g} s; see the patroni.log files in {self.directory}"
        )

    def _wait_all_streaming(self, nodes: int, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.members()
            running = [m for m in found if m.state in ("running", "streaming")]
            if len(running) == nodes and any(m.role == "sync_standby" for m in found):
                return
            time.sleep(0.3)
        raise EnvironmentProblem(
            f"the {nodes} members did not all stream within {timeout:g} s;"
            f" see the patroni.log files in {self.directory}"
        )

    def url(self, *, user: str = "postgres", database: str = "postgres") -> URL:
        """A multi-host URL that always reaches the member accepting writes."""
        members = self.state()["members"]
        return URL.create(
            "postgresql+psycopg",
            username=user,
            database=database,
            query={
                "host": ",".join("127.0.0.1" for _ in members),
                "port": ",".join(str(m["pg_port"]) for m in members),
                "target_session_attrs": "read-write",
                "connect_timeout": "2",
            },
        )

    # -- down ----------------------------------------------------------------------------

    def down(self, *, timeout: float = 60) -> bool:
        if not self.is_up():
            return False
        state = self.state()
        for member in state["members"]:
            _signal(member.get("pid"), signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for member in state["members"]:
            _wait_gone(member.get("pid"), deadline)
        for member in state["members"]:  # a PostgreSQL Patroni could not stop
            pid_file = self.directory / member["name"] / "data" / "postmaster.pid"
            if pid_file.is_file():
                _signal(_first_int(pid_file), signal.SIGQUIT)
        _signal(state["etcd"].get("pid"), signal.SIGTERM)
        _wait_gone(state["etcd"].get("pid"), time.monotonic() + 10)
        self.state_path.unlink(missing_ok=True)
        return True

    def kill_leader_postmaster(self) -> MemberStatus:
        """SIGKILL the leader's postmaster (drills and the failover test)."""
        leader = self.wait_for_leader()
        pid_file = self.directory / leader.name / "data" / "postmaster.pid"
        pid = _first_int(pid_file)
        if pid is None:
            raise EnvironmentProblem(f"no postmaster.pid for {leader.name}")
        os.kill(pid, signal.SIGKILL)
        return leader

    # -- internals -----------------------------------------------------------------------

    def _save(self, state: dict[str, Any]) -> None:
        self.state_path.write_text(json.dumps(state, indent=2), encoding="utf-8")

    def _own(self, path: Path) -> None:
        if running_as_root():
            account = pwd.getpwnam(SERVER_OS_USER)
            os.chown(path, account.pw_uid, account.pw_gid)

    def _spawn(self, argv: list[str], log: Path, *, cwd: Path) -> int:
        as_user: dict[str, Any] = {}
        if running_as_root():
            as_user = {"user": SERVER_OS_USER, "group": SERVER_OS_USER, "extra_groups": []}
        with open(log, "ab") as handle:
            self._own(log)
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                start_new_session=True,
                **as_user,
            )
        return process.pid


def _first_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _signal(pid: int | None, signum: int) -> None:
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _wait_gone(pid: int | None, deadline: float) -> None:
    if pid is None:
        return
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    _signal(pid, signal.SIGKILL)
