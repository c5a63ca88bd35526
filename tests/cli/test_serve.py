"""The README's API steps: `users create`, `tokens create`, `serve`, then liblistenbrainz."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import liblistenbrainz
from sqlalchemy.engine import URL

from tests.api.server import free_port
from tests.conftest import REPO_ROOT


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "scripts/utilities/database/db_cli.py", *args],
        cwd=REPO_ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_new_user_serves_the_api_and_a_listenbrainz_client_submits_and_reads_back(
    db_url: URL,
) -> None:
    env = dict(os.environ, DATABASE_URL=db_url.render_as_string(hide_password=False))
    _cli(
        env,
        "users",
        "create",
        "ana",
        "--email",
        "ana@example.org",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    token = _cli(env, "tokens", "create", "ana", "--label", "scrobbler").strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "scripts/utilities/database/db_cli.py", "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "serve did not become ready"
            time.sleep(0.2)
        client = liblistenbrainz.ListenBrainz(api_base_url=base)
        client.set_auth_token(token)
        client.submit_single_listen(
            liblistenbrainz.Listen(
                track_name="Hurt", artist_name="Johnny Cash", listened_at=int(time.time()) - 60
            )
        )
        (listen,) = client.get_listens("ana")
        assert (listen.track_name, listen.artist_name) == ("Hurt", "Johnny Cash")
        assert httpx.get(base + "/docs").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=15)
