"""The web pages on the demo catalog: the operator overview's server time (target: <= 500 ms)
against the status service it renders (the floor, same run), and each page's weight
(HTML + CSS + JS, target: <= 200 KB).

    python -m bench.web_bench [--records 5000] [--rounds 30]

Creates a throwaway database (bench/scratch.py: DATABASE_URL's server or the embedded one), loads `demo --records N` into it,
serves the application with uvicorn on a loopback port, logs in as a new admin through the
login form, then times GET /admin/ (and a few listener pages) and the bare
`status.collect_status` call, interleaved so both see the same cache.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

import httpx
import uvicorn
from sqlalchemy import create_engine

from bench.scratch import scratch_engine
from searxng_cool.accounts import register_user
from searxng_cool.accounts.registry import OPERATOR
from searxng_cool.admin import status
from searxng_cool.api.app import create_app
from searxng_cool.config import DatabaseConfig, OperationsConfig, Settings

PASSWORD = "bench password 1234"
PAGES = [
    "/",
    "/search?q=love",
    "/playlists",
    "/tokens",
    "/listening",
    "/discovery",
    "/admin/",
    "/admin/queries",
    "/admin/space",
    "/admin/activity",
]


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with scratch_engine("web") as engine:
        url = engine.url.render_as_string(hide_password=False)
        env = {**os.environ, "DATABASE_URL": url, "DATABASE_OWNER_URL": url}
        cli = [
            sys.executable,
            "-m",
            "searxng_cool.cli.main",
            "demo",
            "--records",
            str(args.records),
        ]
        subprocess.run(cli, env=env, check=True, stdout=subprocess.DEVNULL)
        with engine.begin() as connection:
            register_user(
                connection,
                username="benchadmin",
                email="bench@example.org",
                password=PASSWORD,
                is_admin=True,
                by=OPERATOR,
            )
        settings = Settings(database=DatabaseConfig(url=engine.url), source="bench")
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        pooled = create_engine(engine.url, pool_size=2)  # as the server's: no connect per call
        try:
            run(pooled, f"http://127.0.0.1:{port}", args.rounds)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            pooled.dispose()


def run(engine, base: str, rounds: int) -> None:  # type: ignore[no-untyped-def]
    client = httpx.Client(base_url=base, timeout=60)
    csrf = re.search(r'name="csrf-token" content="([0-9a-f]+)"', client.get("/login").text)
    assert csrf
    client.post("/login", data={"login": "benchadmin", "password": PASSWORD, "csrf": csrf[1]})
    assert client.get("/admin/").status_code == 200
    page_ms: list[float] = []
    service_ms: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = client.get("/admin/")
        page_ms.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200
        started = time.perf_counter()
        with engine.begin() as connection:
            status.collect_status(
                connection, ops=OperationsConfig(), pool_size=20, record_sample=False
            )
        service_ms.append((time.perf_counter() - started) * 1000)
    print(
        f"operator overview over HTTP: p50 {statistics.median(page_ms):.0f} ms,"
        f" p95 {p(page_ms, 0.95):.0f} ms (target <= 500 ms)"
    )
    print(
        f"status service alone (floor): p50 {statistics.median(service_ms):.0f} ms,"
        f" p95 {p(service_ms, 0.95):.0f} ms"
    )
    print(f"page / floor (p50): {statistics.median(page_ms) / statistics.median(service_ms):.2f}x")
    assets = sum(len(client.get(a).content) for a in ("/static/app.css", "/static/app.js"))
    print(f"{'page':<22}{'HTML kB':>9}{'+CSS+JS kB':>12}{'p50 ms':>9}")
    for path in PAGES:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            answer = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        size = len(answer.content)
        print(
            f"{path:<22}{size / 1024:>9.1f}{(size + assets) / 1024:>12.1f}"
            f"{statistics.median(times):>9.0f}"
        )


if __name__ == "__main__":
    main()
