"""Debian's redis-server on a Unix socket in a directory of ours (no TCP, no persistence).

For the embedded set-up and the tests: `start` runs it in the background, `stop` ends it.
Its URL is `unix://<directory>/redis.sock`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from searxng_cool.errors import EnvironmentProblem

INSTALL_HINT = "install Debian's package: apt-get install redis-server"


@dataclass(frozen=True)
class RedisServer:
    directory: Path

    @property
    def socket(self) -> Path:
        return self.directory / "redis.sock"

    @property
    def pid_path(self) -> Path:
        return self.directory / "redis.pid"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_path.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def start(self) -> bool:
        program = shutil.which("redis-server")
        if program is None:
            raise EnvironmentProblem(f"redis-server is not installed; {INSTALL_HINT}")
        if self.pid() is not None:
            return False
        self.directory.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                program,
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--unixsocketperm",
                "700",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.pid_path),
                "--logfile",
                str(self.directory / "redis.log"),
                "--dir",
                str(self.directory),
            ],
            check=True,
            capture_output=True,
        )
        deadline = time.monotonic() + 10
        while not (self.socket.exists() and self.pid() is not None):
            if time.monotonic() > deadline:
                raise EnvironmentProblem(f"redis-server did not start in {self.directory}")
            time.sleep(0.02)
        return True

    def stop(self) -> bool:
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while self.pid() is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        self.socket.unlink(missing_ok=True)
        return True
