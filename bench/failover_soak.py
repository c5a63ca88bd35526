"""Failover soak: N kills of the Patroni leader's postmaster under steady API writes.

    .venv/bin/python -m bench.failover_soak [--kills 5] [--interval 0.05]

Starts etcd and three Patroni members (synchronous mode) in a temporary directory with
`ha up`'s code, migrates a database, serves the API on it, writes one listen every
INTERVAL seconds and kills the leader's postmaster KILLS times. Prints, per kill, the
time until a write was acknowledged again and the failed requests; then the acknowledged
writes missing on the final leader (must be 0) and any error that was not retriable.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, pool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.served import make_user, served
from searxng_cool.admin import migrations
from searxng_cool.admin.ha import HaCluster
from searxng_cool.admin.ha_drill import SteadyWriter, run_drill
from searxng_cool.db.embedded import running_as_root

DATABASE = "searxng_cool_music"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--interval", type=float, default=0.05)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="sxc-soak-", dir="/tmp"))
    if running_as_root():
        base.chmod(0o755)
    ha = HaCluster(base / "ha")
    try:
        ha.up(nodes=3)
        admin = create_engine(ha.url(), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {DATABASE}")
        admin.dispose()
        url = ha.url(database=DATABASE)
        once = create_engine(url, poolclass=pool.NullPool)
        with once.begin() as connection:
            migrations.upgrade(connection, revision="head")
        engine = create_engine(url, pool_size=4, pool_pre_ping=True)
        user_id, token = make_user(engine, "soak_writer")
        with served(engine) as base_url:
            report = run_drill(
                once,
                ha=ha,
                writer=SteadyWriter(base_url, token, interval=args.interval),
                user_id=user_id,
                kills=args.kills,
            )
        engine.dispose()
        once.dispose()
    finally:
        ha.down()
        shutil.rmtree(base, ignore_errors=True)
    for number, kill in enumerate(report.kills, 1):
        print(
            f"kill {number}: {kill.killed} -> {kill.new_leader}, write acknowledged again after"
            f" {kill.seconds_to_write:.1f} s, {kill.failed_requests} failed request(s)"
        )
    worst = max(k.seconds_to_write for k in report.kills)
    print(
        f"{len(report.kills)} kills: worst {worst:.1f} s to the next acknowledged write"
        f" (limit 30 s); {report.acknowledged} writes acknowledged, {len(report.lost)} lost;"
        f" non-retriable errors: {len(report.non_retriable)}"
    )
    if report.lost or report.non_retriable or worst >= 30:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
